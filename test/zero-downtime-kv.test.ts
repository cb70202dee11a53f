// Zero downtime for a large state: the kv example holding 100,000 keys is
// upgraded v1 => v2 (all three stages in one cut, every entry migrated to a
// versioned entry) and rolled back (every entry migrated back), 10 times,
// while 16 connections keep writing and reading their own keys. Every reply
// is checked (a GET returns the value the same connection just PUT), no
// connection is closed, and afterwards every one of the 100,000 keys is
// still there with its value.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeRequestToJson } from '../compiler/upgrade.ts';
import { AdminClient, ClosedLoopLoad, LineClient } from '../runtime/client.ts';
import { type Service, startService } from '../runtime/service.ts';
import { kvUpgradeV1toV2, kvV1WithKeys } from './upgrade-fixtures.ts';

const TOKEN = 'zero-downtime-kv-token-0123456789';
const KEYS = 100_000;
const CYCLES = 10;
const CONNECTIONS = 16;

describe(`kv with ${KEYS} keys under load through ${CYCLES} upgrade/rollback cycles`, () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService(kvV1WithKeys(KEYS), { engine: 'wasm', syntax: 'seed', port: 0, admin: { port: 0, token: TOKEN } });
  }, 60_000);
  afterAll(async () => {
    await service.shutdown();
  });

  it('fails no request, closes no connection, and loses no key', async () => {
    const admin = await AdminClient.connect('127.0.0.1', service.admin!.port, TOKEN);
    const lastPut = new Array<number>(CONNECTIONS).fill(-1);
    // Even requests PUT the request number, odd ones GET it back.
    const load = await ClosedLoopLoad.start({
      host: '127.0.0.1',
      port: service.port,
      connections: CONNECTIONS,
      window: 8,
      request: (c, n) => (n % 2 === 0 ? `Item "PUT c${c} ${n}"` : `Item "GET c${c}"`),
      accept: (reply, c, n) => {
        if (n % 2 === 1) return reply === `Item "VALUE ${n - 1}"`;
        lastPut[c] = n;
        return reply === 'Item "OK"';
      },
    });
    while (load.acknowledged < 2000) await new Promise((r) => setTimeout(r, 5));
    const upgrade = upgradeRequestToJson(kvUpgradeV1toV2());
    const migrations: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      const up = await admin.call({ op: 'upgrade', request: upgrade });
      expect(up).toMatchObject({ ok: true, stages: [{ name: 'parse' }, { name: 'store', version: 2 * i + 2 }, { name: 'render' }] });
      const back = await admin.call({ op: 'rollback' });
      expect(back).toMatchObject({ ok: true, stages: [{ name: 'parse' }, { name: 'store', version: 2 * i + 3 }, { name: 'render' }] });
      migrations.push((up.timings as { migrationMs: number }).migrationMs, (back.timings as { migrationMs: number }).migrationMs);
    }
    await load.stop();
    await admin.close();
    expect(load.failures).toEqual([]);
    expect(load.failed).toBe(0);
    expect(load.closedByServer).toBe(0);
    expect(migrations.every((ms) => ms > 0)).toBe(true);

    const check = await LineClient.connect('127.0.0.1', service.port);
    expect(await check.request('Item "SIZE"')).toBe(`Item "SIZE ${KEYS + CONNECTIONS}"`);
    for (let c = 0; c < CONNECTIONS; c++) expect(await check.request(`Item "GET c${c}"`)).toBe(`Item "VALUE ${lastPut[c]}"`);
    for (let start = 0; start < KEYS; start += 5000) {
      const replies = await Promise.all(Array.from({ length: 5000 }, (_, i) => check.request(`Item "GET k${start + i}"`)));
      replies.forEach((r, i) => {
        if (r !== `Item "VALUE v${start + i}"`) expect(r).toBe(`Item "VALUE v${start + i}"`);
      });
    }
    await check.close();
  });
});
