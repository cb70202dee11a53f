// kvThreeStageMigration: the time a live upgrade of the kv store takes to migrate its whole state.
//
//   admin ──► coordinator ──► ring 0 ─► [parse] ─► [store: N entries] ─► [render] ─► sink
//             upgrade v1 => v2 (three stages, one cut): every entry k => v becomes k => {value: v, version: 1}
//             rollback          (one cut):              every entry back to k => v
//
// For N = 100,000 and 1,000,000 keys: the store's migration at the cut (the
// old state out as canonical bytes, the migration term over every entry,
// the result into the new machine), which is how long the store holds its
// queue; and the whole request to UpgradeSucceeded (compile included). The
// run checks the result: the size, sampled keys, and VERSION after the
// upgrade; a wrong migration fails it.
//
//   node --max-old-space-size=6144 bin/run-ts.mjs benchmarks/upgrade-kv-migration.ts [--keys 100000,1000000] [--engine wasm]

import { parseArgs } from 'node:util';
import { upgradeRequestToJson } from '../compiler/upgrade.ts';
import { AdminClient, LineClient } from '../runtime/client.ts';
import { startService } from '../runtime/service.ts';
import { kvUpgradeV1toV2, kvV1WithKeys } from '../test/upgrade-fixtures.ts';

const { values: args } = parseArgs({ options: { keys: { type: 'string', default: '100000,1000000' }, engine: { type: 'string', default: 'wasm' } } });
const TOKEN = 'benchmark-admin-token-0123456789';
const engine = args.engine === 'interp' ? 'interp' : 'wasm';

interface Timings {
  totalMs: number;
  compileMs: number;
  prepareMs: number;
  migrationMs: number;
  cutMs: number;
}

async function measure(keys: number): Promise<void> {
  const t0 = performance.now();
  const service = await startService(kvV1WithKeys(keys), { engine, syntax: 'seed', port: 0, admin: { port: 0, token: TOKEN } });
  const deployMs = performance.now() - t0;
  const admin = await AdminClient.connect('127.0.0.1', service.admin!.port, TOKEN);
  const client = await LineClient.connect('127.0.0.1', service.port);
  const expect = async (line: string, reply: string) => {
    const got = await client.request(`Item "${line}"`);
    if (got !== `Item ${JSON.stringify(reply)}`) throw new Error(`${line}: expected ${reply}, got ${got}`);
  };
  const sample = async (v2: boolean) => {
    await expect('SIZE', `SIZE ${keys}`);
    for (const i of [0, 1, Math.floor(keys / 2), keys - 1]) {
      await expect(`GET k${i}`, `VALUE v${i}`);
      await expect(`VERSION k${i}`, v2 ? 'VERSION 1' : 'ERROR unknown command "VERSION"');
    }
  };
  try {
    await sample(false);
    const t1 = performance.now();
    const up = await admin.call({ op: 'upgrade', request: upgradeRequestToJson(kvUpgradeV1toV2()) });
    const upClient = performance.now() - t1;
    await sample(true);
    const t2 = performance.now();
    const back = await admin.call({ op: 'rollback' });
    const backClient = performance.now() - t2;
    await sample(false);
    const status = (await admin.call({ op: 'status' })).status as { stages: Array<{ name: string; stateBytes: number }> };
    const stateBytes = status.stages.find((s) => s.name === 'store')!.stateBytes;
    const u = up.timings as unknown as Timings;
    const b = back.timings as unknown as Timings;
    const f = (x: number) => x.toFixed(1).padStart(8);
    console.log(`  ${String(keys).padStart(9)} keys (${(stateBytes / 1e6).toFixed(1)} MB of state; deployed in ${(deployMs / 1000).toFixed(1)} s)`);
    console.log(`    v1 => v2   migration ${f(u.migrationMs)} ms   request to UpgradeSucceeded ${f(upClient)} ms (compile ${u.compileMs.toFixed(1)}, prepare ${u.prepareMs.toFixed(1)}, cut ${u.cutMs.toFixed(1)})   ${(keys / u.migrationMs / 1000).toFixed(2)} M entries/s`);
    console.log(`    rollback   migration ${f(b.migrationMs)} ms   request to UpgradeSucceeded ${f(backClient)} ms (compile ${b.compileMs.toFixed(1)}, prepare ${b.prepareMs.toFixed(1)}, cut ${b.cutMs.toFixed(1)})   ${(keys / b.migrationMs / 1000).toFixed(2)} M entries/s`);
  } finally {
    await client.close();
    await admin.close();
    await service.shutdown();
  }
}

console.log(`kvThreeStageMigration (${engine} engine; migration = the store stage's time at the cut)`);
for (const keys of args.keys!.split(',').map(Number)) await measure(keys);
