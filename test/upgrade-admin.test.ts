// The admin channel: only requests with the token get in; upgrades sent in
// the JSON form are checked before anything changes, and every refusal (old
// state type, input type, external types, migration, unknown stage, stale
// expected version) answers its code and reason with the counter's version,
// state and behaviour untouched; compare-and-swap on the content hash; status
// and history. Then the CLI end to end: `smwasm serve` with an admin port and
// a token file, driven by `smwasm upgrade`, `status`, `history`, `rollback`.

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanout, id, bool, erase, fst } from '../compiler/edsl.ts';
import type { Term } from '../compiler/terms.ts';
import { Bool, Int, Str, type Type, either, Unit } from '../compiler/types.ts';
import { type StageUpgrade, upgradeRequestToJson } from '../compiler/upgrade.ts';
import type { Json } from '../compiler/values.ts';
import { counterV1Pipeline, counterV2Core, counterV2Term, counterV3Term, migrationV1toV2Term, migrationV2toV3Term } from '../examples/counter/index.ts';
import { AdminClient, LineClient } from '../runtime/client.ts';
import { type Service, startService } from '../runtime/service.ts';

const TOKEN = 'test-admin-token-0123456789abcdef';
const identity: Term = erase(id());

/** counter v1 => v2 in the JSON form, with an inverse (v2's state is v1's). */
function v2(overrides: Partial<StageUpgrade> = {}): Json {
  const stage: StageUpgrade = {
    stage: 'counter',
    oldState: Int,
    newState: Int,
    newInput: Str,
    newOutput: Str,
    newStateMachine: counterV2Term,
    stateMigration: migrationV1toV2Term,
    inverseMigration: identity,
    ...overrides,
  };
  return upgradeRequestToJson({ stages: [stage] });
}

describe('the admin channel', () => {
  let service: Service;
  let items: LineClient;
  let admin: AdminClient;
  beforeAll(async () => {
    service = await startService(counterV1Pipeline.spec, { engine: 'wasm', syntax: 'json', port: 0, admin: { port: 0, token: TOKEN } });
    items = await LineClient.connect('127.0.0.1', service.port);
    admin = await AdminClient.connect('127.0.0.1', service.admin!.port, TOKEN);
  });
  afterAll(async () => {
    await admin.close();
    await items.close();
    await service.shutdown();
  });

  const increment = () => items.request('{"Item":"Right ()"}');
  const read = () => items.request('{"Item":"Left ()"}');

  it('refuses a request without the token, or with another, and closes that connection', async () => {
    for (const token of ['', 'wrong-token-wrong-token-wrong', TOKEN.slice(0, -1)]) {
      const intruder = await LineClient.connect('127.0.0.1', service.admin!.port);
      const line = await intruder.request(JSON.stringify(token === '' ? { op: 'status' } : { token, op: 'status' }));
      expect(JSON.parse(line)).toEqual({ ok: false, code: 'ADMIN_UNAUTHORIZED', reason: 'a valid admin token is required' });
      expect(line).not.toContain(TOKEN);
      await intruder.closed;
      expect(intruder.closedByServer).toBe(true);
    }
  });

  it('refuses an upgrade on the item port', async () => {
    const { inverseMigration: _, ...seedFields } = (v2() as { upgrade: Array<Record<string, Json>> }).upgrade[0];
    const reply = JSON.parse(await items.request(JSON.stringify({ Upgrade: seedFields })));
    expect(reply).toEqual({ UpgradeFailed: { stage: 'counter', reason: expect.stringMatching(/^live upgrades are not supported on the item port: /) } });
    expect(await read()).toBe('{"Item":"Left 0"}');
  });

  it('refuses ill-typed upgrades with their codes and changes nothing', async () => {
    for (let i = 0; i < 3; i++) expect(await increment()).toBe('{"Item":"Right ()"}');
    const status = (await admin.call({ op: 'status' })).status as { stages: Array<{ hash: string; version: number }> };
    const v1Hash = status.stages[0].hash;
    const cases: Array<[string, Json, RegExp]> = [
      ['UPG_OLD_STATE', v2({ oldState: Bool }), /^old state type is Int, not Bool$/],
      ['UPG_MACHINE_TYPE', v2({ newInput: Int }), /^the new machine does not typecheck at state Int, input Int, output String:\nSM/],
      ['RUN_EXTERNAL_TYPES', v2({ newInput: either(Unit, either(Unit, Unit)), newOutput: either(Unit, either(Int, Unit)), newStateMachine: erase(counterV2Core) }), /changes the pipeline's input type/],
      ['UPG_MIGRATION_TYPE', v2({ stateMigration: erase(fanout(id(), bool(false))) }), /^the state migration does not typecheck from Int to Int:\nSM/],
      ['UPG_INVERSE_TYPE', v2({ inverseMigration: erase(fst()) }), /^the inverse migration does not typecheck/],
      ['UPG_UNKNOWN_STAGE', v2({ stage: 'countr' }), /^no stage is named "countr"; did you mean "counter"\?$/],
      ['UPG_STALE_VERSION', v2({ expectedVersion: 'sha256:' + '0'.repeat(64) }), /^stage "counter" is at version 1 \(/],
    ];
    for (const [code, request, reason] of cases) {
      const reply = await admin.request({ op: 'upgrade', request });
      expect(reply, code).toMatchObject({ ok: false, code });
      expect(reply.reason, code).toMatch(reason);
    }
    expect(await read()).toBe('{"Item":"Left 3"}');
    const after = (await admin.call({ op: 'status' })).status as { stages: Array<{ hash: string; version: number }>; upgrades: number };
    expect(after.stages[0]).toMatchObject({ version: 1, hash: v1Hash });
    expect(after.upgrades).toBe(0);
    // Not v2: `Left ()` still reads rather than resets.
    expect(await read()).toBe('{"Item":"Left 3"}');
  });

  it('applies an upgrade whose expected version is current (compare-and-swap), keeping the count', async () => {
    const before = (await admin.call({ op: 'status' })).status as { stages: Array<{ hash: string }> };
    const reply = await admin.call({ op: 'upgrade', request: v2({ expectedVersion: before.stages[0].hash.slice(0, 19) }) });
    expect(reply).toMatchObject({ ok: true, id: 1, stages: [{ name: 'counter', version: 2 }] });
    expect(await items.request('{"Item":"Right (Left ())"}')).toBe('{"Item":"Right (Left 3)"}');
    // The same request again is stale now: the hash it expects is v1's.
    const again = await admin.request({ op: 'upgrade', request: v2({ oldState: Int, expectedVersion: before.stages[0].hash }) });
    expect(again).toMatchObject({ ok: false, code: 'UPG_STALE_VERSION' });
  });

  it('reports status: versions, hashes, types, state sizes, item counts', async () => {
    const { status } = await admin.call({ op: 'status' });
    expect(status).toMatchObject({ engine: 'wasm', upgrades: 1, rollbackTarget: 1 });
    const [stage] = (status as { stages: Array<Record<string, Json>> }).stages;
    expect(stage).toMatchObject({ index: 0, name: 'counter', version: 2, stateType: 'Int', inputType: 'String', outputType: 'String', hasInverse: true, stateBytes: 8 });
    expect(stage.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stage.items as number).toBeGreaterThanOrEqual(6);
  });

  it('keeps a history per stage, and answers an unknown stage with its code', async () => {
    const { versions } = await admin.call({ op: 'history', stage: 'counter' });
    expect((versions as Array<Record<string, Json>>).map((v) => [v.number, v.upgradeId, v.hasInverse, v.state])).toEqual([
      [1, 0, false, 'Int'],
      [2, 1, true, 'Int'],
    ]);
    expect(await admin.request({ op: 'history', stage: 'nope' })).toMatchObject({ ok: false, code: 'ADMIN_UNKNOWN_STAGE' });
    expect(await admin.request({ op: 'frobnicate' })).toMatchObject({ ok: false, code: 'ADMIN_BAD_REQUEST' });
  });

  it('takes the seed form on the admin channel too, with reasons in seed types', async () => {
    const seed = 'Upgrade "counter" (UpgradeData_ {oldState = UTBool, newState = UTInt, newInput = UTString, newOutput = UTString, newStateMachine = IdU, stateMigration = IdU})';
    expect(await admin.request({ op: 'upgrade', seed })).toMatchObject({ ok: false, code: 'UPG_OLD_STATE', reason: 'old state type is UTInt, not UTBool' });
  });
});

// ---------------------------------------------------------------------------

const run = promisify(execFile);
const BIN = new URL('../bin/smwasm.mjs', import.meta.url).pathname;

describe('smwasm serve, upgrade, status, history, rollback', () => {
  let dir: string;
  let server: ReturnType<typeof spawn>;
  let port: number;
  let adminPort: number;
  let tokenFile: string;
  let stderr = '';

  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--admin', `127.0.0.1:${adminPort}`, '--token-file', tokenFile]);
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smwasm-admin-'));
    tokenFile = join(dir, 'token');
    await writeFile(tokenFile, TOKEN + '\n');
    port = 42000 + Math.floor(Math.random() * 400);
    adminPort = port + 500;
    server = spawn(process.execPath, [BIN, 'serve', '--example', 'counter', '--syntax', 'seed', '--port', String(port), '--admin-port', String(adminPort), '--admin-token-file', tokenFile]);
    server.stderr!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      server.stderr!.on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('admin channel on')) resolve();
      });
      server.on('exit', (code) => reject(new Error(`smwasm serve exited with ${code}: ${stderr}`)));
    });
  }, 60_000);
  afterAll(async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
    // The token is never printed.
    expect(stderr).not.toContain(TOKEN);
  });

  it('upgrades from a JSON file, a seed file; shows status and history; rolls back', async () => {
    const v3 = join(dir, 'v3.json');
    const v2seed = join(dir, 'v2.seed');
    await writeFile(
      v2seed,
      'Upgrade "counter" (UpgradeData_ {oldState = UTInt, newState = UTInt, newInput = UTString, newOutput = UTString, newStateMachine = ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTInt UTUnit))) (CaseU (ComposeU PutU (IntU 0)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU)))) (ReadU (UTEither UTUnit (UTEither UTUnit UTUnit))), stateMigration = IdU})\n',
    );
    const v3Request = { stages: [{ stage: 'counter', oldState: Int, newState: { kind: 'Pair', fst: Int, snd: Bool } as Type, newInput: Str, newOutput: Str, newStateMachine: counterV3Term, stateMigration: migrationV2toV3Term, inverseMigration: erase(fst()) }] };
    await writeFile(v3, JSON.stringify(upgradeRequestToJson(v3Request)));

    const up2 = await cli('upgrade', v2seed);
    expect(up2.stderr).toBe('');
    expect(up2).toMatchObject({ code: 0 });
    expect(up2.stdout).toMatch(/^upgraded "counter" to version 2 \([0-9a-f]{12}\) as upgrade 1 in \d+ ms/);
    expect(up2.stdout).toContain('note: stage "counter" has no inverse migration: this upgrade cannot be rolled back');
    const up3 = await cli('upgrade', v3);
    expect(up3.stdout).toMatch(/^upgraded "counter" to version 3 \([0-9a-f]{12}\) as upgrade 2/);

    const status = await cli('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^STAGE\s+VERSION\s+HASH\s+STATE\s+STATE BYTES/);
    expect(status.stdout).toMatch(/\ncounter\s+3\s+[0-9a-f]{12}\s+\(Int, Bool\)\s+9\s+0\s+0\s+yes/);
    expect(status.stdout).toContain('engine wasm; 2 upgrades applied; `smwasm rollback` would undo upgrade 2');

    const history = await cli('history', 'counter');
    expect(history.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2).concat(l.split(/\s+/).slice(-2)))).toEqual([
      ['VERSION', 'HASH', 'INVERSE', 'UPGRADE'],
      ['1', expect.stringMatching(/^[0-9a-f]{12}$/), 'no', '0'],
      ['2', expect.stringMatching(/^[0-9a-f]{12}$/), 'no', '1'],
      ['3', expect.stringMatching(/^[0-9a-f]{12}$/), 'yes', '2'],
    ]);

    const back = await cli('rollback');
    expect(back.stdout).toMatch(/^rolled back "counter" to version 4 \([0-9a-f]{12}\) as upgrade 3 \(undoing upgrade 2\)/);
    const refused = await cli('rollback');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('smwasm: rollback refused [RBK_NO_INVERSE]: cannot roll back upgrade 1: stage "counter" has no inverse migration\n');

    const wrong = await run(process.execPath, [BIN, 'status', '--admin', `127.0.0.1:${adminPort}`], { env: { ...process.env, SMWASM_ADMIN_TOKEN: 'not-the-token-not-the-token' } }).catch((e) => e as { stderr: string });
    expect(wrong.stderr).toBe('smwasm: status refused [ADMIN_UNAUTHORIZED]: a valid admin token is required\n');
  }, 60_000);
});
