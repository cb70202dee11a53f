// `smwasm serve`: a pipeline behind a TCP server, one message per line.
//
//   smwasm serve --example counter --syntax seed          (127.0.0.1:3000)
//   $ echo 'Item "Left ()"' | nc -q1 127.0.0.1 3000
//   Item "Left 0"
//
//   smwasm serve --example counter --admin-port 3001 --admin-token-file token.txt --auto-rollback 5/10
//   $ smwasm upgrade counter-v2.json --token-file token.txt      (see upgrade.ts)
//
// Upgrades arrive on the admin channel (JSON lines, every request carrying
// the token, from --admin-token-file or SMWASM_ADMIN_TOKEN; the token is
// never printed). --insecure-upgrades also takes the seed's unauthenticated
// in-band upgrades on the item port, for local demos.
//
// SIGINT or SIGTERM shut down cleanly: stop accepting, answer every whole
// message already read, close the sockets, stop the stages.

import type { Command } from 'commander';
import { parseSyntaxName } from '../../runtime/codec.ts';
import { startService } from '../../runtime/service.ts';
import type { StageEngine } from '../../runtime/stage-worker.ts';
import { parseAutoRollback } from '../../runtime/upgrade-coordinator.ts';
import { EXAMPLES, examplePipeline, loadPipeline } from '../spec-loader.ts';
import { ADMIN_TOKEN_ENV, readAdminToken } from './upgrade.ts';

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
  migrationFuel?: string;
  adminHost?: string;
  adminPort?: string;
  adminTokenFile?: string;
  insecureUpgrades?: boolean;
  autoRollback?: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve a pipeline over TCP, one message per line (seed or JSON syntax)')
    .argument('[spec]', 'a pipeline spec: .json, or a .ts/.js module exporting `pipeline`')
    .option('--example <name>', `a built-in example pipeline instead of a spec (${EXAMPLES.join(', ')})`)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '3000')
    .option('--syntax <syntax>', 'message syntax: json, seed, or lines (raw text lines, for String pipelines)', 'json')
    .option('--engine <engine>', ENGINE_HELP, 'wasm')
    .option('--ring-bytes <bytes>', 'bytes of each ring between stages (a power of two)', String(1 << 20))
    .option('--fuel <steps>', 'step budget of each item')
    .option('--migration-fuel <steps>', 'step budget of a state migration during an upgrade')
    .option('--admin-port <port>', 'serve the admin channel (upgrades, rollback, status, history) on this port')
    .option('--admin-host <host>', 'address of the admin channel (default: --host)')
    .option('--admin-token-file <file>', `a file holding the admin token (else $${ADMIN_TOKEN_ENV})`)
    .option('--insecure-upgrades', 'also accept unauthenticated in-band upgrades on the item port (local demos only)')
    .option('--auto-rollback <errors/seconds>', 'roll an upgrade back by itself when a stage it changed fails more than ERRORS items within SECONDS')
    .action(async (specPath: string | undefined, opts: ServeOptions) => {
      if ((specPath === undefined) === (opts.example === undefined)) throw new Error('give either a spec file or --example NAME');
      const spec = opts.example !== undefined ? await examplePipeline(opts.example) : await loadPipeline(specPath!);
      const syntax = parseSyntaxName(opts.syntax);
      const engine = engineOption(opts.engine);
      const port = numberOption(opts.port, '--port');
      if (opts.adminPort === undefined && opts.adminTokenFile !== undefined) throw new Error('--admin-token-file needs --admin-port');
      const admin =
        opts.adminPort === undefined
          ? undefined
          : { host: opts.adminHost ?? opts.host, port: numberOption(opts.adminPort, '--admin-port'), token: await readAdminToken(opts.adminTokenFile) };
      const service = await startService(spec, {
        engine,
        syntax,
        host: opts.host,
        port,
        ringBytes: numberOption(opts.ringBytes, '--ring-bytes'),
        fuel: opts.fuel === undefined ? undefined : numberOption(opts.fuel, '--fuel'),
        migrationFuel: opts.migrationFuel === undefined ? undefined : numberOption(opts.migrationFuel, '--migration-fuel'),
        insecureUpgrades: opts.insecureUpgrades === true,
        admin,
        autoRollback: opts.autoRollback === undefined ? undefined : parseAutoRollback(opts.autoRollback),
      });
      const { pipeline, server } = service;
      const names = pipeline.stageNames.length > 0 ? pipeline.stageNames.join(' -> ') : 'IdP';
      process.stderr.write(`smwasm: serving ${names} on ${server.host}:${server.port} (${syntax} syntax, ${engine} engine, ${pipeline.threadCount} threads)\n`);
      if (service.admin !== null) {
        const from = opts.adminTokenFile !== undefined ? 'the token file' : `$${ADMIN_TOKEN_ENV}`;
        process.stderr.write(`smwasm: admin channel on ${service.admin.host}:${service.admin.port} (token from ${from})\n`);
      }
      if (opts.insecureUpgrades) process.stderr.write('smwasm: --insecure-upgrades: anyone who can reach the item port can upgrade the service\n');
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`smwasm: ${signal}: finishing in-flight messages and closing\n`);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          service.shutdown().then(resolve, (e: Error) => {
            process.stderr.write(`smwasm: shutdown failed: ${e.message}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        // A stage thread that dies has closed the item port: exit with a failure (the error is on stderr already).
        void server.failed.then(() => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          process.exitCode = 1;
          service.shutdown().then(resolve, () => resolve());
        });
      });
    });
}
