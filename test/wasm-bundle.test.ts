// Bundles (compiler/bundle.ts, `smwasm build`): deterministic, self-describing, and runnable from
// the files alone, migrations included.
//
//   counter v1 pipeline + upgrade to v3  =>  manifest.json, stages/0-counter.wasm,
//                                            upgrades/0-counter/{machine,migration,inverse}.wasm, prebuilt.json

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildBundle, BundleError, readBundle, writeBundle } from '../compiler/bundle.ts';
import { contentHash } from '../compiler/content-hash.ts';
import { interpreter } from '../compiler/interpret.ts';
import { decodeValue, encodeValue } from '../compiler/layout.ts';
import { lowerMachine } from '../compiler/lower.ts';
import { pipelineToJson } from '../compiler/pipeline.ts';
import { mk } from '../compiler/terms.ts';
import { typecheck } from '../compiler/typecheck.ts';
import { Bool, Int, pair, Str, Unit } from '../compiler/types.ts';
import type { UpgradeRequest } from '../compiler/upgrade.ts';
import { compileWasm, instantiateMachine } from '../compiler/wasm-engine.ts';
import { counterV1Pipeline, counterV3Term, migrationV2toV3Term } from '../examples/counter/index.ts';

const root = new URL('..', import.meta.url).pathname;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'smwasm-bundle-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const spec = counterV1Pipeline.spec;
const upgradeToV3: UpgradeRequest = {
  stages: [
    {
      stage: 'counter',
      oldState: Int,
      newState: pair(Int, Bool),
      newInput: Str,
      newOutput: Str,
      newStateMachine: counterV3Term,
      stateMigration: migrationV2toV3Term,
      inverseMigration: mk('Fst', {}),
    },
  ],
};

function sameFiles(a: ReadonlyMap<string, Uint8Array>, b: ReadonlyMap<string, Uint8Array>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, bytes] of a) expect(Buffer.from(b.get(name)!).equals(Buffer.from(bytes)), name).toBe(true);
}

describe('smwasm build', () => {
  test('the manifest lists every stage with its types, term, content hash and module', () => {
    const bundle = buildBundle(spec, upgradeToV3);
    const manifest = bundle.manifest as Record<string, any>;
    expect(manifest.format).toBe('smwasm.bundle.v1');
    expect(manifest.layout).toBe(1);
    expect(manifest.stages).toHaveLength(1);
    const stage = manifest.stages[0];
    const json = pipelineToJson(spec) as { stages: Array<Record<string, unknown>> };
    expect({ name: stage.name, state: stage.state, input: stage.input, output: stage.output, term: stage.term }).toEqual(json.stages[0]);
    expect(stage.hash).toBe(contentHash(spec.stages[0]));
    expect(stage.wasm.file).toBe('stages/0-counter.wasm');
    expect(stage.wasm.bytes).toBe(bundle.files.get('stages/0-counter.wasm')!.length);
    const up = manifest.upgrades[0];
    expect(up.stage).toBe('counter');
    expect(up.from.hash).toBe(stage.hash);
    expect(up.to.hash).toBe(contentHash({ stateType: pair(Int, Bool), inputType: Str, outputType: Str, term: counterV3Term }));
    expect(up.migration.hash).toBe(contentHash({ stateType: Unit, inputType: Int, outputType: pair(Int, Bool), term: migrationV2toV3Term }));
    expect(Object.keys(up)).toEqual(['stage', 'from', 'to', 'migration', 'inverse']);
    expect([...bundle.files.keys()].sort()).toEqual([
      'manifest.json',
      'prebuilt.json',
      'stages/0-counter.wasm',
      'upgrades/0-counter/inverse.wasm',
      'upgrades/0-counter/machine.wasm',
      'upgrades/0-counter/migration.wasm',
    ]);
  });

  test('is deterministic: the same spec gives byte-identical files, in this process and in another', () => {
    const first = buildBundle(spec, upgradeToV3);
    // Lower unrelated terms in between: nothing a lowering leaves behind may change the next one.
    for (const t of [mk('Incr', {}), mk('Show', { type: pair(Str, Bool) })]) {
      const r = typecheck(t, { state: Unit, input: t.op === 'Incr' ? Int : pair(Str, Bool) });
      if (!r.ok) throw new Error('test term does not typecheck');
      lowerMachine(r.typed, Unit);
    }
    const second = buildBundle(spec, upgradeToV3);
    sameFiles(first.files, second.files);

    // A separate process through the command line, from the JSON form of the spec and of the upgrade.
    const dir = tempDir();
    writeFileSync(join(dir, 'pipeline.json'), JSON.stringify(pipelineToJson(spec)));
    writeFileSync(
      join(dir, 'upgrade.json'),
      JSON.stringify({
        upgrade: [
          {
            stage: 'counter',
            oldState: 'Int',
            newState: { Pair: ['Int', 'Bool'] },
            newInput: 'String',
            newOutput: 'String',
            newStateMachine: (buildBundle(spec, upgradeToV3).manifest as any).upgrades[0].to.term,
            stateMigration: { op: 'Fanout', left: { op: 'Id' }, right: { op: 'Bool', value: false } },
            inverseMigration: { op: 'Fst' },
          },
        ],
      }),
    );
    const out = join(dir, 'bundle');
    const printed = execFileSync(process.execPath, [join(root, 'bin/smwasm.mjs'), 'build', join(dir, 'pipeline.json'), '--upgrade', join(dir, 'upgrade.json'), '-o', out], { cwd: root, encoding: 'utf8' });
    expect(printed).toMatch(/^counter {2}[0-9a-f]{12} {2}stages\/0-counter\.wasm {2}[0-9.]+ KB/m);
    expect(printed).toMatch(/^counter \(migration\) {2}[0-9a-f]{12} {2}upgrades\/0-counter\/migration\.wasm/m);
    const read = new Map<string, Uint8Array>();
    for (const name of first.files.keys()) read.set(name, new Uint8Array(readFileSync(join(out, name))));
    sameFiles(first.files, read);
  }, 60_000);

  test('runs from its files alone: the stage, then the migration and the upgraded machine', () => {
    const dir = tempDir();
    writeBundle(buildBundle(spec, upgradeToV3), dir);
    const { manifest, files } = readBundle(dir);
    const m = manifest as Record<string, any>;
    const stage = instantiateMachine(compileWasm(files.get(m.stages[0].wasm.file)!), { stateType: Int, inputType: Str, outputType: Str, initialState: 0n });
    const session: Array<[string, string]> = [
      ['Left ()', 'Left 0'],
      ['Right ()', 'Right ()'],
      ['Right ()', 'Right ()'],
      ['Left ()', 'Left 2'],
    ];
    for (const [input, output] of session) expect(stage.step(input)).toEqual({ ok: true, output });

    // The migration module: (); Int -> (Int, Bool), fed the stage's state in the canonical layout.
    const migration = instantiateMachine(compileWasm(files.get(m.upgrades[0].migration.wasm.file)!), { stateType: Unit, inputType: Int, outputType: pair(Int, Bool), initialState: null });
    const migrated = migration.stepEncoded(stage.getStateEncoded());
    if (!migrated.ok) throw new Error(`migration failed: ${migrated.error.message}`);
    expect(decodeValue(pair(Int, Bool), migrated.output)).toEqual([2n, false]);

    const v3 = instantiateMachine(compileWasm(files.get(m.upgrades[0].to.wasm.file)!), { stateType: pair(Int, Bool), inputType: Str, outputType: Str, initialState: [0n, false] });
    v3.setStateEncoded(migrated.output);
    expect(v3.step('Right (Right (Left ()))')).toEqual({ ok: true, output: 'Right (Right (Left 2))' });
    expect(v3.step('Left ()')).toEqual({ ok: true, output: 'Left ()' });
    expect(v3.step('Right (Right (Right ()))')).toEqual({ ok: true, output: 'Right (Right (Right ()))' });
    expect(v3.getState()).toEqual([1n, true]);

    // The inverse takes the state back, as the interpreter would.
    const inverse = instantiateMachine(compileWasm(files.get(m.upgrades[0].inverse.wasm.file)!), { stateType: Unit, inputType: pair(Int, Bool), outputType: Int, initialState: null });
    const back = inverse.step([1n, true]);
    const checked = typecheck(mk('Fst', {}), { state: Unit, input: pair(Int, Bool) });
    if (!checked.ok) throw new Error('Fst does not typecheck');
    expect(back).toEqual(interpreter.load({ typed: checked.typed, stateType: Unit, initialState: null }).step([1n, true]));
    expect(encodeValue(Int, (back as { output: bigint }).output)).toEqual(encodeValue(Int, 1n));
  });

  test('reading a bundle checks every module against the manifest', () => {
    const dir = tempDir();
    writeBundle(buildBundle(spec), dir);
    const file = join(dir, 'stages/0-counter.wasm');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(file, bytes);
    expect(() => readBundle(dir)).toThrow(/stages\/0-counter\.wasm: contents do not match the manifest's sha256/);
  });

  test('refuses a spec or an upgrade that does not check, saying why', () => {
    const bad = { stages: [{ ...spec.stages[0], term: mk('Incr', {}) }] };
    expect(() => buildBundle(bad)).toThrow(BundleError);
    expect(() => buildBundle(bad)).toThrow(/PIPE_STAGE_TYPE/);
    const wrongOld: UpgradeRequest = { stages: [{ ...upgradeToV3.stages[0], oldState: Bool }] };
    expect(() => buildBundle(spec, wrongOld)).toThrow(/UPG_OLD_STATE/);
  });
});
