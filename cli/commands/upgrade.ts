// `smwasm upgrade`: send an upgrade to a running server's admin channel.
//
//   smwasm upgrade counter-v2.json                      the JSON form: {"upgrade": [{"stage": "counter", …}]}
//   smwasm upgrade counter-v2.seed                      the seed form: Upgrade "counter" (UpgradeData_ {…})
//   smwasm upgrade examples/kv/index.ts --export upgradeV1toV2       a module exporting an UpgradeRequest
//   => upgraded "counter" to version 2 (sha256:1f2e3d4c5b6a) as upgrade 1 in 41 ms (compile 30 ms, cut 1.2 ms)
//   => smwasm: upgrade refused [UPG_OLD_STATE]: old state type is Int, not Bool          (exit 1)
//
// The admin address is --admin HOST:PORT (default 127.0.0.1:3001); the token
// comes from --token-file or SMWASM_ADMIN_TOKEN and is never printed. The
// helpers at the end are shared by rollback, status and history.

import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { tsImport } from 'tsx/esm/api';
import { shortHash } from '../../compiler/content-hash.ts';
import { type UpgradeRequest, upgradeRequestToJson } from '../../compiler/upgrade.ts';
import type { Json } from '../../compiler/values.ts';
import { AdminClient } from '../../runtime/client.ts';

export const ADMIN_TOKEN_ENV = 'SMWASM_ADMIN_TOKEN';
export const DEFAULT_ADMIN = '127.0.0.1:3001';

export interface AdminCliOptions {
  admin: string;
  tokenFile?: string;
  json?: boolean;
}

interface UpgradeCliOptions extends AdminCliOptions {
  export: string;
  prebuilt?: string;
}

/** The options every admin command takes. */
export function adminOptions(command: Command): Command {
  return command
    .option('--admin <host:port>', 'the server\'s admin channel', DEFAULT_ADMIN)
    .option('--token-file <file>', `a file holding the admin token (else $${ADMIN_TOKEN_ENV})`)
    .option('--json', 'print the server\'s reply as JSON');
}

/** Reads the admin token: from the file, else the environment. Never echoes it. */
export async function readAdminToken(tokenFile: string | undefined): Promise<string> {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(tokenFile, 'utf8');
    } catch (e) {
      throw new Error(`cannot read the admin token file ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const token = text.trim();
    if (token === '') throw new Error(`the admin token file ${tokenFile} is empty`);
    return token;
  }
  const token = process.env[ADMIN_TOKEN_ENV]?.trim();
  if (token === undefined || token === '') throw new Error(`no admin token: give --token-file FILE or set ${ADMIN_TOKEN_ENV}`);
  return token;
}

export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const host = at > 0 ? text.slice(0, at) : '127.0.0.1';
  const port = Number(at >= 0 ? text.slice(at + 1) : text);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${what} must be HOST:PORT or PORT, not ${JSON.stringify(text)}`);
  return { host, port };
}

/** Connects, sends one request, closes; throws for `ok: false` with the reply's code and reason. */
export async function adminCall(options: AdminCliOptions, fields: Record<string, Json>, refused: string): Promise<Record<string, Json>> {
  const { host, port } = parseHostPort(options.admin, '--admin');
  const token = await readAdminToken(options.tokenFile);
  let client: AdminClient;
  try {
    client = await AdminClient.connect(host, port, token);
  } catch (e) {
    throw new Error(`cannot reach the admin channel at ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const reply = await client.request(fields);
    if (options.json) process.stdout.write(JSON.stringify(reply) + '\n');
    if (reply.ok !== true) throw new Error(`${refused} [${String(reply.code)}]: ${String(reply.reason)}`);
    return reply;
  } finally {
    await client.close().catch(() => {});
  }
}

/** A summary line of an applied upgrade or rollback. */
export function describeApplied(reply: Record<string, Json>, verb: string): string {
  const stages = reply.stages as Array<{ name: string; version: number; hash: string }>;
  const timings = reply.timings as { totalMs: number; compileMs: number; cutMs: number };
  const what = stages.map((s) => `${JSON.stringify(s.name)} to version ${s.version} (${shortHash(s.hash)})`).join(', ');
  const undo = reply.rollbackOf !== undefined ? ` (undoing upgrade ${String(reply.rollbackOf)})` : '';
  return `${verb} ${what} as upgrade ${String(reply.id)}${undo} in ${timings.totalMs.toFixed(0)} ms (compile ${timings.compileMs.toFixed(0)} ms, cut ${timings.cutMs.toFixed(1)} ms)`;
}

/** The request in a file: JSON form, seed form, or a module's export. */
async function readUpgradeFile(path: string, exportName: string): Promise<Record<string, Json>> {
  const ext = extname(path);
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
    let mod: Record<string, unknown>;
    try {
      mod = (await tsImport(pathToFileURL(resolve(path)).href, import.meta.url)) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${path}: could not load the module: ${(e as Error).message}`);
    }
    const request = mod[exportName] as UpgradeRequest | undefined;
    if (request === undefined || !Array.isArray(request.stages)) throw new Error(`${path}: exports no upgrade request named ${JSON.stringify(exportName)} (choose one with --export NAME)`);
    return { request: upgradeRequestToJson(request) };
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return { request: JSON.parse(trimmed) as Json };
    } catch (e) {
      throw new Error(`${path}: not JSON: ${(e as Error).message}`);
    }
  }
  return { seed: trimmed };
}

async function readPrebuilt(path: string): Promise<Json> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const stages = (json as { stages?: unknown }).stages;
  if (!Array.isArray(stages)) throw new Error(`${path}: a bundle is {"stages": [{"stage", "machine", "migration"}]} with base64 modules`);
  return stages as Json;
}

export function register(program: Command): void {
  adminOptions(
    program
      .command('upgrade')
      .description('upgrade stages of a running server, atomically, through its admin channel')
      .argument('<file>', 'the request: JSON form (.json), seed form (Upgrade "stage" (UpgradeData_ {…})), or a .ts/.js module exporting it')
      .option('--export <name>', 'the export holding the request, for a module', 'upgrade')
      .option('--prebuilt <bundle>', 'a bundle of prebuilt Wasm (smwasm build): accepted only if byte-identical to the server\'s own build'),
  ).action(async (file: string, opts: UpgradeCliOptions) => {
    const fields = await readUpgradeFile(file, opts.export);
    if (opts.prebuilt !== undefined) fields.prebuilt = await readPrebuilt(opts.prebuilt);
    const reply = await adminCall(opts, { op: 'upgrade', ...fields }, 'upgrade refused');
    if (!opts.json) {
      process.stdout.write(describeApplied(reply, 'upgraded') + '\n');
      for (const hint of (reply.hints as string[] | undefined) ?? []) process.stdout.write(`  note: ${hint}\n`);
    }
  });
}
