// compileTimesLowerVsAsc: how long a stage takes to become Wasm, the way smwasm does it and
// through AssemblyScript's compiler, measured side by side in one run.
//
//   typed term ─▶ lowerMachine: binaryen.js IR for the step, linked into the prebuilt runtime ─▶ .wasm
//                 (counter v3, kv v1 store, files v1 fs)
//   AssemblyScript source: the runtime (assembly/) + a counter v3 step written by hand ─▶ asc API ─▶ .wasm
//
// Lowering is timed cold (the first in the process: the runtime is read and parsed, binaryen warms
// up) and warm (median of 9). asc is timed through its programmatic API with in-memory output, in a
// plain Node child process, at the optimisation level the runtime is built with (-O3) and without
// optimisation (-O0): compiling each term with asc means compiling the runtime with it every time. Every module is instantiated
// and run on a few items against the interpreter, so a module that answers wrongly fails the run.
//
// Run: node bin/run-ts.mjs benchmarks/compile-times.ts      (about 15 s, most of it tsx loading binaryen)

import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { interpreter } from '../compiler/interpret.ts';
import { decodeValue, encodeValue } from '../compiler/layout.ts';
import { lowerMachine } from '../compiler/lower.ts';
import { type StageSpec, specOf } from '../compiler/pipeline.ts';
import { typecheck, type Typed } from '../compiler/typecheck.ts';
import { Str, type Type } from '../compiler/types.ts';
import { type Value, valueEquals } from '../compiler/values.ts';
import { WasmApi, type WasmMemory } from '../compiler/wasm-api.ts';
import { compileWasm, instantiateMachine } from '../compiler/wasm-engine.ts';
import { counterV3Term, StateV3 } from '../examples/counter/v3.ts';
import { fsStageV1 } from '../examples/files/v1.ts';
import { storeStageV1 } from '../examples/kv/v1.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WARM_RUNS = 9;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(1).padStart(7)} ms`;

function typed(term: StageSpec['term'], state: Type, input: Type): Typed {
  const r = typecheck(term, { state, input });
  if (!r.ok) throw new Error(`benchmark term does not typecheck: ${r.error.code} ${r.error.message}`);
  return r.typed;
}

/** Runs `inputs` through the module and through the interpreter; throws at the first difference. */
function checkAgainstInterpreter(name: string, wasm: Uint8Array, t: Typed, stateType: Type, initialState: Value, inputs: readonly Value[]): void {
  const compiled = compileWasm(wasm);
  const machine = instantiateMachine(compiled, { stateType, inputType: t.input, outputType: t.output, initialState });
  const reference = interpreter.load({ typed: t, stateType, initialState });
  for (const input of inputs) {
    const a = machine.step(input);
    const b = reference.step(input);
    const same = a.ok && b.ok ? valueEquals(t.output, a.output, b.output) : !a.ok && !b.ok && a.error.code === b.error.code;
    if (!same || !valueEquals(stateType, machine.getState(), reference.getState())) throw new Error(`${name}: the lowered module and the interpreter disagree`);
  }
}

// ---------------------------------------------------------------------------
// Lowering: three stages of the examples.

interface Subject {
  readonly name: string;
  readonly typed: Typed;
  readonly stateType: Type;
  readonly initialState: Value;
  readonly inputs: readonly Value[];
}

const STEP = 'Right (Right (Right ()))';
const READ = 'Right (Right (Left ()))';
const stageSubject = (name: string, s: StageSpec, inputs: readonly Value[]): Subject => ({
  name,
  typed: typed(s.term, s.stateType, s.inputType),
  stateType: s.stateType,
  initialState: s.initialState,
  inputs,
});
const subjects: readonly Subject[] = [
  { name: 'counter v3', typed: typed(counterV3Term, StateV3.type, Str), stateType: StateV3.type, initialState: [0n, false], inputs: [STEP, STEP, READ, 'Left ()', STEP, READ, 'nonsense'] },
  stageSubject('kv v1 store', specOf(storeStageV1).stages[0], [
    { tag: 'Right', value: { tag: 'Put', value: ['k', 'v'] } },
    { tag: 'Right', value: { tag: 'Get', value: 'k' } },
    { tag: 'Right', value: { tag: 'Get', value: 'absent' } },
  ]),
  stageSubject('files v1 fs', specOf(fsStageV1).stages[0], [
    [7n, { tag: 'Connect', value: null }],
    [7n, { tag: 'Data', value: { tag: 'Right', value: { tag: 'Mkdir', value: 'docs' } } }],
    [7n, { tag: 'Data', value: { tag: 'Right', value: { tag: 'Cd', value: 'docs' } } }],
    [7n, { tag: 'Data', value: { tag: 'Right', value: { tag: 'Pwd', value: null } } }],
  ]),
];

function measureLowering(): { warmCounter: number } {
  console.log(`lowerMachine (lower + link, ms), cold = first in the process, warm = median of ${WARM_RUNS}`);
  let warmCounter = 0;
  for (const s of subjects) {
    const cold = lowerMachine(s.typed, s.stateType);
    const warm: number[] = [];
    const lowerOnly: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      const r = lowerMachine(s.typed, s.stateType);
      warm.push(r.timings.total);
      lowerOnly.push(r.timings.lower);
    }
    const t0 = performance.now();
    new WasmApi.Module(cold.wasm);
    const moduleMs = performance.now() - t0;
    checkAgainstInterpreter(s.name, cold.wasm, s.typed, s.stateType, s.initialState, s.inputs);
    if (s.name === 'counter v3') warmCounter = median(warm);
    console.log(
      `  ${s.name.padEnd(12)} cold ${ms(cold.timings.total)}   warm ${ms(median(warm))} (build+passes ${median(lowerOnly).toFixed(1)}, emit+link ${(median(warm) - median(lowerOnly)).toFixed(1)})   WebAssembly.Module ${moduleMs.toFixed(1)} ms   ${cold.wasm.length} bytes`,
    );
  }
  return { warmCounter };
}

// ---------------------------------------------------------------------------
// asc: the runtime plus a counter v3 step by hand, the smallest source a per-term asc build compiles.

const ENTRY = 'assembly/counter-v3-step.ts';
const COUNTER_V3_AS = `
export * from './index';
import { alloc, commit, itemBegin, raise, E_READ_NO_PARSE, K_TAGGED } from './heap';
import { decode, encode } from './layout';
import { readValue, readOk } from './read';
import { showValue } from './show';
import { tagOf, payloadOf } from './values';

// Type descriptors (values.ts): +0 String, +4 (), +8 Int, then Eithers of 12 bytes each.
const D: usize = memory.data(96, 8);
let count: i64 = 0;
let down = false;

function either(at: usize, left: usize, right: usize): void {
  store<u32>(D + at, 5);
  store<u32>(D + at, <u32>(D + left), 4);
  store<u32>(D + at, <u32>(D + right), 8);
}
export function setup(): void {
  store<u32>(D, 3);
  store<u32>(D + 4, 0);
  store<u32>(D + 8, 1);
  either(12, 4, 4);   // Either () ()
  either(24, 4, 12);  // Either () (Either () ())
  either(36, 4, 24);  // the input: Either () (Either () (Either () ()))
  either(48, 8, 4);   // Either Int ()
  either(60, 4, 48);  // Either () (Either Int ())
  either(72, 4, 60);  // the output: Either () (Either () (Either Int ()))
}
function tagged(tag: u32, payload: i64, isPointer: u32): i64 {
  const p = alloc(16);
  store<u32>(p, K_TAGGED | (isPointer << 3));
  store<u32>(p, tag, 4);
  store<i64>(p, payload, 8);
  return <i64>p;
}
export function step(input: u32, length: u32): u32 {
  itemBegin();
  const text = decode(input, length, D);
  const command = <usize>readValue(<usize>text, D + 36);
  if (!readOk) raise(E_READ_NO_PARSE, 0);
  let out: i64;
  if (tagOf(command) == 0) {
    down = !down;
    out = tagged(0, 0, 0);
  } else {
    const c2 = <usize>payloadOf(command);
    if (tagOf(c2) == 0) {
      count = 0;
      down = false;
      out = tagged(1, tagged(0, 0, 0), 1);
    } else if (tagOf(<usize>payloadOf(c2)) == 0) {
      out = tagged(1, tagged(1, tagged(0, count, 0), 1), 1);
    } else {
      count += down ? -1 : 1;
      out = tagged(1, tagged(1, tagged(1, 0, 0), 1), 1);
    }
  }
  const at = encode(<i64>showValue(out, D + 72), D);
  commit(0, false);
  return <u32>at;
}
`;

/**
 * The asc side runs in a child process on plain Node: loaded through tsx (as this file is), asc and
 * the binaryen it bundles take several seconds to import, which would measure tsx, not asc. The
 * child compiles in memory and prints its timings and modules as JSON.
 */
const ASC_CHILD = `
const { readFileSync } = await import('node:fs');
const { join, resolve } = await import('node:path');
const [root, entry, source] = [process.env.ROOT, process.env.ENTRY, process.env.SOURCE];
const t0 = performance.now();
const asc = await import('assemblyscript/asc');
const importMs = performance.now() - t0;
async function compile(optimizeLevel) {
  let wasm = null;
  let errors = '';
  const argv = [entry, '--baseDir', root, '--outFile', 'out.wasm', '--runtime', 'stub', '--importMemory', '--noExportMemory',
    '--initialMemory', '1', '--use', 'abort=assembly/index/rtAbortHook', '--optimizeLevel', String(optimizeLevel), '--shrinkLevel', '0',
    '--noAssert', '--debug'];
  const t = performance.now();
  const result = await asc.main(argv, {
    readFile: (file, baseDir) => {
      const path = resolve(baseDir, file);
      if (path === join(root, entry)) return source;
      try { return readFileSync(path, 'utf8'); } catch { return null; }
    },
    writeFile: (file, contents) => { if (file.endsWith('.wasm')) wasm = contents; },
    stdout: { write: () => true },
    stderr: { write: (s) => { errors += String(s); return true; } },
  });
  const ms = performance.now() - t;
  if (result.error || wasm === null) throw new Error('asc failed: ' + (result.error ? result.error.message : 'no output') + '\\n' + errors);
  return { ms, wasm: Buffer.from(wasm).toString('base64') };
}
const coldO3 = await compile(3);
const warmO3 = await compile(3);
const warmO0 = await compile(0);
process.stdout.write(JSON.stringify({ version: asc.version, importMs, coldO3, warmO3, warmO0 }));
`;

interface AscRun {
  readonly ms: number;
  readonly wasm: string;
}

function runAsc(): { version: string; importMs: number; processMs: number; coldO3: AscRun; warmO3: AscRun; warmO0: AscRun } {
  const t0 = performance.now();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', ASC_CHILD], {
    cwd: root,
    env: { ...process.env, ROOT: root, ENTRY, SOURCE: COUNTER_V3_AS },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return { ...JSON.parse(out), processMs: performance.now() - t0 };
}

/** Runs the asc-built counter on the same items as the lowered one and compares with the interpreter. */
function checkAscCounter(wasm: Uint8Array): void {
  const memory: WasmMemory = new WasmApi.Memory({ initial: 2 });
  const x = new WasmApi.Instance(new WasmApi.Module(wasm), { env: { memory } }).exports as Record<string, (...a: number[]) => number>;
  x.rtInit(1 << 16);
  x.setup();
  const t = subjects[0];
  const reference = interpreter.load({ typed: t.typed, stateType: t.stateType, initialState: t.initialState });
  for (const input of [STEP, STEP, READ, 'Left ()', STEP, READ]) {
    const bytes = encodeValue(Str, input);
    const at = x.rtBegin(bytes.length);
    new Uint8Array(memory.buffer).set(bytes, at);
    const out = x.step(at, bytes.length);
    const got = decodeValue(Str, new Uint8Array(memory.buffer).slice(out, out + x.rtEncodedLength()));
    const want = reference.step(input);
    if (!want.ok || got !== want.output) throw new Error(`the asc-built counter answered ${JSON.stringify(got)} to ${input}`);
  }
}

function measureAsc(): { warmO3: number; warmO0: number } {
  const r = runAsc();
  const bytes = (run: AscRun) => new Uint8Array(Buffer.from(run.wasm, 'base64'));
  checkAscCounter(bytes(r.coldO3));
  checkAscCounter(bytes(r.warmO0));
  console.log(`\nasc ${r.version} API in a fresh Node process, in-memory output: the runtime (assembly/) + a counter v3 step`);
  console.log(`  import ${ms(r.importMs)}   -O3 cold ${ms(r.coldO3.ms)}   -O3 warm ${ms(r.warmO3.ms)}   -O0 warm ${ms(r.warmO0.ms)}   ${bytes(r.coldO3).length} bytes (-O3)`);
  console.log(`  whole process (start, import, three compiles): ${ms(r.processMs)}`);
  return { warmO3: r.warmO3.ms, warmO0: r.warmO0.ms };
}

export async function compileTimesLowerVsAsc(): Promise<void> {
  const { warmCounter } = measureLowering();
  const { warmO3, warmO0 } = measureAsc();
  console.log(`\ncounter v3, warm: asc -O3 / lowerMachine = ${(warmO3 / warmCounter).toFixed(0)}x, asc -O0 / lowerMachine = ${(warmO0 / warmCounter).toFixed(0)}x`);
}

if (process.argv[1] !== undefined && import.meta.url.split('?')[0] === pathToFileURL(resolve(process.argv[1])).href) await compileTimesLowerVsAsc();
