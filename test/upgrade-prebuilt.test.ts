// Prebuilt Wasm (`smwasm build` bundles) is accepted only when it is byte for
// byte the server's own build of the same typechecked terms: the server
// compiles anyway and compares, so it never runs Wasm it did not build. A
// module with one byte changed, or one for a stage the upgrade does not
// touch, is refused and nothing changes. The prebuilt.json that
// `buildBundle` (smwasm build) writes for an upgrade is accepted as it is.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, PREBUILT_FILE } from '../compiler/bundle.ts';
import { typecheck, typecheckMigration } from '../compiler/typecheck.ts';
import { Int, Str, Unit } from '../compiler/types.ts';
import { upgradeRequestToJson } from '../compiler/upgrade.ts';
import type { Json } from '../compiler/values.ts';
import { compileModule } from '../compiler/wasm-engine.ts';
import { counterV1Pipeline } from '../examples/counter/index.ts';
import { AdminClient, seedRequest } from '../runtime/client.ts';
import { type Service, startService } from '../runtime/service.ts';
import { counterSwap, counterV1bTerm, identityTerm } from './upgrade-fixtures.ts';

const TOKEN = 'prebuilt-test-token-0123456789';
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('prebuilt Wasm in an upgrade request', () => {
  let service: Service;
  let admin: AdminClient;
  let machine: Uint8Array;
  let migration: Uint8Array;
  beforeAll(async () => {
    service = await startService(counterV1Pipeline.spec, { engine: 'wasm', syntax: 'seed', port: 0, admin: { port: 0, token: TOKEN } });
    admin = await AdminClient.connect('127.0.0.1', service.admin!.port, TOKEN);
    const m = typecheck(counterV1bTerm, { state: Int, input: Str, output: Str });
    const g = typecheckMigration(identityTerm, Int, Int);
    if (!m.ok || !g.ok) throw new Error('the fixtures do not typecheck');
    machine = compileModule(m.typed, Int).wasm;
    migration = compileModule(g.typed, Unit).wasm;
  });
  afterAll(async () => {
    await admin.close();
    await service.shutdown();
  });

  const upgrade = (prebuilt: Json) => admin.request({ op: 'upgrade', request: upgradeRequestToJson(counterSwap(counterV1bTerm)), prebuilt });

  it('refuses a module that differs by one byte, or names a stage the upgrade leaves alone, and changes nothing', async () => {
    const tampered = machine.slice();
    tampered[tampered.length - 1] ^= 1;
    const refused = await upgrade([{ stage: 'counter', machine: base64(tampered), migration: base64(migration) }]);
    expect(refused).toMatchObject({ ok: false, code: 'RUN_BUNDLE_MISMATCH', stage: 'counter' });
    expect(refused.reason).toMatch(/^the prebuilt machine of stage "counter" \(\d+ bytes\) is not byte-identical to the server's own build of the same terms/);
    const elsewhere = await upgrade([{ stage: 'render', machine: base64(machine) }]);
    expect(elsewhere).toMatchObject({ ok: false, code: 'RUN_BUNDLE_MISMATCH', reason: 'the bundle has a module for stage "render", which this upgrade does not change' });
    expect(service.coordinator.history('counter')!.length).toBe(1);
  });

  it('accepts modules identical to its own build', async () => {
    expect(await upgrade([{ stage: 'counter', machine: base64(machine), migration: base64(migration) }])).toMatchObject({ ok: true, stages: [{ version: 2 }] });
    expect(await seedRequest('127.0.0.1', service.port, 'Item "Right ()"')).toBe('Item "Right ()"');
    expect(await seedRequest('127.0.0.1', service.port, 'Item "Left ()"')).toBe('Item "Left 1"');
  });

  it("accepts the prebuilt.json of a bundle built for the upgrade (smwasm build --upgrade)", async () => {
    const v1 = counterSwap(counterV1bTerm).stages[0];
    const back = { stages: [{ ...v1, newStateMachine: counterV1Pipeline.spec.stages[0].term }] };
    const bundle = buildBundle({ stages: [{ ...counterV1Pipeline.spec.stages[0], term: counterV1bTerm }] }, back);
    const prebuilt = JSON.parse(new TextDecoder().decode(bundle.files.get(PREBUILT_FILE)!)) as { stages: Json };
    const reply = await admin.request({ op: 'upgrade', request: upgradeRequestToJson(back), prebuilt: prebuilt.stages });
    expect(reply).toMatchObject({ ok: true, stages: [{ version: 3 }] });
    expect(await seedRequest('127.0.0.1', service.port, 'Item "Left ()"')).toBe('Item "Left 1"');
  });
});
