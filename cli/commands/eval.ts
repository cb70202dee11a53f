// `smwasm eval`: one step of a machine, printed like the seed's `runT`.
//
//   smwasm eval --term "$COUNTER_V1" --state-type UTInt --input-type UTString --state 0 --input '"Left ()"'
//   => ("Left 0",0)

import type { Command } from 'commander';
import { DEFAULT_FUEL } from '../../compiler/engine.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import { showValue } from '../../compiler/seed-syntax.ts';
import { typecheck } from '../../compiler/typecheck.ts';
import { pair } from '../../compiler/types.ts';
import { valueToJson } from '../../compiler/values.ts';
import { loadEngine } from '../engines.ts';
import { parseSyntax, readTerm, readType, readValueArg } from '../terms-input.ts';

interface EvalOptions {
  syntax: string;
  term: string;
  stateType: string;
  inputType: string;
  outputType?: string;
  state: string;
  input: string;
  engine: string;
  fuel: string;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('run one step of a machine and print (output,newState), like the seed\'s runT')
    .requiredOption('--term <term>', 'the machine, in the chosen syntax')
    .requiredOption('--state-type <type>', 'the state type')
    .requiredOption('--input-type <type>', 'the input type')
    .option('--output-type <type>', 'the expected output type (checked; inferred when omitted)')
    .requiredOption('--state <value>', 'the current state')
    .requiredOption('--input <value>', 'the input (in seed syntax a String may omit its quotes)')
    .option('--syntax <syntax>', 'seed (Haskell Show/Read) or json', 'seed')
    .option('--engine <engine>', 'interp or wasm', 'interp')
    .option('--fuel <steps>', 'step budget of the item', String(DEFAULT_FUEL))
    .action(async (opts: EvalOptions) => {
      const syntax = parseSyntax(opts.syntax);
      const term = readTerm(syntax, opts.term);
      const stateType = readType(syntax, opts.stateType, '--state-type');
      const inputType = readType(syntax, opts.inputType, '--input-type');
      const outputType = opts.outputType === undefined ? undefined : readType(syntax, opts.outputType, '--output-type');
      const checked = typecheck(term, { state: stateType, input: inputType, output: outputType });
      if (!checked.ok) {
        process.stderr.write(`${formatDiagnostic(checked.error)}\n`);
        process.exitCode = 1;
        return;
      }
      const state = readValueArg(syntax, stateType, opts.state, '--state');
      const input = readValueArg(syntax, inputType, opts.input, '--input');
      const fuel = Number(opts.fuel);
      if (!Number.isSafeInteger(fuel) || fuel < 0) throw new Error(`--fuel must be a non-negative integer, not ${JSON.stringify(opts.fuel)}`);
      const engine = await loadEngine(opts.engine);
      const machine = engine.load({ typed: checked.typed, stateType, initialState: state, fuel });
      const result = machine.step(input);
      if (!result.ok) {
        process.stderr.write(`error[${result.error.code}]: ${result.error.message}\n`);
        process.exitCode = 1;
        return;
      }
      const newState = machine.getState();
      const outType = checked.typed.output;
      if (syntax === 'seed') process.stdout.write(`${showValue(pair(outType, stateType), [result.output, newState])}\n`);
      else process.stdout.write(`${JSON.stringify({ output: valueToJson(outType, result.output), state: valueToJson(stateType, newState) })}\n`);
    });
}
