// One pipeline stage on its own worker thread: a machine between two rings.
//
//   ring in ──► [ StageController: take the next message, step the machine ] ──► ring out
//   Item(7, 3, "Left ()")   =>  Item(7, 3, "Left 0")                 (machine.stepEncoded)
//   Item(7, 4, "nonsense")  =>  ItemError(7, 4, READ_NO_PARSE, …)     (state unchanged)
//   ItemError / UpgradeResult   forwarded untouched
//   Done                        forwarded, then the thread ends
//
// Started by runtime/pipeline.ts through the worker.mjs bootstrap with
// `runStage(data)`. The worker loads its own engine and its own machine, so
// each stage keeps its state in memory of its own (a Wasm instance's memory,
// or the interpreter's heap in this thread). The loop blocks in the wait
// strategy when its input is empty or its output is full; that is why it
// runs on a worker and never on the main thread.

import { parentPort } from 'node:worker_threads';
import type { Engine, EngineName, ItemError, Machine } from '../compiler/engine.ts';
import { stageFromJson } from '../compiler/pipeline.ts';
import { typecheck } from '../compiler/typecheck.ts';
import type { Json } from '../compiler/values.ts';
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
import { Ring, RingReader, RingWriter, type SharedRing } from './ring.ts';
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
}

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

/** The worker's entry point: loads the machine, says `ready`, then runs until Done. */
export async function runStage(data: StageWorkerData): Promise<StageReport> {
  const spec = stageFromJson(data.stage, `stage ${data.index}`);
  let machine: Machine | null = null;
  if (data.engine !== 'passthrough') {
    const checked = typecheck(spec.term, { state: spec.stateType, input: spec.inputType, output: spec.outputType });
    if (!checked.ok) throw new Error(`stage ${spec.name}: does not typecheck (${checked.error.code})`);
    const engine = await engineNamed(data.engine);
    machine = engine.load({ typed: checked.typed, stateType: spec.stateType, initialState: spec.initialState, fuel: data.fuel });
  }
  const controller = new StageController(
    spec.name,
    machine,
    new RingReader(Ring.attach(data.input)),
    new RingWriter(Ring.attach(data.output)),
    new SpinThenSleep(data.spins),
  );
  parentPort?.postMessage({ kind: 'ready', index: data.index });
  return controller.run();
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

  constructor(
    readonly name: string,
    private machine: Machine | null,
    private readonly input: RingReader,
    private readonly output: RingWriter,
    private readonly wait: BlockingWait,
  ) {}

  run(): StageReport {
    const input = this.input;
    for (;;) {
      const length = input.next();
      if (length < 0) {
        // Nothing to do: make everything so far visible downstream and free upstream, then sleep.
        this.output.publish();
        input.publish();
        this.sleeps++;
        this.wait.wait(input.sleepSlot());
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
    const input = this.input;
    let result: ReturnType<Machine['stepEncoded']>;
    try {
      result = machine.stepEncoded(input.bytes.subarray(at + HEADER_BYTES, at + length));
    } catch (e) {
      // Engines do not throw for item errors; anything thrown is a fault in this item alone.
      result = { ok: false, error: { code: 'TRAP', message: `${(e as Error).name}: ${(e as Error).message}` } };
    }
    if (!result.ok) return this.fail(at, result.error);
    const out = result.output;
    if (HEADER_BYTES + out.length > this.output.maxRecord) {
      return this.fail(at, { code: 'TRAP', message: `output of ${out.length} bytes is larger than a ring record (${this.output.maxRecord - HEADER_BYTES} bytes)` });
    }
    const o = this.reserve(HEADER_BYTES + out.length);
    this.copyIds(at, o);
    this.output.view.setUint32(o, MSG_ITEM, true);
    this.output.bytes.set(out, o + HEADER_BYTES);
    this.output.commit();
  }

  private fail(at: number, error: ItemError): void {
    this.itemErrors++;
    const body = encodeItemError({ code: error.code, message: error.message, stage: this.name });
    const o = this.reserve(HEADER_BYTES + body.length);
    this.copyIds(at, o);
    this.output.view.setUint32(o, MSG_ITEM_ERROR, true);
    this.output.bytes.set(body, o + HEADER_BYTES);
    this.output.commit();
  }

  /** Live upgrades are not implemented yet: the stage named answers that it cannot, in order; other stages pass the request on. */
  private upgrade(at: number, length: number): void {
    const request = decodeUpgrade(this.input.bytes, at + HEADER_BYTES, at + length);
    if (request.stage !== this.name) return this.forward(at, length);
    const body = encodeUpgradeResult({ ok: false, reason: 'live upgrades are not supported by this runtime yet', stage: this.name });
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
