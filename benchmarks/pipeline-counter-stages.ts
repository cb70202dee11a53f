// In-process pipeline throughput: 1, 2, 3 and 4 counter stages in a row,
// on the Wasm engine and on the interpreter, each beside the raw ceiling of
// the same topology (same threads, same rings, stages that forward items
// untouched) measured in the same run.
//
//   oneStagePipeline     main ─ring─► [counter] ─ring─► main                                   2 threads
//   twoStagePipeline     main ─ring─► [counter] ─ring─► [counter2] ─ring─► main                3 threads
//   threeStagePipeline   main ─ring─► [counter] ─► [counter2] ─► [counter3] ─ring─► main       4 threads
//   fourStagePipeline    main ─ring─► [counter] ─► … ─► [counter4] ─ring─► main                5 threads
//
// The main thread is both the source (pre-encoded items straight into ring 0)
// and the sink (reads the last ring); it never blocks (Atomics.waitAsync).
// Items: "Right ()" (increment) with a "Left ()" (read) every 1000th. Stage 1
// answers a read with "Left n", which the next counter cannot read: an item
// error that travels on untouched. Every reply is checked against that model
// (itself checked against the interpreter run stage by stage on a prefix), so
// a fast wrong run never counts.
//
// Run: node bin/run-ts.mjs benchmarks/pipeline-counter-stages.ts [items per run, default 400000] [runs, default 3]

import { readdirSync, readFileSync } from 'node:fs';
import type { EngineName } from '../compiler/engine.ts';
import { interpreter } from '../compiler/interpret.ts';
import { decodeValue, encodeValue } from '../compiler/layout.ts';
import { checkPipeline, type PipelineSpec } from '../compiler/pipeline.ts';
import { Str } from '../compiler/types.ts';
import type { Value } from '../compiler/values.ts';
import { counterV1Pipeline } from '../examples/counter/index.ts';
import { decodeItemError, HEADER_BYTES, MSG_DONE, MSG_ITEM, MSG_ITEM_ERROR, readKind, readRequest, writeHeader } from '../runtime/envelope.ts';
import { deployPipeline, type RunningPipeline } from '../runtime/pipeline.ts';
import type { StageEngine } from '../runtime/stage-worker.ts';
import { SLEEP_TIMEOUT_MS, sleepOnce } from '../runtime/wait.ts';

const ITEMS = Number(process.argv[2] ?? 400_000);
const RUNS = Number(process.argv[3] ?? 3);
const READ_EVERY = 1000;
/** Ring size: the runtime's default unless RING_BYTES is set. */
const RING_BYTES = process.env.RING_BYTES === undefined ? undefined : Number(process.env.RING_BYTES);
/** Checks of an empty input before a stage sleeps: the runtime's default unless SPINS is set. */
const SPINS = process.env.SPINS === undefined ? undefined : Number(process.env.SPINS);

/** n counter stages named counter, counter2, … */
function counters(n: number): PipelineSpec {
  const stage = counterV1Pipeline.spec.stages[0];
  return { stages: Array.from({ length: n }, (_, i) => ({ ...stage, name: i === 0 ? 'counter' : `counter${i + 1}` })) };
}

const isRead = (i: number) => i % READ_EVERY === READ_EVERY - 1;
const INCR = encodeValue(Str, 'Right ()');
const READ = encodeValue(Str, 'Left ()');

type Reply = { ok: true; output: string } | { ok: false; stage: string };

/** The model: what item i's reply is after `stages` counters (or the item itself, passed through). */
function expected(i: number, stages: number, passthrough: boolean): Reply {
  if (passthrough) return { ok: true, output: isRead(i) ? 'Left ()' : 'Right ()' };
  if (!isRead(i)) return { ok: true, output: 'Right ()' };
  const increments = i - Math.floor(i / READ_EVERY);
  return stages === 1 ? { ok: true, output: `Left ${increments}` } : { ok: false, stage: 'counter2' };
}

/** Checks the model against the interpreter run stage by stage. */
function checkModel(stages: number, items: number): void {
  const checked = checkPipeline(counters(stages));
  if (!checked.ok) throw new Error('benchmark pipeline does not check');
  const machines = checked.stages.map((s) => interpreter.load({ typed: s.typed, stateType: s.spec.stateType, initialState: s.spec.initialState }));
  for (let i = 0; i < items; i++) {
    let value: Value = isRead(i) ? 'Left ()' : 'Right ()';
    let reply: Reply | undefined;
    for (let s = 0; s < machines.length && !reply; s++) {
      const r = machines[s].step(value);
      if (!r.ok) reply = { ok: false, stage: checked.stages[s].spec.name };
      else value = r.output;
    }
    reply ??= { ok: true, output: value as string };
    const want = expected(i, stages, false);
    if (JSON.stringify(reply) !== JSON.stringify(want)) throw new Error(`model is wrong at item ${i}: ${JSON.stringify(reply)} vs ${JSON.stringify(want)}`);
  }
}

/**
 * CPU time of every thread of this process so far, in clock ticks (Linux
 * /proc; 0 elsewhere). Unlike wall-clock throughput it barely moves when
 * other work shares the machine, so it shows what each item costs.
 */
function cpuTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    }
  } catch {
    // Not Linux: no figure.
  }
  return ticks;
}

/** Ticks used between two snapshots by the threads alive at both (Done is sent after the snapshot, so the stages still are). */
function ticksBetween(before: Map<string, number>, after: Map<string, number>): number {
  let sum = 0;
  for (const [tid, t] of after) sum += t - (before.get(tid) ?? 0);
  return sum;
}
const TICK_NS = 1e7;

interface Run {
  readonly perSecond: number;
  /** CPU of all threads (main, stages, V8's helpers) per item, ns. */
  readonly cpuPerItem: number;
}

/** Pushes ITEMS items and Done through, checks every reply; returns items per second and CPU per item. */
async function drive(p: RunningPipeline, stages: number): Promise<Run> {
  const passthrough = p.engine === 'passthrough';
  const w = p.writer;
  const r = p.reader;
  const outputSlot = r.sleepSlot();
  const roomSlot = w.sleepSlot();
  // One pending sleep per ring at a time: wake on replies or on room for more items, whichever comes first.
  let waitingForOutput: Promise<void> | null = null;
  let waitingForRoom: Promise<void> | null = null;
  let sent = 0;
  let received = 0;
  let done = false;
  let doneSent = false;
  let seconds = 0;
  let cpuPerItem = 0;
  const ticks0 = cpuTicks();
  const t0 = performance.now();
  while (!done) {
    let progress = false;
    while (sent < ITEMS) {
      const body = isRead(sent) ? READ : INCR;
      const o = w.reserve(HEADER_BYTES + body.length);
      if (o < 0) break;
      writeHeader(w.view, o, MSG_ITEM, 1, sent);
      w.bytes.set(body, o + HEADER_BYTES);
      w.commit();
      sent++;
      progress = true;
    }
    // Done goes in once every reply is back, so every stage is still alive for the CPU snapshot.
    if (received === ITEMS && !doneSent) {
      seconds = (performance.now() - t0) / 1000;
      cpuPerItem = (ticksBetween(ticks0, cpuTicks()) * TICK_NS) / ITEMS;
      const o = w.reserve(HEADER_BYTES);
      if (o >= 0) {
        writeHeader(w.view, o, MSG_DONE, 0, 0);
        w.commit();
        doneSent = true;
      }
    }
    w.publish();
    for (;;) {
      const length = r.next();
      if (length < 0) break;
      const at = r.offset;
      const kind = readKind(r.view, at);
      if (kind === MSG_DONE) {
        done = true;
        r.advance();
        break;
      }
      const i = readRequest(r.view, at);
      if (i !== received) throw new Error(`reply ${received} is for item ${i}`);
      const want = expected(i, stages, passthrough);
      if (want.ok) {
        if (kind !== MSG_ITEM) throw new Error(`item ${i}: expected an item, got kind ${kind}`);
        // Decoding every reply would cost more than the stages: check the reads in full, the rest by length.
        if (isRead(i) ? decodeValue(Str, r.bytes.slice(at + HEADER_BYTES, at + length)) !== want.output : length !== HEADER_BYTES + 4 + want.output.length) {
          throw new Error(`item ${i}: wrong output`);
        }
      } else if (kind !== MSG_ITEM_ERROR || decodeItemError(r.bytes, at + HEADER_BYTES, at + length).stage !== want.stage) {
        throw new Error(`item ${i}: expected an error from ${want.stage}`);
      }
      received++;
      r.advance();
      progress = true;
    }
    r.publish();
    if (!progress) {
      waitingForOutput ??= sleepOnce(outputSlot, SLEEP_TIMEOUT_MS).then(() => {
        waitingForOutput = null;
      });
      if (!doneSent) {
        waitingForRoom ??= sleepOnce(roomSlot, SLEEP_TIMEOUT_MS).then(() => {
          waitingForRoom = null;
        });
      }
      await Promise.race(waitingForRoom === null ? [waitingForOutput] : [waitingForOutput, waitingForRoom]);
    }
  }
  if (received !== ITEMS) throw new Error(`received ${received} of ${ITEMS}`);
  await p.finished;
  return { perSecond: ITEMS / seconds, cpuPerItem };
}

/** The fastest of RUNS runs, and the least CPU per item seen. */
async function measure(stages: number, engine: StageEngine): Promise<Run> {
  let perSecond = 0;
  let cpuPerItem = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const p = await deployPipeline(counters(stages), { engine, ringBytes: RING_BYTES, spins: SPINS });
    const r = await drive(p, stages);
    perSecond = Math.max(perSecond, r.perSecond);
    cpuPerItem = Math.min(cpuPerItem, r.cpuPerItem);
  }
  return { perSecond, cpuPerItem };
}

const fmt = (x: number) => (x / 1e6).toFixed(2).padStart(6);
const ns = (x: number) => x.toFixed(0).padStart(5);
const NAMES = ['oneStagePipeline', 'twoStagePipeline', 'threeStagePipeline', 'fourStagePipeline'];

async function main(): Promise<void> {
  for (let s = 1; s <= 4; s++) checkModel(s, 3 * READ_EVERY);
  console.log(`items per run ${ITEMS}, best of ${RUNS} runs; M items/s, the ratio to the raw ceiling of the same topology,`);
  console.log('and CPU ns per item summed over all threads (main, stages, V8 helpers)');
  console.log('topology              threads   ceiling        wasm (ratio)      interp (ratio)   cpu/item: ceiling  wasm  interp');
  const rows: Array<{ name: string; ratios: Record<EngineName, number> }> = [];
  for (let s = 1; s <= 4; s++) {
    // One after another in one run, so machine noise hits all three alike.
    const ceiling = await measure(s, 'passthrough');
    const wasm = await measure(s, 'wasm');
    const interp = await measure(s, 'interp');
    const ratio = (r: Run) => (r.perSecond / ceiling.perSecond).toFixed(2);
    console.log(
      `${NAMES[s - 1].padEnd(20)}  ${String(s + 1).padStart(7)}   ${fmt(ceiling.perSecond)}      ${fmt(wasm.perSecond)} (${ratio(wasm)})    ${fmt(interp.perSecond)} (${ratio(interp)})           ${ns(ceiling.cpuPerItem)} ${ns(wasm.cpuPerItem)}   ${ns(interp.cpuPerItem)}`,
    );
    rows.push({ name: NAMES[s - 1], ratios: { wasm: wasm.perSecond / ceiling.perSecond, interp: interp.perSecond / ceiling.perSecond } });
  }
  const below = rows.filter((r) => r.ratios.wasm < 0.5);
  console.log(below.length === 0 ? 'target met: every Wasm pipeline >= 50% of its ceiling' : `below the 50% target: ${below.map((r) => r.name).join(', ')}`);
}

await main();
