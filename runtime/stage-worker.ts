// One pipeline stage on its own worker thread: a machine between two rings.
//
//   ring in ──► [ StageController: take the next message, step the machine ] ──► ring out
//   Item(7, 3, "Left ()")   =>  Item(7, 3, "Left 0")                 (machine.stepBytes)
//   Item(7, 4, "nonsense")  =>  ItemError(7, 4, READ_NO_PARSE, …)     (state unchanged)
//   ItemError / UpgradeResult   forwarded untouched
//   Upgrade (a cut naming this stage)  migrate, install or keep, see runtime/stage-upgrade.ts
//   Done                        forwarded, then the thread ends
//
// Started by runtime/pipeline.ts through the worker.mjs bootstrap with
// `runStage(data)`. The worker loads its own engine and its own machine, so
// each stage keeps its state in memory of its own (a Wasm instance's memory,
// or the interpreter's heap in this thread). The loop blocks in the wait
// strategy when its input is empty or its output is full; that is why it
// runs on a worker and never on the main thread.

import { MessageChannel, parentPort } from 'node:worker_threads';
import type { Engine, EngineName, ItemError, Machine, MachineSpec } from '../compiler/engine.ts';
import { stageFromJson } from '../compiler/pipeline.ts';
import { typecheck } from '../compiler/typecheck.ts';
import type { Json } from '../compiler/values.ts';
import type { CompiledModule } from '../compiler/wasm-engine.ts';
import {
  decodeUpgrade,
  encodeItemError,
  encodeUpgradeResult,
  HEADER_BYTES,
  MSG_DONE,
  MSG_ITEM,
  MSG_ITEM_ERROR,
  MSG_UPGRADE,
  MSG_UPGRADE_RESULT,
  readKind,
} from './envelope.ts';
import { Ring, RingReader, RingWriter, type SharedRing, type SleepSlot } from './ring.ts';
import { type Installed, type StageLoader, StageUpgrades } from './stage-upgrade.ts';
import { cutFromData } from './upgrade-protocol.ts';
import { type BlockingWait, SpinThenSleep } from './wait.ts';

/** `passthrough` forwards items untouched: the raw ceiling of a topology, same threads and rings, no machine. */
export type StageEngine = EngineName | 'passthrough';

export interface StageWorkerData {
  readonly index: number;
  /** The stage in its JSON form (compiler/pipeline.ts stageToJson). */
  readonly stage: Json;
  readonly engine: StageEngine;
  readonly fuel?: number;
  readonly input: SharedRing;
  readonly output: SharedRing;
  /** Checks of the input before sleeping (SpinThenSleep). */
  readonly spins: number;
  /** The pipeline's upgrade control block (runtime/upgrade-protocol.ts). */
  readonly control?: SharedArrayBuffer;
  /** Fuel of a state migration (one run over the whole state). */
  readonly migrationFuel?: number;
}

/** Fuel of a state migration unless configured: enough for one pass over tens of millions of entries. */
export const DEFAULT_MIGRATION_FUEL = 100_000_000;

export interface StageReport {
  readonly name: string;
  readonly items: number;
  readonly itemErrors: number;
  readonly forwarded: number;
  readonly sleeps: number;
}

/** The engines a stage can run on, loaded on first use in this thread. */
export async function engineNamed(name: EngineName): Promise<Engine> {
  switch (name) {
    case 'interp':
      return (await import('../compiler/interpret.ts')).interpreter;
    case 'wasm':
      return (await import('../compiler/wasm-engine.ts')).wasmEngine;
    default:
      throw new Error(`unknown engine ${JSON.stringify(name satisfies never)}`);
  }
}

/**
 * How a stage loads a machine the coordinator compiled: the Wasm engine
 * instantiates the posted module (this thread never compiles during an
 * upgrade), the interpreter builds its closures from the typed term.
 */
async function stageLoader(name: EngineName): Promise<StageLoader> {
  switch (name) {
    case 'interp': {
      const engine = await engineNamed('interp');
      return { engine: name, load: (spec: MachineSpec) => engine.load(spec) };
    }
    case 'wasm': {
      const { instantiateMachine, wasmEngine } = await import('../compiler/wasm-engine.ts');
      return {
        engine: name,
        load: (spec: MachineSpec, compiled: CompiledModule | null) => {
          if (compiled === null) return wasmEngine.load(spec);
          const types = { stateType: spec.stateType, inputType: spec.typed.input, outputType: spec.typed.output };
          return instantiateMachine(compiled, { ...types, initialState: spec.initialState, fuel: spec.fuel });
        },
      };
    }
    default:
      throw new Error(`unknown engine ${JSON.stringify(name satisfies never)}`);
  }
}

/** The worker's entry point: loads the machine, says `ready` (handing over its control port), then runs until Done. */
export async function runStage(data: StageWorkerData): Promise<StageReport> {
  const { name, installed } = await loadStage(data);
  // The stage's JSON form holds its whole initial state and would stay reachable from workerData
  // for the life of the thread: every major collection of this thread's heap would walk it
  // (a million-entry map costs hundreds of ms per collection, and Wasm memory growth triggers
  // collections). Everything needed from it has been loaded.
  (data as { stage: Json | null }).stage = null;
  let upgrades: StageUpgrades | null = null;
  const channel = new MessageChannel();
  if (installed !== null && data.control !== undefined && data.engine !== 'passthrough') {
    const loader = await stageLoader(data.engine);
    upgrades = new StageUpgrades(data.index, name, loader, channel.port1, new Int32Array(data.control), data.fuel, data.migrationFuel ?? DEFAULT_MIGRATION_FUEL);
  }
  const controller = new StageController(
    name,
    installed,
    new RingReader(Ring.attach(data.input)),
    new RingWriter(Ring.attach(data.output)),
    new SpinThenSleep(data.spins),
    data.index,
    upgrades,
  );
  parentPort?.postMessage({ kind: 'ready', index: data.index, control: channel.port2 }, [channel.port2]);
  return controller.run();
}

/** Parses the stage and loads its machine; the parsed stage (with its initial state) is not kept past this call. */
async function loadStage(data: StageWorkerData): Promise<{ readonly name: string; readonly installed: Installed | null }> {
  const spec = stageFromJson(data.stage, `stage ${data.index}`);
  if (data.engine === 'passthrough') return { name: spec.name, installed: null };
  const checked = typecheck(spec.term, { state: spec.stateType, input: spec.inputType, output: spec.outputType });
  if (!checked.ok) throw new Error(`stage ${spec.name}: does not typecheck (${checked.error.code})`);
  const engine = await engineNamed(data.engine);
  return { name: spec.name, installed: { machine: engine.load({ typed: checked.typed, stateType: spec.stateType, initialState: spec.initialState, fuel: data.fuel }), stateType: spec.stateType } };
}

/**
 * Takes messages one at a time from the input ring and answers each on the
 * output ring. `run` is the one place where the next message is taken, so a
 * machine can be swapped there, between two messages.
 */
export class StageController {
  private items = 0;
  private itemErrors = 0;
  private forwarded = 0;
  private sleeps = 0;
  private machine: Machine | null;
  /** Wakes the idle loop when either a record arrives or the coordinator posts (upgrades, probes). */
  private readonly idleSlot: SleepSlot;

  constructor(
    readonly name: string,
    private installed: Installed | null,
    private readonly input: RingReader,
    private readonly output: RingWriter,
    private readonly wait: BlockingWait,
    readonly index = 0,
    private readonly upgrades: StageUpgrades | null = null,
  ) {
    this.machine = installed?.machine ?? null;
    const slot = input.sleepSlot();
    this.idleSlot = upgrades === null ? slot : { words: slot.words, word: slot.word, flag: slot.flag, ready: () => slot.ready() || upgrades.pending() };
  }

  run(): StageReport {
    const input = this.input;
    const upgrades = this.upgrades;
    for (;;) {
      // Between two messages: prepare posted upgrades now, so the cut itself only migrates.
      if (upgrades !== null && upgrades.pending()) upgrades.poll(this.installed);
      const length = input.next();
      if (length < 0) {
        // Nothing to do: make everything so far visible downstream and free upstream, then sleep.
        this.output.publish();
        input.publish();
        this.sleeps++;
        this.wait.wait(this.idleSlot);
        continue;
      }
      const at = input.offset;
      const kind = readKind(input.view, at);
      switch (kind) {
        case MSG_ITEM:
          this.item(at, length);
          break;
        case MSG_ITEM_ERROR:
        case MSG_UPGRADE_RESULT:
          this.forward(at, length);
          break;
        case MSG_UPGRADE:
          this.upgrade(at, length);
          break;
        case MSG_DONE:
          this.forward(at, length);
          input.advance();
          input.publish();
          this.output.publish();
          return { name: this.name, items: this.items, itemErrors: this.itemErrors, forwarded: this.forwarded, sleeps: this.sleeps };
        default:
          throw new Error(`stage ${this.name}: unknown message kind ${kind satisfies never}`);
      }
      input.advance();
    }
  }

  private item(at: number, length: number): void {
    const machine = this.machine;
    if (machine === null) return this.forward(at, length);
    this.items++;
    this.upgrades?.noteItem();
    let result: number | ItemError;
    try {
      result = machine.stepBytes(this.input.bytes, at + HEADER_BYTES, at + length);
    } catch (e) {
      // Engines do not throw for item errors; anything thrown is a fault in this item alone.
      result = { code: 'TRAP', message: `${(e as Error).name}: ${(e as Error).message}` };
    }
    if (typeof result !== 'number') return this.fail(at, result);
    if (HEADER_BYTES + result > this.output.maxRecord) {
      return this.fail(at, { code: 'TRAP', message: `output of ${result} bytes is larger than a ring record (${this.output.maxRecord - HEADER_BYTES} bytes)` });
    }
    // The output stays in the machine until its next call; nothing below calls it.
    const o = this.reserve(HEADER_BYTES + result);
    this.copyIds(at, o);
    this.output.view.setUint32(o, MSG_ITEM, true);
    machine.copyOutput(this.output.bytes, o + HEADER_BYTES);
    this.output.commit();
  }

  private fail(at: number, error: ItemError): void {
    this.itemErrors++;
    this.upgrades?.noteError();
    const body = encodeItemError({ code: error.code, message: error.message, stage: this.name });
    const o = this.reserve(HEADER_BYTES + body.length);
    this.copyIds(at, o);
    this.output.view.setUint32(o, MSG_ITEM_ERROR, true);
    this.output.bytes.set(body, o + HEADER_BYTES);
    this.output.commit();
  }

  /**
   * An Upgrade is a cut in the stream: every message before it ran on the old
   * machine, every one after it runs on whatever the upgrade decides. A cut
   * naming this stage migrates the state into the prepared machine, keeping
   * the old one; with other stages involved it forwards the cut, reports and
   * waits for the coordinator's verdict (messages behind the cut wait in the
   * input ring; stages downstream still drain what is ahead of it, so nothing
   * deadlocks). The last stage involved answers with the UpgradeResult.
   */
  private upgrade(at: number, length: number): void {
    const request = decodeUpgrade(this.input.bytes, at + HEADER_BYTES, at + length);
    const cut = cutFromData(request.data);
    if (cut === null) {
      // Only the coordinator admits upgrades; anything else here is a bug upstream. Answer it in place.
      return request.stage === this.name ? this.result(at, false, 'malformed upgrade control message', request.stage) : this.forward(at, length);
    }
    if (!cut.stages.includes(this.index)) return this.forward(at, length);
    const last = Math.max(...cut.stages) === this.index;
    const upgrades = this.upgrades;
    const current = this.installed;
    if (upgrades === null || current === null) {
      // The coordinator admits no upgrade into a pipeline without machines; answer rather than hang.
      if (!last) return this.forward(at, length);
      return this.result(at, false, `stage ${JSON.stringify(this.name)} runs no machine that can be upgraded`, request.stage);
    }
    const outcome = upgrades.migrate(cut.attempt, current);
    upgrades.reportMigrated(cut.attempt, outcome);
    let commit = outcome.ok;
    let reason = outcome.ok ? '' : outcome.reason;
    if (cut.stages.length > 1) {
      if (!last) this.forward(at, length);
      // Downstream must see the cut and everything before it while we wait.
      this.output.publish();
      this.input.publish();
      const verdict = upgrades.awaitVerdict(cut.attempt, current);
      commit = verdict.commit && outcome.ok;
      reason = verdict.reason;
    }
    if (commit && outcome.ok) {
      this.installed = outcome.next;
      this.machine = outcome.next.machine;
      upgrades.installed(cut.attempt);
    }
    if (last) this.result(at, commit, reason, request.stage);
  }

  private result(at: number, ok: boolean, reason: string, stage: string): void {
    const body = encodeUpgradeResult({ ok, reason, stage });
    const o = this.reserve(HEADER_BYTES + body.length);
    this.copyIds(at, o);
    this.output.view.setUint32(o, MSG_UPGRADE_RESULT, true);
    this.output.bytes.set(body, o + HEADER_BYTES);
    this.output.commit();
  }

  private forward(at: number, length: number): void {
    this.forwarded++;
    const o = this.reserve(length);
    this.output.bytes.set(this.input.bytes.subarray(at, at + length), o);
    this.output.commit();
  }

  /** Room for a record in the output ring, waiting as long as it takes. Frees what was consumed first, so upstream never waits on us needlessly. */
  private reserve(length: number): number {
    let o = this.output.reserve(length);
    while (o < 0) {
      this.output.publish();
      this.input.publish();
      this.sleeps++;
      this.wait.wait(this.output.sleepSlot());
      o = this.output.reserve(length);
    }
    return o;
  }

  private copyIds(from: number, to: number): void {
    const src = this.input.view;
    const dst = this.output.view;
    dst.setUint32(to + 4, src.getUint32(from + 4, true), true);
    dst.setUint32(to + 8, src.getUint32(from + 8, true), true);
    dst.setUint32(to + 12, src.getUint32(from + 12, true), true);
    dst.setUint32(to + 16, src.getUint32(from + 16, true), true);
  }
}
