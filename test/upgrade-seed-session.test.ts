// The seed's whole counter session over TCP, as the seed's own client sends
// it (a new connection per message, no newline), with in-band upgrades
// allowed (--insecure-upgrades): v1 reads and increments, the upgrade to v2
// keeps the count and adds reset, the upgrade to v3 migrates the state to
// (Int, Bool) and adds toggle. Every reply is checked against WIRE.md, on
// both engines. Without --insecure-upgrades the same upgrade is refused on
// the item port and nothing changes. An in-band upgrade pipelined between
// items on one connection cuts exactly at its place in that connection.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterV1Pipeline } from '../examples/counter/index.ts';
import { LineClient, seedRequest } from '../runtime/client.ts';
import { type Service, startService } from '../runtime/service.ts';
import type { StageEngine } from '../runtime/stage-worker.ts';

// Copied byte for byte from WIRE.md.
const UPGRADE_V2 =
  'Upgrade (MaybeSocket Nothing) "counter" (UpgradeData_ {oldState = UTInt, newState = UTInt, newInput = UTString, newOutput = UTString, newStateMachine = ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTInt UTUnit))) (CaseU (ComposeU PutU (IntU 0)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU)))) (ReadU (UTEither UTUnit (UTEither UTUnit UTUnit))), stateMigration = IdU})';
const UPGRADE_V3 =
  'Upgrade (MaybeSocket Nothing) "counter" (UpgradeData_ {oldState = UTInt, newState = UTPair UTInt UTBool, newInput = UTString, newOutput = UTString, newStateMachine = ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTUnit (UTEither UTInt UTUnit)))) (CaseU (ComposeU (ComposeU PutU (SecondU NotU)) GetU) (CaseU (ComposeU PutU ((:.&&) (IntU 0) (BoolU False))) (CaseU (ComposeU FstU GetU) (ComposeU (ComposeU (ComposeU PutU ((:.&&) IdU (ComposeU (ComposeU SndU GetU) ConsumeU))) (IfU DecrU IncrU)) GetU))))) (ReadU (UTEither UTUnit (UTEither UTUnit (UTEither UTUnit UTUnit)))), stateMigration = (:.&&) IdU (BoolU False)})';

const item = (payload: string) => `Item (MaybeSocket Nothing) "${payload}"`;

/** WIRE.md's session, each line a new connection. */
const SESSION: ReadonlyArray<readonly [string, string]> = [
  [item('Left ()'), 'Item "Left 0"'],
  [item('Right ()'), 'Item "Right ()"'],
  [item('Right ()'), 'Item "Right ()"'],
  [item('Left ()'), 'Item "Left 2"'],
  [UPGRADE_V2, 'UpgradeSucceeded "counter"'],
  [item('Right (Left ())'), 'Item "Right (Left 2)"'],
  [item('Left ()'), 'Item "Left ()"'],
  [item('Right (Left ())'), 'Item "Right (Left 0)"'],
  [UPGRADE_V3, 'UpgradeSucceeded "counter"'],
  [item('Right (Right (Left ()))'), 'Item "Right (Right (Left 0))"'],
  [item('Left ()'), 'Item "Left ()"'],
];

for (const engine of ['wasm', 'interp'] as const satisfies readonly StageEngine[]) {
  describe(`the seed session on the ${engine} engine, upgrades in-band`, () => {
    let service: Service;
    beforeAll(async () => {
      service = await startService(counterV1Pipeline.spec, { engine, syntax: 'seed', port: 0, insecureUpgrades: true });
    });
    afterAll(async () => {
      await service.shutdown();
    });

    it('answers every message exactly as WIRE.md', async () => {
      const replies: string[] = [];
      for (const [message] of SESSION) replies.push(await seedRequest('127.0.0.1', service.port, message));
      expect(replies).toEqual(SESSION.map(([, reply]) => reply));
    });

    it('then toggle turns increments into decrements and back, and the history has three versions', async () => {
      // The session ended with a toggle: count 0, decrementing.
      const script: ReadonlyArray<readonly [string, string]> = [
        [item('Right (Right (Right ()))'), 'Item "Right (Right (Right ()))"'],
        [item('Right (Right (Right ()))'), 'Item "Right (Right (Right ()))"'],
        [item('Right (Right (Left ()))'), 'Item "Right (Right (Left (-2)))"'],
        [item('Left ()'), 'Item "Left ()"'],
        [item('Right (Right (Right ()))'), 'Item "Right (Right (Right ()))"'],
        [item('Right (Right (Left ()))'), 'Item "Right (Right (Left (-1)))"'],
        [item('Right (Left ())'), 'Item "Right (Left ())"'],
        [item('Right (Right (Left ()))'), 'Item "Right (Right (Left 0))"'],
      ];
      for (const [message, reply] of script) expect(await seedRequest('127.0.0.1', service.port, message)).toBe(reply);
      const versions = service.coordinator.history('counter')!;
      expect(versions.map((v) => v.number)).toEqual([1, 2, 3]);
      expect(new Set(versions.map((v) => v.hash)).size).toBe(3);
      expect(versions.map((v) => v.hasInverse)).toEqual([false, false, false]);
    });

    it('refuses an ill-typed in-band upgrade with the reason, in seed types, and changes nothing', async () => {
      const wrongOld = UPGRADE_V2.replace('oldState = UTInt', 'oldState = UTBool');
      expect(await seedRequest('127.0.0.1', service.port, wrongOld)).toBe('UpgradeFailed "counter" "old state type is UTPair UTInt UTBool, not UTBool"');
      expect(await seedRequest('127.0.0.1', service.port, item('Right (Right (Left ()))'))).toBe('Item "Right (Right (Left 0))"');
      expect(service.coordinator.history('counter')!.length).toBe(3);
    });
  });
}

describe('without --insecure-upgrades', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService(counterV1Pipeline.spec, { engine: 'wasm', syntax: 'seed', port: 0 });
  });
  afterAll(async () => {
    await service.shutdown();
  });

  it('refuses an upgrade on the item port, and the counter stays v1', async () => {
    expect(await seedRequest('127.0.0.1', service.port, item('Right ()'))).toBe('Item "Right ()"');
    const reply = await seedRequest('127.0.0.1', service.port, UPGRADE_V2);
    expect(reply).toMatch(/^UpgradeFailed "counter" "live upgrades are not supported on the item port: .*admin channel/);
    expect(await seedRequest('127.0.0.1', service.port, item('Left ()'))).toBe('Item "Left 1"');
    expect(service.coordinator.history('counter')!.length).toBe(1);
  });
});

describe('an in-band upgrade in the middle of a pipelined connection', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService(counterV1Pipeline.spec, { engine: 'wasm', syntax: 'seed', port: 0, insecureUpgrades: true });
  });
  afterAll(async () => {
    await service.shutdown();
  });

  it('cuts exactly where the upgrade stands in the connection: messages before it run on v1, after it on v2', async () => {
    const client = await LineClient.connect('127.0.0.1', service.port);
    const lines = ['Item "Right ()"', 'Item "Left ()"', UPGRADE_V2, 'Item "Right (Left ())"', 'Item "Left ()"', 'Item "Right (Left ())"', 'Item "Bad"'];
    // One write: the server reads the lines after the upgrade only once the upgrade is admitted.
    const replies = await Promise.all(lines.map((line) => client.request(line)));
    expect(replies).toEqual([
      'Item "Right ()"',
      'Item "Left 1"',
      'UpgradeSucceeded "counter"',
      'Item "Right (Left 1)"',
      'Item "Left ()"',
      'Item "Right (Left 0)"',
      'Error "Read: no parse as Either () (Either () ())"',
    ]);
    await client.close();
  });

  it('takes the JSON form of an in-band upgrade on a JSON port too', async () => {
    const json = await startService(counterV1Pipeline.spec, { engine: 'interp', syntax: 'json', port: 0, insecureUpgrades: true });
    try {
        const client = await LineClient.connect('127.0.0.1', json.port);
      const upgrade = { Upgrade: { stage: 'counter', oldState: 'Bool', newState: 'Int', newInput: 'String', newOutput: 'String', newStateMachine: { op: 'Id' }, stateMigration: { op: 'Id' } } };
      expect(JSON.parse(await client.request(JSON.stringify(upgrade)))).toEqual({ UpgradeFailed: { stage: 'counter', reason: 'old state type is Int, not Bool' } });
      const identity = { Upgrade: { ...upgrade.Upgrade, oldState: 'Int' } };
      expect(JSON.parse(await client.request(JSON.stringify(identity)))).toEqual({ UpgradeSucceeded: 'counter' });
      expect(await client.request('{"Item":"anything"}')).toBe('{"Item":"anything"}');
      await client.close();
    } finally {
      await json.shutdown();
    }
  });
});
