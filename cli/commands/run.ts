// `smwasm run`: a pipeline over a file or stdin, replies to a file or stdout,
// one message per line; exits at the end of the input.
//
//   printf 'Item "Right ()"\nItem "Left ()"\n' | smwasm run --example counter --syntax seed
//   => Item "Right ()"
//      Item "Left 1"

import { createReadStream, createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { parseSyntaxName, specCodec } from '../../runtime/codec.ts';
import { deployPipeline } from '../../runtime/pipeline.ts';
import { runStreams } from '../../runtime/streams.ts';
import { EXAMPLES, examplePipeline, loadPipeline } from '../spec-loader.ts';
import { engineOption, ENGINE_HELP, numberOption } from './serve.ts';

interface RunOptions {
  example?: string;
  input?: string;
  output?: string;
  syntax: string;
  engine: string;
  ringBytes: string;
  fuel?: string;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a pipeline over a file or stdin, one message per line, replies to a file or stdout')
    .argument('[spec]', 'a pipeline spec: .json, or a .ts/.js module exporting `pipeline`')
    .option('--example <name>', `a built-in example pipeline instead of a spec (${EXAMPLES.join(', ')})`)
    .option('--input <file>', 'read messages from this file instead of stdin')
    .option('--output <file>', 'write replies to this file instead of stdout')
    .option('--syntax <syntax>', 'message syntax: json, seed, or lines (raw text lines, for String pipelines)', 'json')
    .option('--engine <engine>', ENGINE_HELP, 'wasm')
    .option('--ring-bytes <bytes>', 'bytes of each ring between stages (a power of two)', String(1 << 20))
    .option('--fuel <steps>', 'step budget of each item')
    .action(async (specPath: string | undefined, opts: RunOptions) => {
      if ((specPath === undefined) === (opts.example === undefined)) throw new Error('give either a spec file or --example NAME');
      const spec = opts.example !== undefined ? await examplePipeline(opts.example) : await loadPipeline(specPath!);
      const codec = specCodec(parseSyntaxName(opts.syntax), spec);
      const pipeline = await deployPipeline(spec, {
        engine: engineOption(opts.engine),
        ringBytes: numberOption(opts.ringBytes, '--ring-bytes'),
        fuel: opts.fuel === undefined ? undefined : numberOption(opts.fuel, '--fuel'),
      });
      const input = opts.input !== undefined ? createReadStream(opts.input) : process.stdin;
      const output = opts.output !== undefined ? createWriteStream(opts.output) : process.stdout;
      await runStreams(pipeline, codec, input, output, { endOutput: opts.output !== undefined });
    });
}
