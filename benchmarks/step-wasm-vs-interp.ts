// Items per second through one stage's step, interpreter vs Wasm, measured in the same run.
//
//   counterV3    "Right (Right (Right ()))" ─▶ Read ▶ Case ▶ Case ▶ Case ▶ Show ─▶ text      state (Int, Bool)
//   kv store     Right (Get "k42") | Right (Put ("k42","v")) ─▶ Match ▶ MapLookup/MapInsert ─▶ reply
//                (examples/kv storeV1, state Map String String prefilled with 1,000 / 100,000 /
//                1,000,000 keys; 90% GET, 10% PUT of existing and new keys)
//   sumLoop      1000 ─▶ Unleft [ (acc, i) ▶ i == 0 ? Left acc : Right (acc + i, i - 1) ] ─▶ 500500
//
// Both engines are driven the way a pipeline stage drives them (runtime/stage-worker.ts):
// `stepBytes` on canonical-layout bytes in a larger buffer, then `copyOutput` into an output
// buffer (inputs are encoded once, up front). Every output is checked against a model computed
// here (and the final kv state against a model map), so a fast wrong run never counts.
// After the run: Wasm memory and heap figures, and each module's compile time.
//
// Run: node bin/run-ts.mjs benchmarks/step-wasm-vs-interp.ts   (BENCH_SECONDS=1.5 per figure;
//      BENCH_KV_SIZES=1000,100000 to skip the million)

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Engine, Machine } from '../compiler/engine.ts';
import { interpreter } from '../compiler/interpret.ts';
import { decodeValue, encodeValue } from '../compiler/layout.ts';
import { parseTermSeed } from '../compiler/seed-syntax.ts';
import { mk, type Term } from '../compiler/terms.ts';
import { typecheck, type Typed } from '../compiler/typecheck.ts';
import { Bool, Int, pair, Str, type Type, Unit } from '../compiler/types.ts';
import { PMap, type Value } from '../compiler/values.ts';
import { compileModule, wasmEngine, type WasmMachine } from '../compiler/wasm-engine.ts';
import { Answer, ParsedV1, StateV1, storeV1Term } from '../examples/kv/v1.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 1.5);
const kvSizes = (process.env.BENCH_KV_SIZES ?? '1000,100000,1000000').split(',').map(Number);

function typed(term: Term, state: Type, input: Type): Typed {
  const r = typecheck(term, { state, input });
  if (!r.ok) throw new Error(`benchmark term does not typecheck: ${r.error.code} ${r.error.message}`);
  return r.typed;
}

/**
 * Items per second of each of `items` (one per engine), measured in alternating rounds after a
 * warm-up so that both engines see the same machine load; the best round of each counts (on a
 * shared machine the best round is the least disturbed one).
 */
function measure(items: ReadonlyArray<(i: number) => void>): number[] {
  const batch = 1000;
  const rounds = 6;
  const counters = items.map(() => 0);
  const run = (k: number, ms: number): number => {
    const item = items[k];
    let i = counters[k];
    const start = performance.now();
    const stop = start + ms;
    let n = 0;
    while (performance.now() < stop) {
      for (let b = 0; b < batch; b++) item(i++);
      n += batch;
    }
    counters[k] = i;
    return n / ((performance.now() - start) / 1000);
  };
  items.forEach((_, k) => run(k, 300));
  const best = items.map(() => 0);
  for (let r = 0; r < rounds; r++) items.forEach((_, k) => (best[k] = Math.max(best[k], run(k, (seconds * 1000) / rounds))));
  return best;
}

const engines: readonly Engine[] = [interpreter, wasmEngine];

/** Where outputs are copied, as a stage copies them into its output ring. */
const ring = new Uint8Array(1 << 16);
const RING_AT = 24;
/** Bytes of the record header in front of each input, as in a stage's input ring. */
const HEADER = 20;

/** Items as a stage finds them: one after another in one buffer, each behind a header. */
interface Items {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

function packed(inputs: readonly Uint8Array[]): Items {
  const starts = new Int32Array(inputs.length);
  const ends = new Int32Array(inputs.length);
  let at = 0;
  inputs.forEach((input, i) => {
    starts[i] = at + HEADER;
    ends[i] = at + HEADER + input.length;
    at = ends[i];
  });
  const bytes = new Uint8Array(at);
  inputs.forEach((input, i) => bytes.set(input, starts[i]));
  return { bytes, starts, ends };
}

/** Item `i` of `items` as a stage runs it: the output length, or -1 on an item error. */
function stepLikeAStage(machine: Machine, items: Items, i: number): number {
  const r = machine.stepBytes(items.bytes, items.starts[i], items.ends[i]);
  if (typeof r !== 'number') return -1;
  machine.copyOutput(ring, RING_AT);
  return r;
}

const lastOutput = (length: number) => ring.subarray(RING_AT, RING_AT + length);
const compileTimes: string[] = [];
const memoryReports: string[] = [];

/** Loads on both engines; records the Wasm module's compile time. */
function load(name: string, t: Typed, stateType: Type, initialState: Value): Machine[] {
  const c = compileModule(t, stateType);
  compileTimes.push(`${name.padEnd(12)} lower+link ${c.compileMs.lower.toFixed(2)} ms, WebAssembly.Module ${c.compileMs.wasm.toFixed(2)} ms, ${c.wasm.length} bytes`);
  return engines.map((e) => e.load({ typed: t, stateType, initialState }));
}

function reportMemory(name: string, m: Machine): void {
  const s = (m as WasmMachine).stats();
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  memoryReports.push(`${name.padEnd(12)} memory ${mb(s.memoryBytes)}, heap in use ${mb(s.heapUsed)}, live after last collection ${mb(s.liveBytes)}, ${s.collections} collections`);
}

function row(name: string, rates: number[], unit = 'items/s', note = ''): void {
  const fmt = (r: number) => (r >= 1e6 ? `${(r / 1e6).toFixed(3)} M` : `${(r / 1e3).toFixed(2)} k`).padStart(10);
  console.log(`${name.padEnd(12)} interp ${fmt(rates[0])} ${unit}   wasm ${fmt(rates[1])} ${unit}   wasm/interp ${(rates[1] / rates[0]).toFixed(1)}x${note}`);
}

// ---------------------------------------------------------------------------
// counterV3: the seed counter, version 3, exactly as sent over the wire.

const COUNTER_V3 =
  'ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTUnit (UTEither UTInt UTUnit)))) (CaseU (ComposeU (ComposeU PutU (SecondU NotU)) GetU) (CaseU (ComposeU PutU ((:.&&) (IntU 0) (BoolU False))) (CaseU (ComposeU FstU GetU) (ComposeU (ComposeU (ComposeU PutU ((:.&&) IdU (ComposeU (ComposeU SndU GetU) ConsumeU))) (IfU DecrU IncrU)) GetU))))) (ReadU (UTEither UTUnit (UTEither UTUnit (UTEither UTUnit UTUnit))))';
const STEP = 'Right (Right (Right ()))';
const READ = 'Right (Right (Left ()))';
const TOGGLE = 'Left ()';
const RESET = 'Right (Left ())';
const PATTERN = [STEP, STEP, READ, STEP, TOGGLE, STEP, READ, STEP, STEP, READ, TOGGLE, STEP, READ, RESET, STEP, READ];

function counterModel(input: string, count: bigint, down: boolean): [output: string, count: bigint, down: boolean] {
  switch (input) {
    case TOGGLE:
      return ['Left ()', count, !down];
    case RESET:
      return ['Right (Left ())', 0n, false];
    case READ:
      return [`Right (Right (Left ${count < 0n ? `(${count})` : count}))`, count, down];
    case STEP:
      return [STEP, down ? count - 1n : count + 1n, down];
    default:
      throw new Error(`no model for ${input}`);
  }
}

function counterV3(): void {
  const state = pair(Int, Bool);
  const machines = load('counterV3', typed(parseTermSeed(COUNTER_V3), state, Str), state, [0n, false]);
  const inputs = packed(PATTERN.map((p) => encodeValue(Str, p)));
  const items = machines.map(() => 0);
  let wrong = 0;
  const rates = measure(
    machines.map((machine, k) => (i: number) => {
      if (stepLikeAStage(machine, inputs, i % PATTERN.length) < 0) wrong++;
      items[k]++;
    }),
  );
  machines.forEach((machine, k) => {
    // Replay the model over every item run (warm-up included) and compare the final state; then a read.
    let count = 0n;
    let down = false;
    for (let n = 0; n < items[k]; n++) [, count, down] = counterModel(PATTERN[n % PATTERN.length], count, down);
    const s = machine.getState() as readonly [bigint, boolean];
    if (wrong > 0 || s[0] !== count || s[1] !== down) throw new Error(`counterV3 went wrong: ${wrong} failed items, state ${s}, expected (${count}, ${down})`);
    const [expected] = counterModel(READ, count, down);
    const length = stepLikeAStage(machine, packed([encodeValue(Str, READ)]), 0);
    const out = length < 0 ? 'an error' : decodeValue(Str, lastOutput(length));
    if (out !== expected) throw new Error(`counterV3 answered ${JSON.stringify(out)} to a read, expected ${expected}`);
  });
  row('counterV3', rates);
  reportMemory('counterV3', machines[1]);
}

// ---------------------------------------------------------------------------
// kv: the store stage of examples/kv v1 on a prefilled map, 90% GET / 10% PUT.

function kv(size: number): void {
  const key = (i: number) => `key${i}`;
  const entries: Array<[Value, Value]> = [];
  for (let i = 0; i < size; i++) entries.push([key(i), `value${i}`]);
  const initial = PMap.fromEntries(Str, entries);
  const t0 = performance.now();
  const machines = load(`kv ${size}`, typed(storeV1Term, StateV1.type, ParsedV1.type), StateV1.type, initial);
  const loadMs = performance.now() - t0;
  // A pool of commands: GETs of present and absent keys, PUTs of present and new keys.
  const pool = 1 << 14;
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const commands: Array<{ put: boolean; k: string; v: string }> = [];
  for (let i = 0; i < pool; i++) {
    const put = random() < 0.1;
    const k = key(Math.floor(random() * size * 1.1));
    commands.push({ put, k, v: `new${i}` });
  }
  const inputs = packed(commands.map((c) => encodeValue(ParsedV1.type, { tag: 'Right', value: c.put ? { tag: 'Put', value: [c.k, c.v] } : { tag: 'Get', value: c.k } })));
  const models = machines.map(() => {
    const model = new Map<string, string>();
    for (let i = 0; i < size; i++) model.set(key(i), `value${i}`);
    return model;
  });
  let wrong = 0;
  const rates = measure(
    machines.map((machine, k) => (i: number) => {
      const c = commands[i % pool];
      const model = models[k];
      const length = stepLikeAStage(machine, inputs, i % pool);
      if (length < 0) {
        wrong++;
        return;
      }
      // Check every 64th answer fully (decoding every one would measure the decoder).
      if ((i & 63) === 0) {
        const answer = decodeValue(Answer.type, lastOutput(length)) as { tag: string; value: { tag: string; value: Value } };
        const want = c.put ? 'Ok' : model.has(c.k) ? `Value ${model.get(c.k)}` : 'NotFound';
        const got = answer.value.tag === 'Value' ? `Value ${answer.value.value}` : answer.value.tag;
        if (got !== want) wrong++;
      }
      if (c.put) model.set(c.k, c.v);
    }),
  );
  machines.forEach((machine, k) => {
    const final = machine.getState() as PMap;
    const model = models[k];
    if (wrong > 0 || final.size !== model.size) throw new Error(`kv ${size} went wrong: ${wrong} wrong answers, ${final.size} keys, expected ${model.size}`);
    for (let i = 0; i < 100; i++) {
      const key_ = key(Math.floor(random() * size * 1.1));
      if (final.get(key_) !== model.get(key_)) throw new Error(`kv ${size}: final state has ${String(final.get(key_))} at ${key_}, expected ${model.get(key_)}`);
    }
  });
  row(`kv ${size}`, rates, 'items/s', `   (load with state: ${loadMs.toFixed(0)} ms)`);
  reportMemory(`kv ${size}`, machines[1]);
}

// ---------------------------------------------------------------------------
// sumLoop: an Unleft loop of 1000 iterations per item (the compute-heavy term).

const I2 = pair(Int, Int);
const pipe = (...terms: Term[]): Term => terms.reduce((acc, t) => mk('Compose', { left: t, right: acc }));
const lit = (n: bigint) => pipe(mk('Consume', {}), mk('Int', { value: n }));
const fanout = (left: Term, right: Term) => mk('Fanout', { left, right });
export const sumLoopTerm = mk('Unleft', {
  type: I2,
  body: pipe(
    mk('Case', {
      left: pipe(fanout(lit(0n), mk('Id', {})), mk('InRight', { type: Int })),
      right: pipe(
        fanout(mk('Id', {}), pipe(mk('Snd', {}), fanout(mk('Id', {}), lit(0n)), mk('Equal', {}))),
        mk('If', {
          onTrue: pipe(mk('Fst', {}), mk('InLeft', { type: I2 })),
          onFalse: pipe(fanout(mk('Add', {}), pipe(mk('Snd', {}), mk('Decr', {}))), mk('InRight', { type: Int })),
        }),
      ),
    }),
    mk('Merge', {}),
  ),
});

function sumLoop(): void {
  const n = 1000n;
  const expected = (n * (n + 1n)) / 2n;
  const machines = load('sumLoop', typed(sumLoopTerm, Unit, Int), Unit, null);
  const input = packed([encodeValue(Int, n)]);
  let wrong = 0;
  const rates = measure(
    machines.map((machine) => () => {
      const length = stepLikeAStage(machine, input, 0);
      if (length < 0 || decodeValue(Int, lastOutput(length)) !== expected) wrong++;
    }),
  );
  if (wrong > 0) throw new Error(`sumLoop answered wrongly ${wrong} times (expected ${expected})`);
  const steps = Number(n) + 2;
  row('sumLoop', rates, 'items/s', `   (${steps} Unleft steps per item: wasm ${((rates[1] * steps) / 1e6).toFixed(0)} M steps/s)`);
  reportMemory('sumLoop', machines[1]);
}

/** Prints every figure; throws if an answer is wrong. */
export function stepWasmVsInterp(): void {
  console.log(`step throughput, interpreter vs Wasm (stepBytes and copyOutput, ${seconds} s per figure)`);
  counterV3();
  for (const size of kvSizes) kv(size);
  sumLoop();
  console.log('\nWasm memory after each run');
  for (const r of memoryReports) console.log(`  ${r}`);
  console.log('\nWasm module compile times');
  for (const c of compileTimes) console.log(`  ${c}`);
}

if (process.argv[1] !== undefined && import.meta.url.split('?')[0] === pathToFileURL(resolve(process.argv[1])).href) stepWasmVsInterp();
