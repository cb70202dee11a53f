// Rollback, downgrades and automatic rollback. A rollback undoes the latest
// upgrade as a whole through its recorded inverses, as a new cut with new
// version numbers; twice undoes the two latest; it refuses when there is
// nothing to undo or an inverse is missing. A downgrade is an upgrade to an
// older machine. With --auto-rollback 5/10, a deliberately faulty version is
// rolled back by the runtime once it fails more than 5 items, and it says why.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../compiler/content-hash.ts';
import { Int, Str } from '../compiler/types.ts';
import { counterV1Pipeline, counterV1Term, counterV2Term, migrationV1toV2Term } from '../examples/counter/index.ts';
import { LineClient } from '../runtime/client.ts';
import { type Service, startService } from '../runtime/service.ts';
import { parseAutoRollback } from '../runtime/upgrade-coordinator.ts';
import { counterFaultyTerm, counterSwap, counterV1bTerm } from './upgrade-fixtures.ts';

const hashOf = (term: typeof counterV1Term) => contentHash({ stateType: Int, inputType: Str, outputType: Str, term });

describe('rollback and downgrade', () => {
  let service: Service;
  let client: LineClient;
  beforeAll(async () => {
    service = await startService(counterV1Pipeline.spec, { engine: 'wasm', syntax: 'json', port: 0 });
    client = await LineClient.connect('127.0.0.1', service.port);
  });
  afterAll(async () => {
    await client.close();
    await service.shutdown();
  });
  const send = (payload: string) => client.request(JSON.stringify({ Item: payload }));
  const coordinator = () => service.coordinator;

  it('refuses when nothing was upgraded', async () => {
    expect(await coordinator().rollback()).toEqual({ ok: false, code: 'RBK_NOTHING', stage: '', reason: 'nothing to roll back: no upgrade has been applied' });
  });

  it('undoes the latest upgrade, then the one before, each as a new version', async () => {
    await send('Right ()');
    const a = await coordinator().upgrade(counterSwap(counterV1bTerm));
    const b = await coordinator().upgrade(counterSwap(counterV1Term));
    expect([a.ok, b.ok]).toEqual([true, true]);
    await send('Right ()');
    const first = await coordinator().rollback();
    expect(first).toMatchObject({ ok: true, id: 3, rollbackOf: 2, stages: [{ name: 'counter', version: 4, hash: hashOf(counterV1bTerm) }] });
    const second = await coordinator().rollback();
    expect(second).toMatchObject({ ok: true, id: 4, rollbackOf: 1, stages: [{ name: 'counter', version: 5, hash: hashOf(counterV1Term) }] });
    expect(await coordinator().rollback()).toMatchObject({ ok: false, code: 'RBK_NOTHING', reason: 'nothing to roll back: every upgrade has been rolled back' });
    expect(await send('Left ()')).toBe('{"Item":"Left 2"}');
    const history = coordinator().history('counter')!;
    expect(history.map((v) => [v.number, v.upgradeId, v.hash])).toEqual([
      [1, 0, hashOf(counterV1Term)],
      [2, 1, hashOf(counterV1bTerm)],
      [3, 2, hashOf(counterV1Term)],
      [4, 3, hashOf(counterV1bTerm)],
      [5, 4, hashOf(counterV1Term)],
    ]);
    for (const v of history) expect(Date.parse(v.installedAt)).not.toBeNaN();
  });

  it('refuses to roll back an upgrade without an inverse, and says which stage lacks one', async () => {
    const up = await coordinator().upgrade({
      stages: [{ stage: 'counter', oldState: Int, newState: Int, newInput: Str, newOutput: Str, newStateMachine: counterV2Term, stateMigration: migrationV1toV2Term }],
    });
    expect(up).toMatchObject({ ok: true, hints: ['stage "counter" has no inverse migration: this upgrade cannot be rolled back'] });
    const refused = await coordinator().rollback();
    expect(refused).toEqual({ ok: false, code: 'RBK_NO_INVERSE', stage: 'counter', reason: `cannot roll back upgrade ${(up as { id: number }).id}: stage "counter" has no inverse migration` });
    expect(await send('Right (Left ())')).toBe('{"Item":"Right (Left 2)"}');
  });

  it('downgrades by upgrading to the older machine', async () => {
    const down = await coordinator().upgrade(counterSwap(counterV1Term));
    expect(down).toMatchObject({ ok: true, stages: [{ name: 'counter', hash: hashOf(counterV1Term) }] });
    expect(await send('Left ()')).toBe('{"Item":"Left 2"}');
  });
});

describe('automatic rollback', () => {
  let service: Service;
  let client: LineClient;
  const log: string[] = [];
  beforeAll(async () => {
    service = await startService(counterV1Pipeline.spec, { engine: 'wasm', syntax: 'json', port: 0, autoRollback: parseAutoRollback('5/10'), log: (line) => log.push(line) });
    client = await LineClient.connect('127.0.0.1', service.port);
  });
  afterAll(async () => {
    await client.close();
    await service.shutdown();
  });
  const send = (payload: string) => client.request(JSON.stringify({ Item: payload }));

  it('reads ERRORS/SECONDS', () => {
    expect(parseAutoRollback('5/10')).toEqual({ errors: 5, seconds: 10 });
    expect(parseAutoRollback('0/0.5')).toEqual({ errors: 0, seconds: 0.5 });
    expect(() => parseAutoRollback('5')).toThrow('--auto-rollback takes ERRORS/SECONDS, e.g. 5/10, not "5"');
  });

  it('rolls back a faulty version once it fails more than 5 items, and logs why', async () => {
    await send('Right ()');
    const up = await service.coordinator.upgrade(counterSwap(counterFaultyTerm));
    expect(up).toMatchObject({ ok: true, id: 1 });
    // Five failures are within the limit: nothing happens.
    for (let i = 0; i < 5; i++) expect(JSON.parse(await send('Right ()'))).toMatchObject({ Error: { code: 'FAIL', message: 'increment is broken in this version', stage: 'counter' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(service.coordinator.autoRollbacks).toEqual([]);
    expect(await send('Left ()')).toBe('{"Item":"Left 1"}');
    // The sixth is one too many.
    expect(JSON.parse(await send('Right ()'))).toMatchObject({ Error: { code: 'FAIL' } });
    const deadline = Date.now() + 5000;
    while (service.coordinator.autoRollbacks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const [event] = service.coordinator.autoRollbacks;
    expect(event).toMatchObject({ upgrade: 1, stage: 'counter', errors: 6, outcome: { ok: true, id: 2, rollbackOf: 1 } });
    expect(log).toEqual([
      expect.stringMatching(/^automatic rollback: stage "counter" failed 6 items within 10 s of upgrade 1 \(the limit is 5\); rolled back as upgrade 2: "counter" is at version 3 \([0-9a-f]{12}\)$/),
    ]);
    expect(await send('Right ()')).toBe('{"Item":"Right ()"}');
    expect(await send('Left ()')).toBe('{"Item":"Left 2"}');
    expect(service.coordinator.history('counter')!.map((v) => v.hash)).toEqual([hashOf(counterV1Term), hashOf(counterFaultyTerm), hashOf(counterV1Term)]);
  });

  it('cannot roll back a faulty version without an inverse: it logs that it could not', async () => {
    const { inverseMigration: _, ...noInverse } = counterSwap(counterFaultyTerm).stages[0];
    expect(await service.coordinator.upgrade({ stages: [noInverse] })).toMatchObject({ ok: true, id: 3 });
    for (let i = 0; i < 6; i++) await send('Right ()');
    const deadline = Date.now() + 5000;
    while (service.coordinator.autoRollbacks.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(service.coordinator.autoRollbacks[1]).toMatchObject({ upgrade: 3, outcome: { ok: false, code: 'RBK_NO_INVERSE' } });
    expect(log[1]).toBe(
      'automatic rollback: stage "counter" failed 6 items within 10 s of upgrade 3 (the limit is 5), but it could not be rolled back: cannot roll back upgrade 3: stage "counter" has no inverse migration',
    );
    expect(service.coordinator.history('counter')!.length).toBe(4);
  });
});
