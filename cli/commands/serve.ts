// `smwasm serve`: a pipeline behind a TCP server, one message per line.
//
//   smwasm serve --example counter --syntax seed          (127.0.0.1:3000)
//   $ echo 'Item "Left ()"' | nc -q1 127.0.0.1 3000
//   Item "Left 0"
//
// SIGINT or SIGTERM shut down cleanly: stop accepting, answer every whole
// message already read, close the sockets, stop the stages.

import type { Command } from 'commander';
import { lineCodec, parseSyntaxName } from '../../runtime/codec.ts';
import { deployPipeline } from '../../runtime/pipeline.ts';
import type { StageEngine } from '../../runtime/stage-worker.ts';
import { startTcpServer } from '../../runtime/tcp.ts';
import { examplePipeline, loadPipeline } from '../spec-loader.ts';

export const ENGINE_HELP = 'wasm (compiled to WebAssembly) or interp (the reference interpreter)';

export function engineOption(name: string): StageEngine {
  if (name === 'wasm' || name === 'interp') return name;
  throw new Error(`--engine must be wasm or interp, not ${JSON.stringify(name)}`);
}

export function numberOption(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return n;
}

interface ServeOptions {
  example?: string;
  host: string;
  port: string;
  syntax: string;
  engine: string;
  ringBytes: string;
  fuel?: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve a pipeline over TCP, one message per line (seed or JSON syntax)')
    .argument('[spec]', 'a pipeline spec: .json, or a .ts/.js module exporting `pipeline`')
    .option('--example <name>', 'a built-in example pipeline instead of a spec (counter)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '3000')
    .option('--syntax <syntax>', 'message syntax: json or seed', 'json')
    .option('--engine <engine>', ENGINE_HELP, 'wasm')
    .option('--ring-bytes <bytes>', 'bytes of each ring between stages (a power of two)', String(1 << 20))
    .option('--fuel <steps>', 'step budget of each item')
    .action(async (specPath: string | undefined, opts: ServeOptions) => {
      if ((specPath === undefined) === (opts.example === undefined)) throw new Error('give either a spec file or --example NAME');
      const spec = opts.example !== undefined ? await examplePipeline(opts.example) : await loadPipeline(specPath!);
      const syntax = parseSyntaxName(opts.syntax);
      const engine = engineOption(opts.engine);
      const port = numberOption(opts.port, '--port');
      const pipeline = await deployPipeline(spec, {
        engine,
        ringBytes: numberOption(opts.ringBytes, '--ring-bytes'),
        fuel: opts.fuel === undefined ? undefined : numberOption(opts.fuel, '--fuel'),
      });
      const server = await startTcpServer(pipeline, lineCodec(syntax, pipeline.input, pipeline.output), { host: opts.host, port });
      const names = pipeline.stageNames.length > 0 ? pipeline.stageNames.join(' -> ') : 'IdP';
      process.stderr.write(`smwasm: serving ${names} on ${server.host}:${server.port} (${syntax} syntax, ${engine} engine, ${pipeline.threadCount} threads)\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`smwasm: ${signal}: finishing in-flight messages and closing\n`);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.shutdown().then(resolve, (e: Error) => {
            process.stderr.write(`smwasm: shutdown failed: ${e.message}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
