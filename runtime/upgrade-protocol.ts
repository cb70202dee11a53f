// What the upgrade coordinator (main thread) and the stage workers say to
// each other, and the shared control block they both read.
//
//   coordinator                                   stage worker 1 (of stages 0..2)
//   port.postMessage(prepare #7) ; raise PENDING ─►  sees PENDING between two messages: typechecks,
//                                                    instantiates the posted Wasm, answers `prepared #7`
//   ring 0 ◄─ Upgrade(conn, req, {data: '{"attempt":7,"stages":[1,2]}', stage: "store"})
//                                                 ─► the cut: migrates tentatively, forwards the Upgrade,
//                                                    answers `migrated #7`, waits for the verdict
//   port.postMessage(verdict #7 commit) ;
//   VERDICT := 7, notify                          ─► installs the new machine (or keeps the old one)
//   sink ◄─ UpgradeResult(conn, req, {ok, reason, stage})   written by the last stage involved
//
// CONTROL BLOCK (one SharedArrayBuffer per pipeline, Int32 words):
//   word 0   VERDICT            the attempt whose verdict was posted last (written only by the coordinator)
//   stage i at word 16 * (i + 1), on a 64-byte line of its own:
//     +0  PENDING             1: the coordinator posted on this stage's port (coordinator sets, stage clears)
//     +1  ITEMS               items this stage has run (wraps at 2^32)                 (stage writes)
//     +2  ITEM_ERRORS         items that failed in this stage (wraps)                  (stage writes)
//     +3  ERRORS_SINCE        failed items since the current version was installed    (stage writes)
//     +4  INSTALLED           the attempt that installed the current version, 0 first  (stage writes)
// Counters are statistics: the main thread reads them with Atomics.load and a
// read may be a few items stale.

import type { Json } from '../compiler/values.ts';
import type { CompiledModule } from '../compiler/wasm-engine.ts';

export const VERDICT = 0;
export const PENDING = 0;
export const ITEMS = 1;
export const ITEM_ERRORS = 2;
export const ERRORS_SINCE = 3;
export const INSTALLED = 4;
const WORDS_PER_STAGE = 16;

/** Bytes of the control block of a pipeline of `stages` stages. */
export function controlBytes(stages: number): number {
  return 4 * WORDS_PER_STAGE * (stages + 1);
}

/** Where stage `index`'s words start in the control block. */
export function stageBase(index: number): number {
  return WORDS_PER_STAGE * (index + 1);
}

/** The `data` of an Upgrade envelope that the coordinator admitted: which attempt, which stages (pipeline indices). */
export interface UpgradeCut {
  readonly attempt: number;
  readonly stages: readonly number[];
}

export function cutToData(cut: UpgradeCut): string {
  return JSON.stringify({ attempt: cut.attempt, stages: cut.stages });
}

/** Reads an Upgrade envelope's `data`; null when it is not a cut the coordinator made. */
export function cutFromData(data: string): UpgradeCut | null {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object') return null;
  const { attempt, stages } = json as { attempt?: unknown; stages?: unknown };
  if (typeof attempt !== 'number' || !Number.isSafeInteger(attempt) || attempt <= 0) return null;
  if (!Array.isArray(stages) || stages.length === 0 || !stages.every((s) => Number.isSafeInteger(s) && s >= 0)) return null;
  return { attempt, stages: stages as number[] };
}

/** A machine to install, as posted: its term and types in JSON form, and for the Wasm engine the module the coordinator compiled. */
export interface MachineArtifact {
  readonly term: Json;
  readonly stateType: Json;
  readonly inputType: Json;
  readonly outputType: Json;
  readonly compiled: CompiledModule | null;
}

/** A state migration `(); from -> to`, as posted. */
export interface MigrationArtifact {
  readonly term: Json;
  readonly from: Json;
  readonly to: Json;
  readonly compiled: CompiledModule | null;
}

// --- coordinator => stage ---------------------------------------------------

export interface PrepareMessage {
  readonly kind: 'prepare';
  readonly attempt: number;
  readonly machine: MachineArtifact;
  readonly migration: MigrationArtifact;
}

export interface VerdictMessage {
  readonly kind: 'verdict';
  readonly attempt: number;
  readonly commit: boolean;
  /** Why the upgrade was aborted ('' on commit); the last stage involved puts it in the UpgradeResult. */
  readonly reason: string;
}

/** Drops a prepared upgrade that will never be admitted. */
export interface ForgetMessage {
  readonly kind: 'forget';
  readonly attempt: number;
}

/** Asks for the state's size (a pass over the state: not free on large states). */
export interface ProbeMessage {
  readonly kind: 'probe';
  readonly probe: number;
}

export type ToStage = PrepareMessage | VerdictMessage | ForgetMessage | ProbeMessage;

// --- stage => coordinator ---------------------------------------------------

export interface PreparedReport {
  readonly kind: 'prepared';
  readonly attempt: number;
  readonly index: number;
  readonly ok: boolean;
  readonly reason: string;
  readonly prepareMs: number;
}

export interface MigratedReport {
  readonly kind: 'migrated';
  readonly attempt: number;
  readonly index: number;
  readonly ok: boolean;
  readonly reason: string;
  /** Time to run the migration and load its result into the new machine. */
  readonly migrationMs: number;
}

export interface ProbeReport {
  readonly kind: 'probed';
  readonly probe: number;
  readonly index: number;
  /** Bytes of the state in the canonical layout. */
  readonly stateBytes: number;
  /** Bytes of the machine's linear memory (Wasm engine), else null. */
  readonly memoryBytes: number | null;
}

export type FromStage = PreparedReport | MigratedReport | ProbeReport;
