// Deploying a pipeline: one worker thread per stage, a ring between neighbours.
//
//   const p = await deployPipeline(counterV1Pipeline.spec, { engine: 'wasm' })
//
//   main thread ──ring 0──► [counter] ──ring 1──► main thread          (1 stage: 2 threads)
//   main thread ──ring 0──► [a] ──ring 1──► [b] ──ring 2──► main       (2 stages: 3 threads)
//
// The main thread is the producer of ring 0 (`p.writer`) and the consumer of
// the last ring (`p.reader`); runtime/front.ts drives both. An empty pipeline
// (IdP) is one ring the main thread writes and reads itself. The spec is
// checked as a whole first (every stage's term at its declared types, unique
// names, each output type the next stage's input type), so a deployment
// either starts every stage or none.

import type { MessagePort } from 'node:worker_threads';
import type { EngineName } from '../compiler/engine.ts';
import { checkPipeline, formatPipelineErrors, type PipelineSpec, stageToJson } from '../compiler/pipeline.ts';
import type { Type } from '../compiler/types.ts';
import { Ring, RingReader, RingWriter } from './ring.ts';
import type { StageEngine, StageReport, StageWorkerData } from './stage-worker.ts';
import { spawn, type Thread } from './threads.ts';
import { controlBytes } from './upgrade-protocol.ts';
import { type AsyncWait, SleepAsync } from './wait.ts';

const STAGE_WORKER = new URL('./stage-worker.ts', import.meta.url);

export interface DeployOptions {
  /** `wasm`, `interp`, or `passthrough` (no machines: the raw ceiling of the topology). */
  readonly engine: StageEngine;
  /** Data bytes of each ring (a power of two). Default 1 MiB. */
  readonly ringBytes?: number;
  /** Fuel per item for every stage. */
  readonly fuel?: number;
  /** Checks of an empty input before a stage sleeps. */
  readonly spins?: number;
  /** Fuel of a state migration during a live upgrade (default DEFAULT_MIGRATION_FUEL). */
  readonly migrationFuel?: number;
}

/** What the upgrade coordinator needs to reach the stages: the shared control block and one port per stage. */
export interface PipelineControl {
  /** runtime/upgrade-protocol.ts describes its words. */
  readonly words: Int32Array;
  /** The coordinator's end of each stage's control channel, in pipeline order (unref'd: they never keep the process alive). */
  readonly ports: readonly MessagePort[];
}

export const DEFAULT_RING_BYTES = 1 << 20;

export class PipelineCheckError extends Error {
  override name = 'PipelineCheckError';
}

/** A deployed pipeline: its rings' main-thread ends and its stage threads. */
export class RunningPipeline {
  /** The main thread's end of ring 0: only the main thread may write. */
  readonly writer: RingWriter;
  /** The main thread's end of the last ring: only the main thread may read. */
  readonly reader: RingReader;
  /** Every stage's report, once each has forwarded Done and exited. */
  readonly finished: Promise<StageReport[]>;
  private readonly sleepAsync: AsyncWait = new SleepAsync();

  constructor(
    readonly input: Type,
    readonly output: Type,
    readonly stageNames: readonly string[],
    readonly engine: StageEngine,
    readonly rings: readonly Ring[],
    readonly threads: ReadonlyArray<Thread<StageReport>>,
    /** Null when the stages run no machines (passthrough). */
    readonly control: PipelineControl | null = null,
  ) {
    this.writer = new RingWriter(rings[0]);
    this.reader = new RingReader(rings[rings.length - 1]);
    this.finished = Promise.all(threads.map((t) => t.result));
  }

  /** Threads this pipeline runs, the main thread included. */
  get threadCount(): number {
    return this.threads.length + 1;
  }

  /** Resolves once ring 0 has room for the record the last failed `writer.reserve` wanted. Never blocks the thread. */
  waitForRoom(): Promise<void> {
    return this.sleepAsync.wait(this.writer.sleepSlot());
  }

  /** Resolves once the last ring holds a message. Never blocks the thread. */
  waitForOutput(): Promise<void> {
    return this.sleepAsync.wait(this.reader.sleepSlot());
  }

  /** Stops every stage at once, whatever is in flight (for failures; a clean stop sends Done through the rings). */
  async terminate(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}

/** Checks the spec, starts one worker per stage and resolves once every stage has loaded its machine. */
export async function deployPipeline(spec: PipelineSpec, options: DeployOptions): Promise<RunningPipeline> {
  const checked = checkPipeline(spec);
  if (!checked.ok) throw new PipelineCheckError(formatPipelineErrors(checked.errors));
  const capacity = options.ringBytes ?? DEFAULT_RING_BYTES;
  const rings = Array.from({ length: spec.stages.length + 1 }, () => Ring.create(capacity));
  const threads: Array<Thread<StageReport>> = [];
  const ready: Array<Promise<void>> = [];
  const control = new SharedArrayBuffer(controlBytes(spec.stages.length));
  const ports: MessagePort[] = [];
  spec.stages.forEach((stage, index) => {
    const data: StageWorkerData = {
      index,
      stage: stageToJson(stage),
      engine: options.engine,
      fuel: options.fuel,
      input: rings[index].shared(),
      output: rings[index + 1].shared(),
      spins: options.spins ?? 2000,
      control,
      migrationFuel: options.migrationFuel,
    };
    // binaryen is large: imported natively it loads in about a second, through tsx in ten (worker.mjs).
    const preload = options.engine === 'wasm' ? ['binaryen'] : [];
    const thread = spawn<StageReport>(STAGE_WORKER, 'runStage', data, `stage ${stage.name}`, preload);
    threads.push(thread);
    ready.push(
      new Promise<void>((resolve, reject) => {
        thread.worker.on('message', (m: { kind?: string; control?: MessagePort }) => {
          if (m?.kind !== 'ready') return;
          if (m.control !== undefined) {
            m.control.unref();
            ports[index] = m.control;
          }
          resolve();
        });
        thread.result.then(() => reject(new Error(`stage ${stage.name} ended before it was ready`)), reject);
      }),
    );
  });
  try {
    await Promise.all(ready);
  } catch (e) {
    await Promise.all(threads.map((t) => t.worker.terminate()));
    throw new Error(`could not start the pipeline: ${(e as Error).message}`);
  }
  const upgradable = options.engine !== 'passthrough' && spec.stages.length > 0;
  return new RunningPipeline(
    checked.input,
    checked.output,
    spec.stages.map((s) => s.name),
    options.engine,
    rings,
    threads,
    upgradable ? { words: new Int32Array(control), ports } : null,
  );
}

export type { EngineName };
