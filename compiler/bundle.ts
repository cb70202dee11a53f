// Bundles: a pipeline spec (and optionally an upgrade of it) compiled to Wasm files plus a manifest.
//
//   buildBundle(counter pipeline)  =>  manifest.json
//                                      stages/0-counter.wasm
//   with an upgrade to counter v3  =>  + upgrades/0-counter/machine.wasm
//                                      + upgrades/0-counter/migration.wasm  (); Int -> (Int, Bool)
//                                      + prebuilt.json   (for smwasm upgrade --prebuilt)
//
//   manifest.json (abridged):
//   {"format":"smwasm.bundle.v1","abi":"smwasm.wasm.v2","layout":1,"runtime":"4ef1…",
//    "stages":[{"name":"counter","state":{"type":"Int","initial":0},"input":"String","output":"String",
//               "term":{…},"hash":"sha256:…","wasm":{"file":"stages/0-counter.wasm","sha256":"…","bytes":25190}}],
//    "upgrades":[…]}
//
// Every .wasm is self-contained (imports only memory) and describes itself (compiler/lower.ts
// ModuleMeta); `hash` is the stage's content hash (compiler/content-hash.ts: canonical JSON of the
// normalised term and its types), the identity upgrades and rollbacks use. A migration is lowered
// as a machine with state () whose input is the old state and whose output is the new one.
//
// Deterministic: the same spec gives byte-identical files (no times, no absolute paths, keys in a
// fixed order, the runtime and the lowering are deterministic); test/wasm-bundle.test.ts checks it.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { contentHash } from './content-hash.ts';
import { LAYOUT_VERSION } from './layout.ts';
import { lowerMachine, WASM_ABI } from './lower.ts';
import { checkPipeline, formatPipelineErrors, type PipelineSpec, stageToJson } from './pipeline.ts';
import { termToJson } from './terms.ts';
import type { Typed } from './typecheck.ts';
import { type Type, typeToJson, Unit } from './types.ts';
import { type DeployedStage, planUpgrade, type UpgradeRequest } from './upgrade.ts';
import type { Json } from './values.ts';
import { loadRuntime } from './wasm-runtime.ts';

export const BUNDLE_FORMAT = 'smwasm.bundle.v1';
export const MANIFEST_FILE = 'manifest.json';
/** With an upgrade: its modules as `smwasm upgrade --prebuilt FILE` takes them. */
export const PREBUILT_FILE = 'prebuilt.json';

/** A module file of the bundle, with its SHA-256 so a loader can check what it reads. */
export interface BundleFile {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface Bundle {
  readonly manifest: Json;
  /** Relative path => contents (the manifest included). */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** Milliseconds to lower and link each module (not part of the manifest: it would break determinism). */
  readonly compileMs: ReadonlyMap<string, number>;
}

export class BundleError extends Error {
  override name = 'BundleError';
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A file name part from a stage name (names are free text): safe characters only, never empty. */
function slug(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '_');
  return s === '' ? '_' : s.slice(0, 64);
}

/**
 * Compiles every stage of `spec`, and, when `upgrade` is given, every upgraded machine with its
 * migration and inverse (checked against the spec's stages as deployed). Throws a BundleError
 * listing every problem when the spec or the upgrade does not check.
 */
export function buildBundle(spec: PipelineSpec, upgrade?: UpgradeRequest): Bundle {
  const checked = checkPipeline(spec);
  if (!checked.ok) throw new BundleError(formatPipelineErrors(checked.errors));
  const files = new Map<string, Uint8Array>();
  const compileMs = new Map<string, number>();
  const emit = (file: string, typed: Typed, stateType: Type): BundleFile => {
    const lowered = lowerMachine(typed, stateType);
    files.set(file, lowered.wasm);
    compileMs.set(file, lowered.timings.total);
    return { file, sha256: sha256(lowered.wasm), bytes: lowered.wasm.length };
  };
  const fileJson = (f: BundleFile): Json => ({ file: f.file, sha256: f.sha256, bytes: f.bytes });

  const stages: Json[] = checked.stages.map((s, i) => {
    const f = emit(`stages/${i}-${slug(s.spec.name)}.wasm`, s.typed, s.spec.stateType);
    return { ...(stageToJson(s.spec) as Record<string, Json>), hash: contentHash(s.spec), wasm: fileJson(f) };
  });

  const upgrades: Json[] = [];
  if (upgrade !== undefined) {
    const deployed: DeployedStage[] = spec.stages.map((s) => ({
      name: s.name,
      stateType: s.stateType,
      inputType: s.inputType,
      outputType: s.outputType,
      term: s.term,
      hash: contentHash(s),
      version: 1,
    }));
    const plan = planUpgrade(deployed, upgrade);
    if (!plan.ok) throw new BundleError(`${plan.code} ${plan.stage ? `stage ${JSON.stringify(plan.stage)}: ` : ''}${plan.reason}`);
    for (const p of plan.stages) {
      const dir = `upgrades/${p.index}-${slug(p.name)}`;
      const machine = emit(`${dir}/machine.wasm`, p.machine, p.stateType);
      const migration = emit(`${dir}/migration.wasm`, p.migration, Unit);
      const request = upgrade.stages.find((u) => u.stage === p.name)!;
      const entry: Record<string, Json> = {
        stage: p.name,
        from: { hash: p.previous.hash, state: typeToJson(p.previous.stateType) as Json },
        to: {
          state: typeToJson(p.stateType) as Json,
          input: typeToJson(p.inputType) as Json,
          output: typeToJson(p.outputType) as Json,
          term: termToJson(p.term),
          hash: p.hash,
          wasm: fileJson(machine),
        },
        migration: migrationJson(request.stateMigration, p.previous.stateType, p.stateType, migration),
      };
      if (p.inverse && request.inverseMigration) {
        const inverse = emit(`${dir}/inverse.wasm`, p.inverse, Unit);
        entry.inverse = migrationJson(request.inverseMigration, p.stateType, p.previous.stateType, inverse);
      }
      upgrades.push(entry);
    }
  }

  const manifest: Record<string, Json> = {
    format: BUNDLE_FORMAT,
    abi: WASM_ABI,
    layout: LAYOUT_VERSION,
    runtime: loadRuntime().hash,
    stages,
    upgrades,
  };
  if (upgrades.length > 0) {
    // The upgraded modules once more, in the form `smwasm upgrade --prebuilt` sends (base64 in JSON).
    const b64 = (file: string) => Buffer.from(files.get(file)!).toString('base64');
    const prebuilt = {
      stages: upgrades.map((u) => {
        const e = u as { stage: string; to: { wasm: { file: string } }; migration: { wasm: { file: string } } };
        return { stage: e.stage, machine: b64(e.to.wasm.file), migration: b64(e.migration.wasm.file) };
      }),
    };
    files.set(PREBUILT_FILE, new TextEncoder().encode(`${JSON.stringify(prebuilt)}\n`));
    manifest.prebuilt = PREBUILT_FILE;
  }
  files.set(MANIFEST_FILE, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return { manifest, files, compileMs };

  function migrationJson(term: UpgradeRequest['stages'][number]['stateMigration'], from: Type, to: Type, f: BundleFile): Json {
    return {
      from: typeToJson(from) as Json,
      to: typeToJson(to) as Json,
      term: termToJson(term),
      hash: contentHash({ stateType: Unit, inputType: from, outputType: to, term }),
      wasm: fileJson(f),
    };
  }
}

/** Writes a bundle under `dir` (created if needed); files are written in sorted order. */
export function writeBundle(bundle: Bundle, dir: string): void {
  for (const name of [...bundle.files.keys()].sort()) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bundle.files.get(name)!);
  }
}

/** Reads a bundle's manifest and checks every module file it lists against its recorded SHA-256. */
export function readBundle(dir: string): { readonly manifest: Record<string, Json>; readonly files: ReadonlyMap<string, Uint8Array> } {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, Json>;
  if (manifest.format !== BUNDLE_FORMAT) throw new BundleError(`${dir}: not a bundle of format ${BUNDLE_FORMAT} (found ${JSON.stringify(manifest.format)})`);
  const files = new Map<string, Uint8Array>();
  const read = (entry: Json | undefined, what: string): void => {
    const f = entry as { file?: unknown; sha256?: unknown } | undefined;
    if (!f || typeof f.file !== 'string' || typeof f.sha256 !== 'string') throw new BundleError(`${dir}: ${what} names no module file`);
    if (f.file.split('/').includes('..') || f.file.startsWith('/')) throw new BundleError(`${dir}: module path ${JSON.stringify(f.file)} leaves the bundle`);
    const bytes = new Uint8Array(readFileSync(join(dir, f.file)));
    if (sha256(bytes) !== f.sha256) throw new BundleError(`${dir}/${f.file}: contents do not match the manifest's sha256`);
    files.set(f.file, bytes);
  };
  const list = (x: Json | undefined): Array<Record<string, Json>> => (Array.isArray(x) ? (x as Array<Record<string, Json>>) : []);
  list(manifest.stages).forEach((s, i) => read(s.wasm, `stage ${i}`));
  list(manifest.upgrades).forEach((u, i) => {
    read((u.to as Record<string, Json> | undefined)?.wasm, `upgrade ${i}`);
    read((u.migration as Record<string, Json> | undefined)?.wasm, `the migration of upgrade ${i}`);
    if (u.inverse !== undefined) read((u.inverse as Record<string, Json>).wasm, `the inverse of upgrade ${i}`);
  });
  return { manifest, files };
}
