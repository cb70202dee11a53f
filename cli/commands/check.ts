// `smwasm check`: typecheck a pipeline spec or one term and print its type.
//
//   smwasm check --example counter              => counter: Int; String -> String
//   smwasm check --term 'ComposeU IncrU GetU' --state-type UTInt --input-type UTUnit
//                                               => Int; () -> Int

import type { Command } from 'commander';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import { checkPipeline, formatPipelineErrors, stageSignature } from '../../compiler/pipeline.ts';
import { typecheck } from '../../compiler/typecheck.ts';
import { showType } from '../../compiler/types.ts';
import { EXAMPLES, examplePipeline, loadPipeline } from '../spec-loader.ts';
import { parseSyntax, readTerm, readType } from '../terms-input.ts';

interface CheckOptions {
  syntax: string;
  example?: string;
  term?: string;
  stateType?: string;
  inputType?: string;
  outputType?: string;
}

export function register(program: Command): void {
  program
    .command('check')
    .description('typecheck a pipeline spec (file or --example) or a single --term, and print the types')
    .argument('[spec]', 'a pipeline spec: .json, or a .ts/.js module exporting `pipeline`')
    .option('--example <name>', `a built-in example pipeline (${EXAMPLES.join(', ')})`)
    .option('--term <term>', 'a single term instead of a pipeline')
    .option('--state-type <type>', 'with --term: the state type')
    .option('--input-type <type>', 'with --term: the input type')
    .option('--output-type <type>', 'with --term: the expected output type')
    .option('--syntax <syntax>', 'syntax of --term and its types: seed or json', 'seed')
    .action(async (specPath: string | undefined, opts: CheckOptions) => {
      if (opts.term !== undefined) {
        const syntax = parseSyntax(opts.syntax);
        if (opts.stateType === undefined || opts.inputType === undefined) throw new Error('--term needs --state-type and --input-type');
        const term = readTerm(syntax, opts.term);
        const state = readType(syntax, opts.stateType, '--state-type');
        const input = readType(syntax, opts.inputType, '--input-type');
        const output = opts.outputType === undefined ? undefined : readType(syntax, opts.outputType, '--output-type');
        const r = typecheck(term, { state, input, output });
        if (!r.ok) {
          process.stderr.write(`${formatDiagnostic(r.error)}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`${showType(state)}; ${showType(input)} -> ${showType(r.typed.output)}\n`);
        return;
      }
      if ((specPath === undefined) === (opts.example === undefined)) throw new Error('give either a spec file, --example NAME, or --term');
      const spec = opts.example !== undefined ? await examplePipeline(opts.example) : await loadPipeline(specPath!);
      const r = checkPipeline(spec);
      if (!r.ok) {
        process.stderr.write(`${formatPipelineErrors(r.errors)}\n`);
        process.exitCode = 1;
        return;
      }
      for (const s of r.stages) process.stdout.write(`${s.spec.name}: ${stageSignature(s.spec)}\n`);
      if (r.stages.length === 0) process.stdout.write(`IdP: ${showType(r.input)} -> ${showType(r.output)}\n`);
    });
}
