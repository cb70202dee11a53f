// The admin channel: where upgrades come from when the item port is closed
// to them. JSON lines over TCP; every request carries the admin token.
//
//   > {"token": "…", "op": "upgrade", "request": {"upgrade": [{"stage": "counter", …}]}}
//   < {"ok": true, "id": 1, "stages": [{"name": "counter", "version": 2, "hash": "sha256:…"}], "hints": […], "timings": {…}}
//   > {"token": "…", "op": "upgrade", "seed": "Upgrade \"counter\" (UpgradeData_ {…})"}
//   > {"token": "…", "op": "rollback"}
//   < {"ok": false, "code": "RBK_NO_INVERSE", "stage": "counter", "reason": "cannot roll back upgrade 1: stage \"counter\" has no inverse migration"}
//   > {"token": "…", "op": "status"}            < {"ok": true, "status": {"engine": "wasm", "stages": [{…, "stateBytes": 8}], …}}
//   > {"token": "…", "op": "history", "stage": "counter"}
//   < {"ok": true, "stage": "counter", "versions": [{"number": 1, "hash": "sha256:…", "installedAt": "…", "state": "Int", …}]}
//   > {"token": "wrong", "op": "status"}        < {"ok": false, "code": "ADMIN_UNAUTHORIZED", …} and the connection closes
//
// A request may carry "seq" (any JSON), echoed in its reply. Requests on one connection
// are answered in order. The token is compared in constant time (over
// SHA-256 digests, so its length leaks nothing either) and never printed,
// logged or echoed. Nothing here blocks: the coordinator does the work.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { parseClientMessageSeed } from '../compiler/messages.ts';
import { typeToJson } from '../compiler/types.ts';
import { type StageVersion, UpgradeSyntaxError, upgradeRequestFromJson, upgradeRequestFromSeed, type UpgradeRequest } from '../compiler/upgrade.ts';
import type { Json } from '../compiler/values.ts';
import type { PrebuiltStage, UpgradeCoordinator, UpgradeOutcome } from './upgrade-coordinator.ts';

export interface AdminOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token: string;
  /** Longest request line. Default 64 MiB (an upgrade carries whole terms). */
  readonly maxLineBytes?: number;
}

/** Refusals of the admin channel itself (upgrade refusals keep their UPG_/RBK_/RUN_ codes). */
export const ADMIN_ERRORS = {
  ADMIN_UNAUTHORIZED: 'The request carries no token, or not the admin token; the connection is closed.',
  ADMIN_BAD_REQUEST: 'The line is not a request: not JSON, no known "op", or a field of the wrong shape.',
  ADMIN_UNKNOWN_STAGE: 'A history request names a stage the pipeline does not have.',
} as const;

/** The shortest token accepted: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class AdminServer {
  private readonly sockets = new Set<Socket>();
  private readonly tokenDigest: Buffer;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly server: Server,
    readonly coordinator: UpgradeCoordinator,
    readonly host: string,
    readonly port: number,
    token: string,
    private readonly maxLineBytes: number,
  ) {
    this.tokenDigest = digest(token);
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(coordinator: UpgradeCoordinator, options: AdminOptions): Promise<AdminServer> {
    if (options.token.length < MIN_TOKEN_LENGTH) throw new Error(`the admin token must be at least ${MIN_TOKEN_LENGTH} characters long`);
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    return new AdminServer(server, coordinator, options.host, port, options.token, options.maxLineBytes ?? 64 << 20);
  }

  /** Stops accepting and ends every admin connection; one that does not close within a second is destroyed. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 1000);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const s of this.sockets) s.end();
    });
    return this.closing;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    let answering: Promise<void> = Promise.resolve();
    let refused = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (refused) return;
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        answering = answering.then(() => this.answer(socket, line)).then((ok) => {
          if (!ok) refused = true;
        });
      }
      if (buffered.length > this.maxLineBytes) {
        buffered = '';
        refused = true;
        answering = answering.then(() => this.reply(socket, { ok: false, code: 'ADMIN_BAD_REQUEST', reason: `a request longer than ${this.maxLineBytes} bytes` }, true));
      }
    });
  }

  /** Answers one line; false when the connection was refused (and is being closed). */
  private async answer(socket: Socket, line: string): Promise<boolean> {
    if (socket.destroyed) return false;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      // A line that is not JSON cannot carry a token: unauthorized, whatever it says.
      await this.reply(socket, { ok: false, code: 'ADMIN_UNAUTHORIZED', reason: 'a request is a JSON object with "token" and "op"' }, true);
      return false;
    }
    const request = (json !== null && typeof json === 'object' && !Array.isArray(json) ? json : {}) as Record<string, unknown>;
    const seq = request.seq;
    const withId = (reply: Record<string, Json>): Record<string, Json> => (seq === undefined ? reply : { seq: seq as Json, ...reply });
    if (!this.authorized(request.token)) {
      await this.reply(socket, withId({ ok: false, code: 'ADMIN_UNAUTHORIZED', reason: 'a valid admin token is required' }), true);
      return false;
    }
    let reply: Record<string, Json>;
    try {
      reply = await this.dispatch(request);
    } catch (e) {
      const reason = e instanceof UpgradeSyntaxError || e instanceof AdminRequestError ? e.message : `internal error: ${(e as Error).message}`;
      reply = { ok: false, code: 'ADMIN_BAD_REQUEST', reason };
    }
    await this.reply(socket, withId(reply), false);
    return true;
  }

  private authorized(token: unknown): boolean {
    if (typeof token !== 'string') return false;
    return timingSafeEqual(digest(token), this.tokenDigest);
  }

  private async dispatch(request: Record<string, unknown>): Promise<Record<string, Json>> {
    const op = request.op;
    switch (op) {
      case 'upgrade': {
        const { upgrade, typeSyntax } = this.readUpgrade(request);
        return outcomeToJson(await this.coordinator.upgrade(upgrade, { typeSyntax, prebuilt: readPrebuilt(request.prebuilt) }));
      }
      case 'rollback':
        return outcomeToJson(await this.coordinator.rollback());
      case 'status':
        return { ok: true, status: (await this.coordinator.status()) as unknown as Json };
      case 'history': {
        if (request.stage === undefined) {
          const stages: Record<string, Json> = {};
          for (const name of this.coordinator.stageNames) stages[name] = this.coordinator.history(name)!.map(versionToJson);
          const upgrades = this.coordinator.upgradeRecords().map((r) => ({
            id: r.id,
            ...(r.rollbackOf !== undefined ? { rollbackOf: r.rollbackOf } : {}),
            stages: r.stages.map((s) => ({ name: s.name, from: s.from.number, to: s.to.number, hasInverse: s.inverse !== undefined })),
          }));
          return { ok: true, stages, upgrades: upgrades as Json };
        }
        if (typeof request.stage !== 'string') throw new AdminRequestError('history: "stage" must be a string');
        const versions = this.coordinator.history(request.stage);
        if (versions === undefined) {
          return { ok: false, code: 'ADMIN_UNKNOWN_STAGE', stage: request.stage, reason: `no stage is named ${JSON.stringify(request.stage)} (the stages are ${this.coordinator.stageNames.map((n) => JSON.stringify(n)).join(', ')})` };
        }
        return { ok: true, stage: request.stage, versions: versions.map(versionToJson) };
      }
      default:
        throw new AdminRequestError(`unknown op ${JSON.stringify(op)}; the ops are upgrade, rollback, status and history`);
    }
  }

  /** `request` (the JSON upgrade form) or `seed` (a seed `Upgrade "stage" (UpgradeData_ {…})` message). */
  private readUpgrade(request: Record<string, unknown>): { upgrade: UpgradeRequest; typeSyntax: 'seed' | 'readable' } {
    if ((request.request === undefined) === (request.seed === undefined)) throw new AdminRequestError('upgrade: give exactly one of "request" (JSON form) and "seed" (seed form)');
    if (request.request !== undefined) return { upgrade: upgradeRequestFromJson(request.request), typeSyntax: 'readable' };
    if (typeof request.seed !== 'string') throw new AdminRequestError('upgrade: "seed" must be a string');
    const parsed = parseClientMessageSeed(request.seed.trim(), this.coordinator.pipeline.input);
    if (!parsed.ok) throw new AdminRequestError(`upgrade: the seed message does not parse: ${parsed.error}`);
    if (parsed.message.kind !== 'Upgrade') throw new AdminRequestError('upgrade: the seed message is an Item, not an Upgrade');
    return { upgrade: upgradeRequestFromSeed(parsed.message.stage, parsed.message.data), typeSyntax: 'seed' };
  }

  private reply(socket: Socket, reply: Record<string, Json>, close: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      const text = JSON.stringify(reply) + '\n';
      if (close) socket.end(text, () => resolve());
      else socket.write(text, () => resolve());
    });
  }
}

class AdminRequestError extends Error {
  override name = 'AdminRequestError';
}

function readPrebuilt(json: unknown): PrebuiltStage[] | undefined {
  if (json === undefined) return undefined;
  if (!Array.isArray(json)) throw new AdminRequestError('upgrade: "prebuilt" must be an array of {"stage", "machine", "migration"} with base64 modules');
  return json.map((b: unknown, i: number) => {
    const o = (b ?? {}) as Record<string, unknown>;
    if (typeof o.stage !== 'string') throw new AdminRequestError(`upgrade: prebuilt[${i}].stage must be a string`);
    const bytes = (key: 'machine' | 'migration'): Uint8Array | undefined => {
      const v = o[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw new AdminRequestError(`upgrade: prebuilt[${i}].${key} must be base64 text`);
      return new Uint8Array(Buffer.from(v, 'base64'));
    };
    return { stage: o.stage, machine: bytes('machine'), migration: bytes('migration') };
  });
}

export function outcomeToJson(outcome: UpgradeOutcome): Record<string, Json> {
  return outcome as unknown as Record<string, Json>;
}

/** A version as the admin channel shows it: everything but the term. */
export function versionToJson(v: StageVersion): Json {
  return {
    number: v.number,
    hash: v.hash,
    installedAt: v.installedAt,
    state: typeToJson(v.stateType) as Json,
    input: typeToJson(v.inputType) as Json,
    output: typeToJson(v.outputType) as Json,
    hasInverse: v.hasInverse,
    upgradeId: v.upgradeId,
  };
}
