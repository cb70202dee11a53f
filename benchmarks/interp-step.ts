// Items per second of the reference interpreter, one machine, one thread.
//
//   counterV3:  "Right (Right (Right ()))" ──Read──▶ Case ▶ Case ▶ Case ──Show──▶ "Right (Right (Right ()))"
//               (the seed's wire term, parsed from WIRE.md's text; state (Int, Bool))
//   sumLoop:    1000 ──▶ Unleft [ (acc, i) ▶ i == 0 ? Left acc : Right (acc + i, i - 1) ] ──▶ 500500
//               (1002 fuel steps per item)
//
// Every answer is checked against a model computed here, so a fast wrong run
// never counts. Run: node bin/run-ts.mjs benchmarks/interp-step.ts  (BENCH_SECONDS=1.5 per figure)
//
// Measured on the 2-core development machine (Node 20, shared with other
// work, so figures moved by 2x between runs; the lower ones were taken under load):
//   counterV3   1.4–3.1 M items/s. A CPU profile puts ~40% of the time in Read
//               and Show (seed-syntax.ts) and ~10% in GC; the closures are the rest.
//   sumLoop     24–43 k items/s = 24–43 M Unleft steps/s, each step ~15 closure
//               calls and ~5 small allocations (pairs and Either cells).

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { interpreter } from '../compiler/interpret.ts';
import { parseTermSeed } from '../compiler/seed-syntax.ts';
import { mk, type Term } from '../compiler/terms.ts';
import { typecheck, type Typed } from '../compiler/typecheck.ts';
import { Bool, Int, pair, Str, type Type, Unit } from '../compiler/types.ts';
import type { Value } from '../compiler/values.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 1.5);

function typed(term: Term, state: Type, input: Type): Typed {
  const r = typecheck(term, { state, input });
  if (!r.ok) throw new Error(`benchmark term does not typecheck: ${r.error.code} ${r.error.message}`);
  return r.typed;
}

/** Runs `item(i)` in batches until `seconds` have passed (after a warm-up); returns items per second. */
function measure(item: (i: number) => void): number {
  const batch = 1000;
  let i = 0;
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) for (let k = 0; k < batch; k++) item(i++);
  const start = performance.now();
  const stop = start + seconds * 1000;
  let n = 0;
  while (performance.now() < stop) {
    for (let k = 0; k < batch; k++) item(i++);
    n += batch;
  }
  return n / ((performance.now() - start) / 1000);
}

// ---------------------------------------------------------------------------
// counterV3: the seed counter, version 3, exactly as sent over the wire.

const COUNTER_V3 =
  'ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTUnit (UTEither UTInt UTUnit)))) (CaseU (ComposeU (ComposeU PutU (SecondU NotU)) GetU) (CaseU (ComposeU PutU ((:.&&) (IntU 0) (BoolU False))) (CaseU (ComposeU FstU GetU) (ComposeU (ComposeU (ComposeU PutU ((:.&&) IdU (ComposeU (ComposeU SndU GetU) ConsumeU))) (IfU DecrU IncrU)) GetU))))) (ReadU (UTEither UTUnit (UTEither UTUnit (UTEither UTUnit UTUnit))))';

const STEP = 'Right (Right (Right ()))';
const READ = 'Right (Right (Left ()))';
const TOGGLE = 'Left ()';
const RESET = 'Right (Left ())';
// Mostly steps and reads, as a counter service sees; a toggle and a reset now and then.
const PATTERN = [STEP, STEP, READ, STEP, TOGGLE, STEP, READ, STEP, STEP, READ, TOGGLE, STEP, READ, RESET, STEP, READ];

/** What counter v3 answers, and its next state, computed directly. */
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
  const machine = interpreter.load({ typed: typed(parseTermSeed(COUNTER_V3), pair(Int, Bool), Str), stateType: pair(Int, Bool), initialState: [0n, false] });
  // Check a full run of the pattern (twice, to pass through negative counts) against the model first.
  let count = 0n;
  let down = false;
  for (let k = 0; k < PATTERN.length * 2; k++) {
    const input = PATTERN[k % PATTERN.length];
    const [expected, nextCount, nextDown] = counterModel(input, count, down);
    const r = machine.step(input);
    if (!r.ok || r.output !== expected) throw new Error(`counterV3 answered ${JSON.stringify(r)} to ${input}, expected ${expected}`);
    [count, down] = [nextCount, nextDown];
  }
  machine.setState([0n, false]);
  let wrong = 0;
  let items = 0;
  const rate = measure((i) => {
    const r = machine.step(PATTERN[i % PATTERN.length]);
    if (!r.ok) wrong++;
    items++;
  });
  // The pattern returns to (0, False) at every reset; check the state where the run stopped against the model.
  count = 0n;
  down = false;
  for (let k = 0; k < items; k++) [, count, down] = counterModel(PATTERN[k % PATTERN.length], count, down);
  const state = machine.getState() as readonly [bigint, boolean];
  if (wrong > 0 || state[0] !== count || state[1] !== down) throw new Error(`counterV3 went wrong: ${wrong} failed items, state ${state}, expected (${count}, ${down})`);
  console.log(`counterV3   ${(rate / 1e6).toFixed(3)} M items/s   (Read + Case + Show per item, ${items} items checked)`);
}

// ---------------------------------------------------------------------------
// sumLoop: an Unleft loop of 1000 iterations per item.

const I2 = pair(Int, Int);
const pipe = (...terms: Term[]): Term => terms.reduce((acc, t) => mk('Compose', { left: t, right: acc }));
const lit = (n: bigint) => pipe(mk('Consume', {}), mk('Int', { value: n }));
const fanout = (left: Term, right: Term) => mk('Fanout', { left, right });
const sumLoopTerm = mk('Unleft', {
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
  const machine = interpreter.load({ typed: typed(sumLoopTerm, Unit, Int), stateType: Unit, initialState: null });
  let wrong = 0;
  const rate = measure(() => {
    const r = machine.step(n as Value);
    if (!r.ok || r.output !== expected) wrong++;
  });
  if (wrong > 0) throw new Error(`sumLoop answered wrongly ${wrong} times (expected ${expected})`);
  const steps = Number(n) + 2;
  console.log(`sumLoop     ${(rate / 1e3).toFixed(2)} k items/s = ${((rate * steps) / 1e6).toFixed(2)} M Unleft steps/s   (${steps} steps per item)`);
}

/** Prints both figures; throws if an answer is wrong. */
export function interpStep(): void {
  counterV3();
  sumLoop();
}

// Run directly (node bin/run-ts.mjs benchmarks/interp-step.ts), or imported by a driver that calls interpStep().
// tsx may add a query to the module URL, so compare without it.
if (process.argv[1] !== undefined && import.meta.url.split('?')[0] === pathToFileURL(resolve(process.argv[1])).href) interpStep();
