// Multi-stage upgrades are atomic: the kv example's three stages (parse,
// store, render) upgraded in one request either all switch at the same cut
// or none does. A migration that fails at run time (a Fail in the last
// stage, running out of fuel in the first, a Fail in the middle) leaves all
// three stages on their old versions with their states intact; a pipelining
// client sees the switch as one cut in its stream of replies, never a mix.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateV2 } from '../examples/kv/index.ts';
import { AdminClient, LineClient } from '../runtime/client.ts';
import { type Service, startService } from '../runtime/service.ts';
import { upgradeRequestToJson } from '../compiler/upgrade.ts';
import { endlessMigration, failingMigration, kvUpgradeV1toV2, kvV1WithKeys } from './upgrade-fixtures.ts';
import { Unit } from '../compiler/types.ts';

const TOKEN = 'atomic-test-token-0123456789';
const KEYS = 2_000;

describe('an atomic upgrade of the three kv stages', () => {
  let service: Service;
  let admin: AdminClient;
  let client: LineClient;
  beforeAll(async () => {
    service = await startService(kvV1WithKeys(KEYS), { engine: 'wasm', syntax: 'json', port: 0, migrationFuel: 100_000, admin: { port: 0, token: TOKEN } });
    admin = await AdminClient.connect('127.0.0.1', service.admin!.port, TOKEN);
    client = await LineClient.connect('127.0.0.1', service.port);
  });
  afterAll(async () => {
    await client.close();
    await admin.close();
    await service.shutdown();
  });

  const kv = async (line: string) => JSON.parse(await client.request(JSON.stringify({ Item: line }))).Item as string;
  const versions = async () => ((await admin.call({ op: 'status' })).status as { stages: Array<{ name: string; version: number; stateBytes: number }> }).stages;

  /** Every key still there with its value, and nothing else. */
  async function expectStoreIntact(): Promise<void> {
    expect(await kv('SIZE')).toBe(`SIZE ${KEYS + 1}`);
    const replies = await Promise.all(Array.from({ length: KEYS }, (_, i) => kv(`GET k${i}`)));
    replies.forEach((r, i) => expect(r).toBe(`VALUE v${i}`));
    expect(await kv('GET extra')).toBe('VALUE 42');
  }

  it('keeps every stage on its old version and state when any migration fails', async () => {
    expect(await kv('PUT extra 42')).toBe('OK');
    const before = await versions();
    expect(before.map((s) => s.version)).toEqual([1, 1, 1]);
    const failures: Array<[string, ReturnType<typeof kvUpgradeV1toV2>, RegExp]> = [
      ['the last stage fails', kvUpgradeV1toV2({ renderMigration: failingMigration('render refuses to migrate', Unit) }), /^the state migration of stage "render" failed: FAIL: render refuses to migrate$/],
      ['the first stage runs out of fuel', kvUpgradeV1toV2({ parseMigration: endlessMigration }), /^the state migration of stage "parse" failed: OUT_OF_FUEL: out of fuel after 100000 steps$/],
      [
        'the middle stage fails',
        kvUpgradeV1toV2({ storeMigration: failingMigration('store refuses', StateV2.type) }),
        /^the state migration of stage "store" failed: FAIL: store refuses$/,
      ],
    ];
    for (const [what, request, reason] of failures) {
      const reply = await admin.request({ op: 'upgrade', request: upgradeRequestToJson(request) });
      expect(reply, what).toMatchObject({ ok: false, code: 'RUN_MIGRATION', stage: 'parse' });
      expect(reply.reason, what).toMatch(reason);
      expect((await versions()).map((s) => s.version), what).toEqual([1, 1, 1]);
      // Still v1 everywhere: parse does not know VERSION, the store answers from v1 state.
      expect(await kv('VERSION k1'), what).toBe('ERROR unknown command "VERSION"');
      await expectStoreIntact();
    }
    const after = await versions();
    expect(after.map((s) => s.stateBytes)).toEqual(before.map((s) => s.stateBytes));
    expect(service.coordinator.upgradeRecords()).toEqual([]);
  });

  it('switches all three stages at one cut: a pipelining client sees old replies, then only new ones', async () => {
    const pipelined = await LineClient.connect('127.0.0.1', service.port);
    const replies: string[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const batch = await Promise.all(Array.from({ length: 32 }, () => pipelined.request(JSON.stringify({ Item: 'VERSION k7' }))));
        replies.push(...batch.map((r) => JSON.parse(r).Item as string));
      }
    })();
    while (replies.length < 200) await new Promise((r) => setTimeout(r, 5));
    const reply = await admin.call({ op: 'upgrade', request: upgradeRequestToJson(kvUpgradeV1toV2()) });
    expect(reply).toMatchObject({ ok: true, stages: [{ name: 'parse', version: 2 }, { name: 'store', version: 2 }, { name: 'render', version: 2 }] });
    const switched = replies.length;
    while (replies.length < switched + 200) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await load;
    await pipelined.close();
    const cut = replies.indexOf('VERSION 1');
    expect(cut).toBeGreaterThan(0);
    expect(new Set(replies.slice(0, cut))).toEqual(new Set(['ERROR unknown command "VERSION"']));
    expect(new Set(replies.slice(cut))).toEqual(new Set(['VERSION 1']));
    // Every entry came through the migration.
    expect(await kv('SIZE')).toBe(`SIZE ${KEYS + 1}`);
    expect(await kv('GET k1999')).toBe('VALUE v1999');
    expect(await kv('PUT k5 five')).toBe('OK');
    expect(await kv('VERSION k5')).toBe('VERSION 2');
  });

  it('rolls the whole upgrade back at one cut, through the inverses', async () => {
    const reply = await admin.call({ op: 'rollback' });
    expect(reply).toMatchObject({ ok: true, rollbackOf: 1, stages: [{ name: 'parse', version: 3 }, { name: 'store', version: 3 }, { name: 'render', version: 3 }] });
    expect(await kv('VERSION k5')).toBe('ERROR unknown command "VERSION"');
    expect(await kv('GET k5')).toBe('VALUE five');
    expect(await kv('SIZE')).toBe(`SIZE ${KEYS + 1}`);
    const history = service.coordinator.history('store')!;
    expect(history.map((v) => v.number)).toEqual([1, 2, 3]);
    expect(history[2].hash).toBe(history[0].hash);
  });
});
