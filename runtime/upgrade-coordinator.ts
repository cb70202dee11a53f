// The upgrade coordinator: the main thread's side of live upgrades. It turns
// an upgrade request into one cut in the message stream, or into a refusal
// that changes nothing.
//
//   request (JSON, seed, or a rollback)
//     => planUpgrade / planRollback against the deployed versions     (typechecks; a refusal has a code)
//     => compile every new machine and migration on the compile worker (traffic keeps flowing)
//     => post them to the stages involved; each loads them between two messages ("prepared")
//     => admit one Upgrade envelope into ring 0, in order with the items   (the cut)
//     => stages migrate at the cut; several stages wait for the verdict: commit iff all migrated
//     => the UpgradeResult reaches the sink: record the upgrade, answer the client
//
//   await coordinator.upgrade(upgradeRequestFromJson(json))
//     => { ok: true, id: 3, stages: [{ name: 'counter', version: 2, hash: 'sha256:…' }], timings: {…} }
//     => { ok: false, code: 'UPG_OLD_STATE', stage: 'counter', reason: 'old state type is Int, not Bool' }
//
// One upgrade is in flight at a time: requests queue, and each is planned
// against the versions every earlier one left. The coordinator owns the
// version history; `status`, `history` and automatic rollback read it.
// docs/upgrades.md ("The runtime") describes the protocol and its guarantees.

import { shortHash } from '../compiler/content-hash.ts';
import type { PipelineSpec } from '../compiler/pipeline.ts';
import { termToJson } from '../compiler/terms.ts';
import { showType, type Type, typeToJson, Unit } from '../compiler/types.ts';
import {
  type DeployedStage,
  deployedStage,
  initialVersion,
  planRollback,
  planUpgrade,
  recordUpgrade,
  rollbackTarget,
  type StageVersion,
  type UpgradeErrorCode,
  type UpgradePlan,
  type UpgradePlanOk,
  type UpgradeRecord,
  type UpgradeRequest,
  upgradeRequestFromSeed,
} from '../compiler/upgrade.ts';
import type { Json } from '../compiler/values.ts';
import type { CompiledModule } from '../compiler/wasm-engine.ts';
import { upgradeDataFromJson } from './codec.ts';
import { UpgradeCompiler } from './compile-worker.ts';
import { encodeUpgrade, encodeUpgradeResult, MSG_UPGRADE, MSG_UPGRADE_RESULT, type UpgradeResultBody } from './envelope.ts';
import { CONTROL_CONNECTION, type Front, type InBandUpgrade } from './front.ts';
import type { PipelineControl, RunningPipeline } from './pipeline.ts';
import type { StageEngine } from './stage-worker.ts';
import {
  cutToData,
  ERRORS_SINCE,
  type FromStage,
  INSTALLED,
  ITEM_ERRORS,
  ITEMS,
  type MigratedReport,
  PENDING,
  type PreparedReport,
  type ProbeReport,
  stageBase,
  type ToStage,
  VERDICT,
} from './upgrade-protocol.ts';

/** Refusals the runtime adds to the checks of compiler/upgrade.ts. Codes never change meaning once published. */
export const RUNTIME_UPGRADE_ERRORS = {
  RUN_BAD_REQUEST: 'The request could not be read (not JSON, a wrong shape, an unknown key).',
  RUN_NOT_UPGRADABLE: 'The pipeline runs no machines (the passthrough engine), so it has nothing to upgrade.',
  RUN_EXTERNAL_TYPES: "The upgrade changes the pipeline's input or output type; the clients' protocol stays fixed while the server runs.",
  RUN_COMPILE: 'The server could not compile a new machine or migration.',
  RUN_BUNDLE_MISMATCH: "A prebuilt module sent with the request is not byte-identical to the server's own build of the same terms.",
  RUN_PREPARE: 'A stage could not load the new version.',
  RUN_MIGRATION: 'A state migration failed at the cut (an item error, a trap, out of fuel); every stage kept its old version and its state.',
  RUN_SHUTTING_DOWN: 'The server is shutting down.',
} as const;

export type RuntimeUpgradeErrorCode = keyof typeof RUNTIME_UPGRADE_ERRORS;
export type UpgradeOutcomeCode = UpgradeErrorCode | RuntimeUpgradeErrorCode;

/** Milliseconds spent in each step of an applied upgrade. */
export interface UpgradeTimings {
  readonly planMs: number;
  readonly compileMs: number;
  /** Posting to the stages until every one has loaded the new version. */
  readonly prepareMs: number;
  /** From admission into ring 0 to the UpgradeResult at the sink: the queue ahead of the cut, the migrations, the verdict. */
  readonly cutMs: number;
  /** The slowest stage's migration at the cut (run + load into the new machine): how long that stage held its queue. */
  readonly migrationMs: number;
  /** The slowest stage's loading of the new version (typecheck + instantiate), between two of its messages before the cut. */
  readonly stagePrepareMs: number;
  readonly totalMs: number;
}

export type UpgradeOutcome =
  | {
      readonly ok: true;
      /** The id of the upgrade in the history. */
      readonly id: number;
      readonly rollbackOf?: number;
      readonly stages: ReadonlyArray<{ readonly name: string; readonly version: number; readonly hash: string }>;
      readonly hints: readonly string[];
      readonly timings: UpgradeTimings;
    }
  | { readonly ok: false; readonly code: UpgradeOutcomeCode; readonly stage: string; readonly reason: string };

/** A prebuilt module for one stage (`smwasm build`): accepted only if byte-identical to the server's own build. */
export interface PrebuiltStage {
  readonly stage: string;
  readonly machine?: Uint8Array;
  readonly migration?: Uint8Array;
}

export interface UpgradeCallOptions {
  /** How one-line reasons print types (seed requests: `seed`). */
  readonly typeSyntax?: 'seed' | 'readable';
  readonly prebuilt?: readonly PrebuiltStage[];
}

export interface AutoRollbackPolicy {
  /** Roll back when a freshly upgraded stage fails more than this many items… */
  readonly errors: number;
  /** …within this many seconds of the upgrade. */
  readonly seconds: number;
}

/** Reads `5/10` (ERRORS/SECONDS). */
export function parseAutoRollback(text: string): AutoRollbackPolicy {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (m === null) throw new Error(`--auto-rollback takes ERRORS/SECONDS, e.g. 5/10, not ${JSON.stringify(text)}`);
  const errors = Number(m[1]);
  const seconds = Number(m[2]);
  if (!(seconds > 0)) throw new Error('--auto-rollback: the window must be longer than 0 seconds');
  return { errors, seconds };
}

export interface CoordinatorOptions {
  readonly autoRollback?: AutoRollbackPolicy;
  /** Where the coordinator says what it did on its own (automatic rollbacks). Default: stderr. */
  readonly log?: (line: string) => void;
  /** How long a stage may take to load a new version before the upgrade is refused. */
  readonly prepareTimeoutMs?: number;
}

export interface StageStatus {
  readonly index: number;
  readonly name: string;
  readonly version: number;
  readonly hash: string;
  readonly installedAt: string;
  readonly stateType: string;
  readonly inputType: string;
  readonly outputType: string;
  readonly hasInverse: boolean;
  readonly items: number;
  readonly itemErrors: number;
  /** Bytes of the state in the canonical layout; null when the stage did not answer in time. */
  readonly stateBytes: number | null;
  readonly memoryBytes: number | null;
}

export interface PipelineStatus {
  readonly engine: StageEngine;
  readonly stages: readonly StageStatus[];
  readonly upgrades: number;
  /** The upgrade `rollback` would undo, if any. */
  readonly rollbackTarget: number | null;
}

export interface AutoRollbackEvent {
  readonly upgrade: number;
  readonly stage: string;
  readonly errors: number;
  readonly outcome: UpgradeOutcome | null;
  readonly message: string;
}

/** What the verdict and the sink are waited on for, while one cut is in the stream. */
interface InFlight {
  readonly attempt: number;
  readonly connection: number;
  readonly request: number;
  readonly stages: readonly number[];
  readonly migrated: Map<number, MigratedReport>;
  verdictSent: boolean;
  resolve(result: UpgradeResultBody): void;
}

interface Watch {
  readonly upgrade: number;
  readonly attempt: number;
  readonly stages: ReadonlyArray<{ readonly index: number; readonly name: string }>;
  readonly until: number;
  fired: boolean;
}

/** A client connection waiting in the stream for the answer to its in-band upgrade. */
interface Answer {
  readonly connection: number;
  readonly request: number;
  /** Something answering it is in ring 0 (the cut or a refusal). */
  answered: boolean;
  /** Called once it is: the connection reads on. */
  admitted(): void;
}

type Refusal = Extract<UpgradeOutcome, { ok: false }>;
const refusal = (code: UpgradeOutcomeCode, stage: string, reason: string): Refusal => ({ ok: false, code, stage, reason });

export class UpgradeCoordinator {
  private front: Front | null = null;
  private readonly control: PipelineControl | null;
  private readonly indexOf = new Map<string, number>();
  /** Every stage's versions, oldest first; the last is deployed. */
  private readonly versions: StageVersion[][];
  /** Applied upgrades and rollbacks, in order. */
  private readonly records: UpgradeRecord[] = [];
  private nextRecordId = 1;
  private nextAttempt = 1;
  private nextProbe = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private closing = false;
  private inFlight: InFlight | null = null;
  private readonly preparing = new Map<number, { readonly waiting: Map<number, PreparedReport>; readonly expect: number; done(): void }>();
  private readonly probes = new Map<number, { readonly reports: ProbeReport[]; readonly expect: number; done(): void }>();
  private readonly compiled = new Map<string, Promise<CompiledModule>>();
  private readonly watches: Watch[] = [];
  private watchTimer: NodeJS.Timeout | null = null;
  private readonly log: (line: string) => void;
  /** Automatic rollbacks so far, for tests and status. */
  readonly autoRollbacks: AutoRollbackEvent[] = [];

  private constructor(
    readonly pipeline: RunningPipeline,
    spec: PipelineSpec,
    private readonly compiler: UpgradeCompiler | null,
    private readonly options: CoordinatorOptions,
  ) {
    this.control = pipeline.control;
    const now = new Date().toISOString();
    this.versions = spec.stages.map((s, i) => {
      this.indexOf.set(s.name, i);
      return [initialVersion(s, now)];
    });
    this.log = options.log ?? ((line) => process.stderr.write(`smwasm: ${line}\n`));
    for (const port of this.control?.ports ?? []) {
      port.on('message', (m: FromStage) => this.report(m));
      // A listener refs the port again; the stages' threads keep the process alive, not their ports.
      port.unref();
    }
  }

  /** A coordinator for a deployed pipeline; starts the compile worker when the stages run Wasm. */
  static async start(pipeline: RunningPipeline, spec: PipelineSpec, options: CoordinatorOptions = {}): Promise<UpgradeCoordinator> {
    const compiler = pipeline.engine === 'wasm' && pipeline.control !== null ? await UpgradeCompiler.start() : null;
    return new UpgradeCoordinator(pipeline, spec, compiler, options);
  }

  /** The front whose ring 0 the cuts are admitted into. Call once, before any upgrade. */
  attach(front: Front): void {
    this.front = front;
  }

  // --- entry points ---------------------------------------------------------

  /** An atomic upgrade of one or more stages. */
  upgrade(request: UpgradeRequest, options: UpgradeCallOptions = {}): Promise<UpgradeOutcome> {
    return this.enqueue(() => this.apply(() => planUpgrade(this.deployed(), request, { typeSyntax: options.typeSyntax }), request.stages[0]?.stage ?? '', null, options.prebuilt));
  }

  /** Undoes the latest upgrade as a whole, through the inverse migrations recorded with it, as one new cut. */
  rollback(options: UpgradeCallOptions = {}): Promise<UpgradeOutcome> {
    return this.enqueue(() => this.apply(() => planRollback(this.records, this.deployed(), { typeSyntax: options.typeSyntax }), '', null, undefined));
  }

  /**
   * The front's handler of in-band upgrades (--insecure-upgrades): the cut,
   * or the refusal, is admitted in the place of the client's request, and
   * the client gets its UpgradeSucceeded/UpgradeFailed in order.
   */
  readonly inBand = (u: InBandUpgrade): Promise<void> => {
    return new Promise<void>((resolve) => {
      const answer: Answer = { connection: u.connection, request: u.request, answered: false, admitted: resolve };
      const typeSyntax = u.syntax === 'seed' ? 'seed' : 'readable';
      const settle = async (outcome: UpgradeOutcome | null, error?: Error) => {
        // Whatever happened, the client's request gets exactly one answer in its place.
        if (!answer.answered) {
          const r = outcome !== null && !outcome.ok ? outcome : refusal('RUN_SHUTTING_DOWN', u.stage, error?.message ?? 'the upgrade was not admitted');
          await this.answerRefusal(answer, r, u.stage).catch(() => {});
        }
        resolve();
      };
      let request: UpgradeRequest;
      try {
        request = upgradeRequestFromSeed(u.stage, upgradeDataFromJson(JSON.parse(u.data), 'Upgrade'));
      } catch (e) {
        settle(refusal('RUN_BAD_REQUEST', u.stage, (e as Error).message));
        return;
      }
      this.enqueue(() => this.apply(() => planUpgrade(this.deployed(), request, { typeSyntax }), u.stage, answer, undefined)).then(
        (outcome) => settle(outcome),
        (e: Error) => settle(null, e),
      );
    });
  };

  /** The front's sink hook: an UpgradeResult has come out of the last stage. */
  readonly onUpgradeResult = (connection: number, request: number, result: UpgradeResultBody): void => {
    const f = this.inFlight;
    if (f !== null && f.connection === connection && f.request === request) f.resolve(result);
  };

  /** Stages, versions, hashes, state sizes (asks each stage: a pass over its state). */
  async status(): Promise<PipelineStatus> {
    const sizes = await this.probe();
    const words = this.control?.words ?? null;
    const target = rollbackTarget(this.records);
    return {
      engine: this.pipeline.engine,
      upgrades: this.records.length,
      rollbackTarget: target?.id ?? null,
      stages: this.versions.map((versions, index) => {
        const v = versions[versions.length - 1];
        const base = stageBase(index);
        const probe = sizes.get(index);
        return {
          index,
          name: this.pipeline.stageNames[index],
          version: v.number,
          hash: v.hash,
          installedAt: v.installedAt,
          stateType: showType(v.stateType),
          inputType: showType(v.inputType),
          outputType: showType(v.outputType),
          hasInverse: v.hasInverse,
          items: words === null ? 0 : Atomics.load(words, base + ITEMS) >>> 0,
          itemErrors: words === null ? 0 : Atomics.load(words, base + ITEM_ERRORS) >>> 0,
          stateBytes: probe === undefined || probe.stateBytes < 0 ? null : probe.stateBytes,
          memoryBytes: probe?.memoryBytes ?? null,
        };
      }),
    };
  }

  /** A stage's versions, oldest first; undefined for an unknown stage. */
  history(stage: string): readonly StageVersion[] | undefined {
    const index = this.indexOf.get(stage);
    return index === undefined ? undefined : this.versions[index];
  }

  /** Every applied upgrade and rollback, in order. */
  upgradeRecords(): readonly UpgradeRecord[] {
    return this.records;
  }

  get stageNames(): readonly string[] {
    return this.pipeline.stageNames;
  }

  /** Refuses new requests, lets the one in flight finish, stops watching and the compile worker. */
  async close(): Promise<void> {
    this.closing = true;
    await this.queue.catch(() => {});
    if (this.watchTimer !== null) clearInterval(this.watchTimer);
    this.watchTimer = null;
    for (const port of this.control?.ports ?? []) port.removeAllListeners('message');
    await this.compiler?.close();
  }

  // --- the steps --------------------------------------------------------------

  private enqueue(task: () => Promise<UpgradeOutcome>): Promise<UpgradeOutcome> {
    const run = this.queue.then(() => (this.closing ? refusal('RUN_SHUTTING_DOWN', '', 'the server is shutting down') : task()));
    this.queue = run.catch(() => {});
    return run;
  }

  private deployed(): DeployedStage[] {
    return this.versions.map((v, i) => deployedStage(this.pipeline.stageNames[i], v[v.length - 1]));
  }

  /**
   * Plans, compiles, prepares, admits the cut and waits for its result.
   * `answer`: the client connection waiting in the stream (in-band); its
   * refusals are admitted in its place too, and `admitted` is called once
   * something answering it is in ring 0.
   */
  private async apply(
    plan: () => UpgradePlan,
    replyStage: string,
    answer: Answer | null,
    prebuilt: readonly PrebuiltStage[] | undefined,
  ): Promise<UpgradeOutcome> {
    const refuse = async (r: Refusal): Promise<UpgradeOutcome> => {
      if (answer !== null) await this.answerRefusal(answer, r, replyStage);
      return r;
    };
    const t0 = performance.now();
    if (this.control === null || this.front === null) return refuse(refusal('RUN_NOT_UPGRADABLE', replyStage, 'this pipeline runs no machines that can be upgraded'));
    const planned = plan();
    if (!planned.ok) return refuse(refusal(planned.code, planned.stage, planned.reason));
    if (planned.changesExternalInput || planned.changesExternalOutput) {
      const what = planned.changesExternalInput ? 'input' : 'output';
      return refuse(refusal('RUN_EXTERNAL_TYPES', planned.stages[0].name, `the upgrade changes the pipeline's ${what} type; the protocol clients speak stays fixed while the server runs (${planned.hints.join('; ')})`));
    }
    const replyName = replyStage !== '' ? replyStage : planned.stages[0].name;
    const t1 = performance.now();

    let artifacts: Array<{ machine: CompiledModule | null; migration: CompiledModule | null }>;
    try {
      artifacts = await Promise.all(planned.stages.map(async (p) => ({ machine: await this.compileMachine(p), migration: await this.compileMigration(p) })));
    } catch (e) {
      return refuse(refusal('RUN_COMPILE', replyName, `could not compile the new version: ${(e as Error).message}`));
    }
    const mismatch = checkPrebuilt(planned, artifacts, prebuilt ?? []);
    if (mismatch !== null) return refuse(mismatch);
    const t2 = performance.now();

    const attempt = this.nextAttempt++;
    const { failure: prepared, stagePrepareMs } = await this.prepare(attempt, planned, artifacts);
    const t3 = performance.now();
    if (prepared !== null) {
      for (const p of planned.stages) this.post(p.index, { kind: 'forget', attempt });
      return refuse(refusal('RUN_PREPARE', prepared.stage, prepared.reason));
    }

    const connection = answer?.connection ?? CONTROL_CONNECTION;
    const request = answer?.request ?? attempt;
    const indices = planned.stages.map((p) => p.index);
    const result = new Promise<UpgradeResultBody>((resolve) => {
      this.inFlight = { attempt, connection, request, stages: indices, migrated: new Map(), verdictSent: false, resolve };
    });
    try {
      await this.front.admitControl(MSG_UPGRADE, connection, request, encodeUpgrade({ data: cutToData({ attempt, stages: indices }), stage: replyName }));
    } catch (e) {
      this.inFlight = null;
      for (const p of planned.stages) this.post(p.index, { kind: 'forget', attempt });
      return refusal('RUN_SHUTTING_DOWN', replyName, `the cut could not be admitted: ${(e as Error).message}`);
    }
    if (answer !== null) {
      answer.answered = true;
      answer.admitted();
    }
    const t4 = performance.now();
    const outcome = await result;
    const migrated = this.inFlight?.migrated;
    this.inFlight = null;
    const t5 = performance.now();
    if (!outcome.ok) return refusal('RUN_MIGRATION', replyName, outcome.reason);

    const installedAt = new Date().toISOString();
    const id = this.nextRecordId++;
    const record = recordUpgrade(planned, id, installedAt, (name) => {
      const v = this.versions[this.indexOf.get(name)!];
      return v[v.length - 1];
    });
    this.records.push(record);
    for (const s of record.stages) this.versions[this.indexOf.get(s.name)!].push(s.to);
    if (this.options.autoRollback !== undefined && planned.rollbackOf === undefined) this.watch(id, attempt, planned);
    let migrationMs = 0;
    for (const m of migrated?.values() ?? []) migrationMs = Math.max(migrationMs, m.migrationMs);
    return {
      ok: true,
      id,
      ...(planned.rollbackOf !== undefined ? { rollbackOf: planned.rollbackOf } : {}),
      stages: record.stages.map((s) => ({ name: s.name, version: s.to.number, hash: s.to.hash })),
      hints: planned.hints,
      timings: { planMs: t1 - t0, compileMs: t2 - t1, prepareMs: t3 - t2, cutMs: t5 - t4, migrationMs, stagePrepareMs, totalMs: t5 - t0 },
    };
  }

  /** An in-band refusal travels through the stream in the client's place, so its reply keeps its order. */
  private async answerRefusal(answer: Answer, r: Refusal, replyStage: string): Promise<void> {
    const front = this.front;
    if (front === null) throw new Error('the upgrade coordinator has no front attached');
    answer.answered = true;
    await front.admitControl(MSG_UPGRADE_RESULT, answer.connection, answer.request, encodeUpgradeResult({ ok: false, reason: r.reason, stage: r.stage !== '' ? r.stage : replyStage }));
  }

  private compileMachine(p: UpgradePlanOk['stages'][number]): Promise<CompiledModule | null> {
    return this.compileCached({ term: p.term, state: p.stateType, input: p.inputType, output: p.outputType });
  }

  private compileMigration(p: UpgradePlanOk['stages'][number]): Promise<CompiledModule | null> {
    return this.compileCached({ term: p.migration.term, state: Unit, input: p.previous.stateType, output: p.stateType });
  }

  /** Modules by term and types: an upgrade and its rollback, sent a hundred times, compile once each. */
  private compileCached(job: { term: UpgradePlanOk['stages'][number]['term']; state: Type; input: Type; output: Type }): Promise<CompiledModule | null> {
    const compiler = this.compiler;
    if (compiler === null) return Promise.resolve(null);
    const key = JSON.stringify([termToJson(job.term), typeToJson(job.state), typeToJson(job.input), typeToJson(job.output)]);
    let c = this.compiled.get(key);
    if (c === undefined) {
      c = compiler.compile(job);
      this.compiled.set(key, c);
      c.catch(() => this.compiled.delete(key));
      if (this.compiled.size > COMPILE_CACHE_SIZE) this.compiled.delete(this.compiled.keys().next().value!);
    }
    return c;
  }

  /** Posts the artifacts to each stage and waits until every one has loaded them; the first failure (or null). */
  private async prepare(
    attempt: number,
    plan: UpgradePlanOk,
    artifacts: ReadonlyArray<{ machine: CompiledModule | null; migration: CompiledModule | null }>,
  ): Promise<{ failure: { stage: string; reason: string } | null; stagePrepareMs: number }> {
    const waiting = new Map<number, PreparedReport>();
    const done = new Promise<void>((resolve) => this.preparing.set(attempt, { waiting, expect: plan.stages.length, done: resolve }));
    plan.stages.forEach((p, i) => {
      this.post(p.index, {
        kind: 'prepare',
        attempt,
        machine: {
          term: termToJson(p.term),
          stateType: typeToJson(p.stateType) as Json,
          inputType: typeToJson(p.inputType) as Json,
          outputType: typeToJson(p.outputType) as Json,
          compiled: artifacts[i].machine,
        },
        migration: { term: termToJson(p.migration.term), from: typeToJson(p.previous.stateType) as Json, to: typeToJson(p.stateType) as Json, compiled: artifacts[i].migration },
      });
    });
    const timeoutMs = this.options.prepareTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.preparing.delete(attempt);
    let stagePrepareMs = 0;
    for (const r of waiting.values()) stagePrepareMs = Math.max(stagePrepareMs, r.prepareMs);
    const failed = (stage: string, reason: string) => ({ failure: { stage, reason }, stagePrepareMs });
    for (const p of plan.stages) {
      const r = waiting.get(p.index);
      if (r === undefined) return failed(p.name, `stage ${JSON.stringify(p.name)} did not load the new version within ${timeoutMs} ms`);
      if (!r.ok) return failed(p.name, r.reason);
    }
    if (timedOut) return failed(plan.stages[0].name, 'the stages did not load the new version in time');
    return { failure: null, stagePrepareMs };
  }

  private post(index: number, message: ToStage): void {
    const control = this.control;
    if (control === null) return;
    control.ports[index].postMessage(message);
    // Publishes: the stage has mail; it reads its port before its next message (or within a sleep's timeout).
    Atomics.store(control.words, stageBase(index) + PENDING, 1);
  }

  /** A stage's report. */
  private report(m: FromStage): void {
    switch (m.kind) {
      case 'prepared': {
        const p = this.preparing.get(m.attempt);
        if (p === undefined) return;
        p.waiting.set(m.index, m);
        if (p.waiting.size === p.expect) p.done();
        return;
      }
      case 'migrated': {
        const f = this.inFlight;
        if (f === null || f.attempt !== m.attempt) return;
        f.migrated.set(m.index, m);
        if (f.stages.length > 1 && !f.verdictSent && f.migrated.size === f.stages.length) this.verdict(f);
        return;
      }
      case 'probed': {
        const p = this.probes.get(m.probe);
        if (p === undefined) return;
        p.reports.push(m);
        if (p.reports.length === p.expect) p.done();
        return;
      }
      default:
        throw new Error(`unknown stage report ${(m satisfies never as FromStage).kind}`);
    }
  }

  /** Every stage of a multi-stage cut has migrated: commit iff all succeeded; the reason is the first failure in pipeline order. */
  private verdict(f: InFlight): void {
    f.verdictSent = true;
    const failed = [...f.stages].sort((a, b) => a - b).map((i) => f.migrated.get(i)!).find((m) => !m.ok);
    const commit = failed === undefined;
    const reason = failed === undefined ? '' : failed.reason;
    for (const index of f.stages) this.post(index, { kind: 'verdict', attempt: f.attempt, commit, reason });
    const words = this.control!.words;
    // Publishes: the verdict on this attempt is posted; waiting stages read it from their ports.
    Atomics.store(words, VERDICT, f.attempt);
    Atomics.notify(words, VERDICT);
  }

  /** Each stage's state size (and memory), asked for between two of its messages. */
  private async probe(timeoutMs = 10_000): Promise<Map<number, ProbeReport>> {
    const out = new Map<number, ProbeReport>();
    const control = this.control;
    if (control === null) return out;
    const id = this.nextProbe++;
    const reports: ProbeReport[] = [];
    const done = new Promise<void>((resolve) => this.probes.set(id, { reports, expect: control.ports.length, done: resolve }));
    control.ports.forEach((_, index) => this.post(index, { kind: 'probe', probe: id }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.probes.delete(id);
    for (const r of reports) out.set(r.index, r);
    return out;
  }

  // --- automatic rollback -----------------------------------------------------

  private watch(upgrade: number, attempt: number, plan: UpgradePlanOk): void {
    const policy = this.options.autoRollback!;
    this.watches.push({ upgrade, attempt, stages: plan.stages.map((p) => ({ index: p.index, name: p.name })), until: performance.now() + policy.seconds * 1000, fired: false });
    this.watchTimer ??= setInterval(() => this.checkWatches(), WATCH_INTERVAL_MS);
    this.watchTimer.unref();
  }

  private checkWatches(): void {
    const policy = this.options.autoRollback!;
    const words = this.control!.words;
    const now = performance.now();
    for (const w of this.watches) {
      if (w.fired || now > w.until + WATCH_INTERVAL_MS) continue;
      for (const s of w.stages) {
        const base = stageBase(s.index);
        if (Atomics.load(words, base + INSTALLED) !== w.attempt) continue;
        const errors = Atomics.load(words, base + ERRORS_SINCE);
        if (errors > policy.errors) {
          w.fired = true;
          this.autoRollback(w, s.name, errors);
          break;
        }
      }
    }
    for (let i = this.watches.length - 1; i >= 0; i--) if (this.watches[i].fired || now > this.watches[i].until + WATCH_INTERVAL_MS) this.watches.splice(i, 1);
    if (this.watches.length === 0 && this.watchTimer !== null) {
      clearInterval(this.watchTimer);
      this.watchTimer = null;
    }
  }

  private autoRollback(w: Watch, stage: string, errors: number): void {
    const policy = this.options.autoRollback!;
    const why = `stage ${JSON.stringify(stage)} failed ${errors} items within ${policy.seconds} s of upgrade ${w.upgrade} (the limit is ${policy.errors})`;
    const note = (outcome: UpgradeOutcome | null, message: string) => {
      this.autoRollbacks.push({ upgrade: w.upgrade, stage, errors, outcome, message });
      this.log(message);
    };
    this.enqueue(async () => {
      const target = rollbackTarget(this.records);
      if (target?.id !== w.upgrade) {
        const r = refusal('RBK_CHANGED_SINCE', stage, `upgrade ${w.upgrade} is no longer the latest`);
        note(r, `automatic rollback: ${why}, but upgrade ${w.upgrade} is no longer the latest upgrade: not rolled back`);
        return r;
      }
      const outcome = await this.apply(() => planRollback(this.records, this.deployed()), stage, null, undefined);
      if (outcome.ok) {
        const now = outcome.stages.map((s) => `${JSON.stringify(s.name)} is at version ${s.version} (${shortHash(s.hash)})`).join(', ');
        note(outcome, `automatic rollback: ${why}; rolled back as upgrade ${outcome.id}: ${now}`);
      } else {
        note(outcome, `automatic rollback: ${why}, but it could not be rolled back: ${outcome.reason}`);
      }
      return outcome;
    });
  }
}

const COMPILE_CACHE_SIZE = 256;
const WATCH_INTERVAL_MS = 20;

/** Compares prebuilt modules with the server's own build; a refusal naming the first difference, or null. */
function checkPrebuilt(
  plan: UpgradePlanOk,
  artifacts: ReadonlyArray<{ machine: CompiledModule | null; migration: CompiledModule | null }>,
  prebuilt: readonly PrebuiltStage[],
): Refusal | null {
  for (const b of prebuilt) {
    const i = plan.stages.findIndex((p) => p.name === b.stage);
    if (i < 0) return refusal('RUN_BUNDLE_MISMATCH', b.stage, `the bundle has a module for stage ${JSON.stringify(b.stage)}, which this upgrade does not change`);
    for (const part of ['machine', 'migration'] as const) {
      const given = b[part];
      if (given === undefined) continue;
      const ours = artifacts[i][part];
      if (ours === null) return refusal('RUN_BUNDLE_MISMATCH', b.stage, 'this server runs the interpreter: it accepts no prebuilt Wasm');
      if (!bytesEqual(given, ours.wasm)) {
        return refusal(
          'RUN_BUNDLE_MISMATCH',
          b.stage,
          `the prebuilt ${part} of stage ${JSON.stringify(b.stage)} (${given.length} bytes) is not byte-identical to the server's own build of the same terms (${ours.wasm.length} bytes): refused, since the server runs only Wasm it built from terms it typechecked`,
        );
      }
    }
  }
  return null;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
