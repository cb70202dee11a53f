// Zero downtime under load: 16 connections send increments to the counter
// continuously (8 in flight each) while 100 upgrade/rollback cycles run
// through the admin channel, between counter v1 and a reimplementation of v1
// with another hash. No request may fail, no connection may be closed, and
// the final count must equal the number of acknowledged increments.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeRequestToJson } from '../compiler/upgrade.ts';
import { counterV1Pipeline } from '../examples/counter/index.ts';
import { AdminClient, ClosedLoopLoad, seedRequest } from '../runtime/client.ts';
import { type Service, startService } from '../runtime/service.ts';
import { counterSwap, counterV1bTerm } from './upgrade-fixtures.ts';

const TOKEN = 'zero-downtime-token-0123456789';
const CYCLES = 100;

describe('the counter under load through 100 upgrade/rollback cycles', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService(counterV1Pipeline.spec, { engine: 'wasm', syntax: 'seed', port: 0, admin: { port: 0, token: TOKEN } });
  });
  afterAll(async () => {
    await service.shutdown();
  });

  it('fails no request, closes no connection, and counts every acknowledged increment', async () => {
    const admin = await AdminClient.connect('127.0.0.1', service.admin!.port, TOKEN);
    const load = await ClosedLoopLoad.start({
      host: '127.0.0.1',
      port: service.port,
      connections: 16,
      window: 8,
      request: 'Item "Right ()"',
      accept: (reply) => reply === 'Item "Right ()"',
    });
    // Traffic is flowing before the first upgrade.
    while (load.acknowledged < 2000) await new Promise((r) => setTimeout(r, 5));
    const upgrade = upgradeRequestToJson(counterSwap(counterV1bTerm));
    let duringUpgrades = 0;
    for (let i = 0; i < CYCLES; i++) {
      const before = load.acknowledged;
      const up = await admin.call({ op: 'upgrade', request: upgrade });
      expect(up).toMatchObject({ ok: true, stages: [{ version: 2 * i + 2 }] });
      const back = await admin.call({ op: 'rollback' });
      expect(back).toMatchObject({ ok: true, stages: [{ version: 2 * i + 3 }] });
      duringUpgrades += load.acknowledged - before;
    }
    await load.stop();
    await admin.close();
    expect(load.failures).toEqual([]);
    expect(load.failed).toBe(0);
    expect(load.closedByServer).toBe(0);
    // Increments kept flowing while the upgrades ran.
    expect(duringUpgrades).toBeGreaterThan(CYCLES * 10);
    expect(await seedRequest('127.0.0.1', service.port, 'Item "Left ()"')).toBe(`Item "Left ${load.acknowledged}"`);
    const history = service.coordinator.history('counter')!;
    expect(history.length).toBe(1 + 2 * CYCLES);
    expect(new Set(history.map((v) => v.hash)).size).toBe(2);
  });
});
