// A stage worker's side of live upgrades (runtime/upgrade-protocol.ts has
// the whole exchange): preparing a new machine before the cut, migrating the
// state at the cut, and waiting for the coordinator's verdict.
//
//   prepare #7 (term, types, Wasm module)  =>  a loaded machine at a placeholder state + a loaded migration
//   cut #7 on machine v1 at state 2        =>  { ok: true, next: v2 machine at state migrate(2) }   v1 untouched
//   cut #7 with a migration that fails     =>  { ok: false, reason: 'the state migration of stage "counter" failed: …' }
//
// Everything here runs on the stage's own thread, between two messages. The
// worker's loop is synchronous, so messages from the coordinator are read
// with `receiveMessageOnPort`, never through events; the coordinator raises
// the stage's PENDING word after posting so the loop knows to look. Only
// `awaitVerdict` blocks (Atomics.wait with a short timeout, since Node 20
// can lose a notify); everything else is bounded work, and the costly part
// (typechecking, instantiating) happens when `prepare` arrives, not at the cut.

import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { EngineName, Machine, MachineSpec } from '../compiler/engine.ts';
import { encodeValue } from '../compiler/layout.ts';
import { termFromJson } from '../compiler/terms.ts';
import { typecheck, typecheckMigration } from '../compiler/typecheck.ts';
import { type Type, typeFromJson, unreachableKind } from '../compiler/types.ts';
import { PMap, type Value } from '../compiler/values.ts';
import type { CompiledModule } from '../compiler/wasm-engine.ts';
import {
  ERRORS_SINCE,
  INSTALLED,
  ITEM_ERRORS,
  ITEMS,
  type MachineArtifact,
  type MigrationArtifact,
  PENDING,
  type FromStage,
  type PrepareMessage,
  stageBase,
  type ToStage,
  VERDICT,
} from './upgrade-protocol.ts';

/** A value of `t` to start a machine with before its real state is migrated in: never observed by an item. */
export function placeholderValue(t: Type): Value {
  switch (t.kind) {
    case 'Unit':
      return null;
    case 'Int':
      return 0n;
    case 'Bool':
      return false;
    case 'String':
      return '';
    case 'Pair':
      return [placeholderValue(t.fst), placeholderValue(t.snd)];
    case 'Either':
      return { tag: 'Left', value: placeholderValue(t.left) };
    case 'List':
      return [];
    case 'Map':
      return PMap.empty(t.key);
    case 'Record':
      return Object.fromEntries(t.fields.map((f) => [f.name, placeholderValue(f.type)]));
    case 'Variant':
      return { tag: t.cases[0].name, value: placeholderValue(t.cases[0].type) };
    default:
      return unreachableKind(t);
  }
}

/** The engine half of a stage: how to load a machine the coordinator compiled. */
export interface StageLoader {
  readonly engine: EngineName;
  load(spec: MachineSpec, compiled: CompiledModule | null): Machine;
}

/** A machine whose state moves as canonical-layout bytes (the Wasm engine): no values are built on the JS heap. */
interface EncodedState {
  getStateEncoded(): Uint8Array;
  /** The state's bytes as a view that is valid only until the next call on the machine. */
  stateView(): Uint8Array;
  setStateEncoded(bytes: Uint8Array): void;
}

function encodesState(m: Machine): m is Machine & EncodedState {
  const e = m as Partial<EncodedState>;
  return typeof e.getStateEncoded === 'function' && typeof e.stateView === 'function' && typeof e.setStateEncoded === 'function';
}

/** What a machine in a stage is: the machine and its state type (for probes). */
export interface Installed {
  readonly machine: Machine;
  readonly stateType: Type;
}

interface Prepared {
  readonly machine: Machine;
  readonly stateType: Type;
  readonly migration: Machine;
}

export type CutOutcome = { readonly ok: true; readonly next: Installed; readonly migrationMs: number } | { readonly ok: false; readonly reason: string; readonly migrationMs: number };

export class StageUpgrades {
  private readonly prepared = new Map<number, Prepared | { readonly failed: string }>();
  private readonly verdicts = new Map<number, { readonly commit: boolean; readonly reason: string }>();
  private readonly base: number;
  private items = 0;
  private itemErrors = 0;
  private errorsSince = 0;

  constructor(
    readonly index: number,
    readonly name: string,
    private readonly loader: StageLoader,
    private readonly port: MessagePort,
    private readonly control: Int32Array,
    private readonly fuel: number | undefined,
    private readonly migrationFuel: number,
  ) {
    this.base = stageBase(index);
  }

  /** Whether the coordinator has posted something. One atomic load: checked between every two messages. */
  pending(): boolean {
    return Atomics.load(this.control, this.base + PENDING) !== 0;
  }

  noteItem(): void {
    // Publishes: statistics only (a stale read is fine).
    Atomics.store(this.control, this.base + ITEMS, ++this.items | 0);
  }

  noteError(): void {
    Atomics.store(this.control, this.base + ITEM_ERRORS, ++this.itemErrors | 0);
    // Publishes: failures of the current version, which automatic rollback watches.
    Atomics.store(this.control, this.base + ERRORS_SINCE, ++this.errorsSince | 0);
  }

  /** Reads every posted message: prepares upgrades and answers probes at once, keeps verdicts for `awaitVerdict`. */
  poll(current: Installed | null): void {
    // Publishes: we are reading the port; anything posted after this store raises it again.
    Atomics.store(this.control, this.base + PENDING, 0);
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received === undefined) return;
      this.handle(received.message as ToStage, current);
    }
  }

  private handle(m: ToStage, current: Installed | null): void {
    switch (m.kind) {
      case 'prepare':
        return this.prepare(m);
      case 'verdict':
        this.verdicts.set(m.attempt, { commit: m.commit, reason: m.reason });
        return;
      case 'forget':
        this.prepared.delete(m.attempt);
        return;
      case 'probe': {
        let stateBytes = -1;
        let memoryBytes: number | null = null;
        if (current !== null) {
          const m = current.machine;
          stateBytes = encodesState(m) ? m.stateView().length : encodeValue(current.stateType, m.getState()).length;
          const stats = (m as { stats?: () => { memoryBytes: number } }).stats;
          if (typeof stats === 'function') memoryBytes = stats.call(m).memoryBytes;
        }
        return this.send({ kind: 'probed', probe: m.probe, index: this.index, stateBytes, memoryBytes });
      }
      default:
        throw new Error(`stage ${this.name}: unknown control message ${(m satisfies never as ToStage).kind}`);
    }
  }

  private send(report: FromStage): void {
    this.port.postMessage(report);
  }

  /** Typechecks the posted terms (this thread runs only what it typechecked) and loads both machines now, so the cut only migrates. */
  private prepare(m: PrepareMessage): void {
    const t0 = performance.now();
    let reason = '';
    try {
      this.prepared.set(m.attempt, this.load(m.machine, m.migration));
    } catch (e) {
      reason = `stage ${JSON.stringify(this.name)} could not load the new version: ${(e as Error).message}`;
      this.prepared.set(m.attempt, { failed: reason });
    }
    this.send({ kind: 'prepared', attempt: m.attempt, index: this.index, ok: reason === '', reason, prepareMs: performance.now() - t0 });
  }

  private load(machine: MachineArtifact, migration: MigrationArtifact): Prepared {
    const stateType = typeFromJson(machine.stateType, 'stateType');
    const checked = typecheck(termFromJson(machine.term, 'term'), {
      state: stateType,
      input: typeFromJson(machine.inputType, 'inputType'),
      output: typeFromJson(machine.outputType, 'outputType'),
    });
    if (!checked.ok) throw new Error(`the new machine does not typecheck (${checked.error.code})`);
    const from = typeFromJson(migration.from, 'from');
    const to = typeFromJson(migration.to, 'to');
    const migrationChecked = typecheckMigration(termFromJson(migration.term, 'migration'), from, to);
    if (!migrationChecked.ok) throw new Error(`the migration does not typecheck (${migrationChecked.error.code})`);
    const unit: Type = { kind: 'Unit' };
    return {
      machine: this.loader.load({ typed: checked.typed, stateType, initialState: placeholderValue(stateType), fuel: this.fuel }, machine.compiled),
      stateType,
      migration: this.loader.load({ typed: migrationChecked.typed, stateType: unit, initialState: null, fuel: this.migrationFuel }, migration.compiled),
    };
  }

  /**
   * The cut: runs the prepared migration on `current`'s state into the
   * prepared machine. `current` is left exactly as it was, whatever happens,
   * so an abort only has to drop `next`.
   */
  migrate(attempt: number, current: Installed): CutOutcome {
    const t0 = performance.now();
    let p = this.prepared.get(attempt);
    if (p === undefined) {
      this.poll(current);
      p = this.prepared.get(attempt);
    }
    this.prepared.delete(attempt);
    const fail = (reason: string): CutOutcome => ({ ok: false, reason, migrationMs: performance.now() - t0 });
    const quoted = JSON.stringify(this.name);
    if (p === undefined) return fail(`stage ${quoted} was not prepared for this upgrade`);
    if ('failed' in p) return fail(p.failed);
    try {
      const { machine, migration } = p;
      if (encodesState(current.machine) && encodesState(migration) && encodesState(machine)) {
        // Views of the old machine's and the migration's memories, each copied straight into the
        // next machine: a large state never becomes a copy on this thread's heap.
        const state = current.machine.stateView();
        const r = migration.stepBytes(state, 0, state.length);
        if (typeof r !== 'number') return fail(`the state migration of stage ${quoted} failed: ${r.code}: ${r.message}`);
        machine.setStateEncoded(migration.output());
      } else {
        const r = migration.step(current.machine.getState());
        if (!r.ok) return fail(`the state migration of stage ${quoted} failed: ${r.error.code}: ${r.error.message}`);
        machine.setState(r.output);
      }
    } catch (e) {
      return fail(`the state migration of stage ${quoted} failed: ${(e as Error).name}: ${(e as Error).message}`);
    }
    return { ok: true, next: { machine: p.machine, stateType: p.stateType }, migrationMs: performance.now() - t0 };
  }

  reportMigrated(attempt: number, outcome: CutOutcome): void {
    this.send({ kind: 'migrated', attempt, index: this.index, ok: outcome.ok, reason: outcome.ok ? '' : outcome.reason, migrationMs: outcome.migrationMs });
  }

  /** Blocks until the coordinator's verdict on `attempt` (every stage involved has reported). Never on the main thread. */
  awaitVerdict(attempt: number, current: Installed): { readonly commit: boolean; readonly reason: string } {
    for (;;) {
      this.poll(current);
      const v = this.verdicts.get(attempt);
      if (v !== undefined) {
        this.verdicts.delete(attempt);
        return v;
      }
      const seen = Atomics.load(this.control, VERDICT);
      if (this.pending()) continue;
      // The coordinator posts the verdict, then stores its attempt here and notifies; the timeout covers a lost notify.
      Atomics.wait(this.control, VERDICT, seen, 2);
    }
  }

  /** The new version is in place: its failures start from zero. */
  installed(attempt: number): void {
    this.errorsSince = 0;
    Atomics.store(this.control, this.base + ERRORS_SINCE, 0);
    // Publishes: which upgrade the stage now runs (automatic rollback counts its failures only).
    Atomics.store(this.control, this.base + INSTALLED, attempt);
  }
}
