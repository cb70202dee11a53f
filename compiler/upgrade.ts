// Upgrade checks: an upgrade request against the deployed pipeline => a plan the runtime can apply, or one refusal.
//
//   planUpgrade([counter: Int; String -> String, version 1],
//               { stages: [{ stage: 'counter', oldState: Int, newState: (Int, Bool), newInput: String, newOutput: String,
//                            newStateMachine: counterV3, stateMigration: Fanout(Id, Bool False) }] })
//     => { ok: true, stages: [{ index: 0, name: 'counter', machine: <Typed>, migration: <Typed>, version: 2, hash: 'sha256:…' }], … }
//   the same with oldState: Bool, in seed syntax
//     => { ok: false, stage: 'counter', code: 'UPG_OLD_STATE', reason: 'old state type is UTInt, not UTBool' }
//   planRollback(history, deployed)
//     => the latest upgrade undone, as a plan of the same shape (previous machines, inverse migrations)
//
// Everything here is a pure function of its arguments: the runtime keeps the
// deployed stages and the version history, applies plans atomically, and only
// ever runs the typed terms a plan hands it, so nothing runs that this file
// has not typechecked. docs/upgrades.md describes every check and code.

import { contentHash, isVersionRef, shortHash, versionMatches } from './content-hash.ts';
import { closestName, type Diagnostic, formatDiagnostic } from './diagnostics.ts';
import type { ServerMessage, UpgradeData } from './messages.ts';
import { type Term, TermSyntaxError, termFromJson, termToJson } from './terms.ts';
import { type Typed, typecheck, typecheckMigration } from './typecheck.ts';
import { type Type, showType, showTypeSeed, TypeSyntaxError, typeEquals, typeFromJson, typeToJson } from './types.ts';
import { type Json, ValueSyntaxError } from './values.ts';

// ---------------------------------------------------------------------------
// The request.

/** One stage's part of an upgrade: the seed's `UpgradeData_` plus an optional inverse and compare-and-swap version. */
export interface StageUpgrade {
  readonly stage: string;
  /** The state type the sender believes is deployed; must equal the deployed one. */
  readonly oldState: Type;
  readonly newState: Type;
  readonly newInput: Type;
  readonly newOutput: Type;
  readonly newStateMachine: Term;
  /** `(); oldState -> newState`, run once on the current state. */
  readonly stateMigration: Term;
  /** `(); newState -> oldState`: what a rollback of this upgrade runs. Without it the upgrade cannot be rolled back. */
  readonly inverseMigration?: Term;
  /** The content hash (full, or its first 12+ hex digits) the sender expects deployed; the upgrade is refused if another has landed since. */
  readonly expectedVersion?: string;
}

/** One atomic upgrade of one or more stages: either all of them change, in one cut, or none does. */
export interface UpgradeRequest {
  readonly stages: readonly StageUpgrade[];
}

/** A stage as deployed now, in pipeline order. */
export interface DeployedStage {
  readonly name: string;
  readonly stateType: Type;
  readonly inputType: Type;
  readonly outputType: Type;
  readonly term: Term;
  /** `contentHash` of the four above. */
  readonly hash: string;
  readonly version: number;
}

export interface UpgradeOptions {
  /** How one-line reasons print types: `UTPair UTInt UTBool` for requests that came in seed syntax, else `(Int, Bool)`. Diagnostics always print readable types. */
  readonly typeSyntax?: 'seed' | 'readable';
}

// ---------------------------------------------------------------------------
// The plan.

/** One stage of a plan, ready to install: the checked new machine and migrations, the new identity. */
export interface PlannedStage {
  /** Position in the pipeline. */
  readonly index: number;
  readonly name: string;
  readonly stateType: Type;
  readonly inputType: Type;
  readonly outputType: Type;
  readonly term: Term;
  /** The new machine, typed at `stateType; inputType -> outputType`. */
  readonly machine: Typed;
  /** The state migration, typed `(); previous.stateType -> stateType`. */
  readonly migration: Typed;
  /** The inverse migration, typed `(); stateType -> previous.stateType`, when one was given. */
  readonly inverse?: Typed;
  readonly hash: string;
  /** previous.version + 1. */
  readonly version: number;
  readonly previous: {
    readonly hash: string;
    readonly version: number;
    readonly stateType: Type;
    readonly inputType: Type;
    readonly outputType: Type;
  };
}

export interface UpgradePlanOk {
  readonly ok: true;
  /** The stages to change, in pipeline order. */
  readonly stages: readonly PlannedStage[];
  /** The pipeline's input and output types once the plan is applied. */
  readonly input: Type;
  readonly output: Type;
  /** The first stage's input type changes: clients must send a new type (the runtime may refuse such plans). */
  readonly changesExternalInput: boolean;
  /** The last stage's output type changes: clients receive a new type. */
  readonly changesExternalOutput: boolean;
  /** Advice that does not block the upgrade (no inverse, so no rollback; external types change). */
  readonly hints: readonly string[];
  /** Set on plans made by `planRollback`: the id of the upgrade they undo. */
  readonly rollbackOf?: number;
}

export interface UpgradeRefusal {
  readonly ok: false;
  /** The stage the refusal is about ('' when it is about no one stage: an empty request, nothing to roll back). */
  readonly stage: string;
  readonly code: UpgradeErrorCode;
  /** Readable: one line, or a context line and the typechecker's formatted diagnostic. */
  readonly reason: string;
  readonly diagnostic?: Diagnostic;
}

export type UpgradePlan = UpgradePlanOk | UpgradeRefusal;
export type RollbackPlan = (UpgradePlanOk & { readonly rollbackOf: number }) | UpgradeRefusal;

/** Every refusal code, with what it means. Codes never change meaning once published. */
export const UPGRADE_ERRORS = {
  UPG_EMPTY: 'The request names no stage.',
  UPG_UNKNOWN_STAGE: 'A stage the request names is not in the deployed pipeline.',
  UPG_DUPLICATE_STAGE: 'The request names one stage twice; each stage changes at most once per upgrade.',
  UPG_BAD_EXPECTED_VERSION: 'An expected version is not a content hash (`sha256:` and 12 to 64 hex digits, or just the hex digits).',
  UPG_STALE_VERSION: 'A stage is not at the expected version: another upgrade landed since the request was prepared.',
  UPG_OLD_STATE: 'The old state type in the request is not the deployed state type.',
  UPG_MACHINE_TYPE: 'The new machine does not typecheck at the new state, input and output types.',
  UPG_MIGRATION_TYPE: 'The state migration does not typecheck as (); deployed state -> new state.',
  UPG_INVERSE_TYPE: 'The inverse migration does not typecheck as (); new state -> deployed state.',
  UPG_INPUT_LINK: "A stage's new input type is not the output type of the stage before it (as upgraded in the request, or as deployed).",
  UPG_OUTPUT_LINK: "A stage's new output type is not the input type of the stage after it (as deployed; an upgraded next stage is checked by UPG_INPUT_LINK).",
  RBK_NOTHING: 'There is no upgrade left to roll back.',
  RBK_NO_INVERSE: 'A stage the latest upgrade touched has no inverse migration.',
  RBK_UNKNOWN_STAGE: 'A stage the latest upgrade touched is no longer deployed.',
  RBK_CHANGED_SINCE: 'A stage the latest upgrade touched has changed since (its hash is not the one the upgrade left).',
} as const;

export type UpgradeErrorCode = keyof typeof UPGRADE_ERRORS;
export const UPGRADE_ERROR_CODES = Object.keys(UPGRADE_ERRORS) as UpgradeErrorCode[];

function refuse(code: UpgradeErrorCode, stage: string, reason: string, diagnostic?: Diagnostic): UpgradeRefusal {
  return diagnostic === undefined ? { ok: false, stage, code, reason } : { ok: false, stage, code, reason, diagnostic };
}

const quote = (name: string) => JSON.stringify(name);

/**
 * Checks an upgrade against the deployed pipeline, changing nothing. Checks
 * run in this order and the first failure is the answer:
 * 1. per request entry, in request order: the stage exists (UPG_UNKNOWN_STAGE), is not named twice (UPG_DUPLICATE_STAGE);
 * 2. per entry: the expected version, if given, is well formed and current (UPG_BAD_EXPECTED_VERSION, UPG_STALE_VERSION);
 * 3. per entry: old state type (UPG_OLD_STATE), new machine, migration, inverse (UPG_MACHINE_TYPE, UPG_MIGRATION_TYPE, UPG_INVERSE_TYPE);
 * 4. per upgraded stage, in pipeline order: its input against the stage before (UPG_INPUT_LINK),
 *    its output against the stage after when that one is not upgraded too (UPG_OUTPUT_LINK).
 * The first stage's input and the last stage's output may change: the plan says so.
 */
export function planUpgrade(deployed: readonly DeployedStage[], request: UpgradeRequest, options: UpgradeOptions = {}): UpgradePlan {
  const show = options.typeSyntax === 'seed' ? showTypeSeed : showType;
  if (request.stages.length === 0) return refuse('UPG_EMPTY', '', 'the upgrade names no stage');

  const indexOf = new Map<string, number>();
  deployed.forEach((s, i) => indexOf.set(s.name, i));
  const targets: number[] = [];
  const seen = new Set<string>();
  for (const u of request.stages) {
    const index = indexOf.get(u.stage);
    if (index === undefined) {
      const guess = closestName(u.stage, indexOf.keys());
      const names = deployed.map((s) => quote(s.name));
      const help = guess !== undefined ? `; did you mean ${quote(guess)}?` : names.length === 0 ? ' (the pipeline has no stages)' : ` (the stages are ${listWords(names)})`;
      return refuse('UPG_UNKNOWN_STAGE', u.stage, `no stage is named ${quote(u.stage)}${help}`);
    }
    if (seen.has(u.stage)) return refuse('UPG_DUPLICATE_STAGE', u.stage, `stage ${quote(u.stage)} is named twice in one upgrade; name each stage once`);
    seen.add(u.stage);
    targets.push(index);
  }

  for (const [i, u] of request.stages.entries()) {
    if (u.expectedVersion === undefined) continue;
    const d = deployed[targets[i]];
    if (!isVersionRef(u.expectedVersion)) {
      return refuse('UPG_BAD_EXPECTED_VERSION', u.stage, `expected version ${quote(u.expectedVersion)} is not a content hash (sha256: and 12 to 64 hex digits)`);
    }
    if (!versionMatches(u.expectedVersion, d.hash)) {
      return refuse(
        'UPG_STALE_VERSION',
        u.stage,
        `stage ${quote(u.stage)} is at version ${d.version} (${shortHash(d.hash)}), not the expected ${u.expectedVersion}: it has changed since the upgrade was prepared`,
      );
    }
  }

  const planned: PlannedStage[] = [];
  for (const [i, u] of request.stages.entries()) {
    const index = targets[i];
    const d = deployed[index];
    if (!typeEquals(u.oldState, d.stateType)) {
      return refuse('UPG_OLD_STATE', u.stage, `old state type is ${show(d.stateType)}, not ${show(u.oldState)}`);
    }
    const machine = typecheck(u.newStateMachine, { state: u.newState, input: u.newInput, output: u.newOutput });
    if (!machine.ok) {
      return refuse(
        'UPG_MACHINE_TYPE',
        u.stage,
        `the new machine does not typecheck at state ${show(u.newState)}, input ${show(u.newInput)}, output ${show(u.newOutput)}:\n${formatDiagnostic(machine.error)}`,
        machine.error,
      );
    }
    const migration = typecheckMigration(u.stateMigration, d.stateType, u.newState);
    if (!migration.ok) {
      return refuse(
        'UPG_MIGRATION_TYPE',
        u.stage,
        `the state migration does not typecheck from ${show(d.stateType)} to ${show(u.newState)}:\n${formatDiagnostic(migration.error)}`,
        migration.error,
      );
    }
    let inverse: Typed | undefined;
    if (u.inverseMigration !== undefined) {
      const checked = typecheckMigration(u.inverseMigration, u.newState, d.stateType);
      if (!checked.ok) {
        return refuse(
          'UPG_INVERSE_TYPE',
          u.stage,
          `the inverse migration does not typecheck from ${show(u.newState)} back to ${show(d.stateType)}:\n${formatDiagnostic(checked.error)}`,
          checked.error,
        );
      }
      inverse = checked.typed;
    }
    const content = { stateType: u.newState, inputType: u.newInput, outputType: u.newOutput, term: u.newStateMachine };
    planned.push({
      index,
      name: d.name,
      ...content,
      machine: machine.typed,
      migration: migration.typed,
      ...(inverse !== undefined ? { inverse } : {}),
      hash: contentHash(content),
      version: d.version + 1,
      previous: { hash: d.hash, version: d.version, stateType: d.stateType, inputType: d.inputType, outputType: d.outputType },
    });
  }
  planned.sort((a, b) => a.index - b.index);

  const byIndex = new Map(planned.map((p) => [p.index, p]));
  const current = (i: number): { readonly name: string; readonly inputType: Type; readonly outputType: Type } => byIndex.get(i) ?? deployed[i];
  for (const p of planned) {
    if (p.index > 0) {
      const before = current(p.index - 1);
      if (!typeEquals(p.inputType, before.outputType)) {
        const upgraded = byIndex.has(p.index - 1);
        return refuse(
          'UPG_INPUT_LINK',
          p.name,
          `new input type ${show(p.inputType)} does not match the output type ${show(before.outputType)} of the previous stage ${quote(before.name)}` +
            (upgraded ? ' (as upgraded in this request)' : '; to change the type between them, upgrade both stages in one request'),
        );
      }
    }
    const after = deployed[p.index + 1];
    if (after !== undefined && !byIndex.has(p.index + 1) && !typeEquals(p.outputType, after.inputType)) {
      return refuse(
        'UPG_OUTPUT_LINK',
        p.name,
        `new output type ${show(p.outputType)} does not match the input type ${show(after.inputType)} of the next stage ${quote(after.name)}; to change the type between them, upgrade both stages in one request`,
      );
    }
  }

  const last = deployed.length - 1;
  const input = current(0).inputType;
  const output = current(last).outputType;
  const changesExternalInput = !typeEquals(input, deployed[0].inputType);
  const changesExternalOutput = !typeEquals(output, deployed[last].outputType);
  const hints: string[] = [];
  for (const p of planned) {
    if (p.inverse === undefined) hints.push(`stage ${quote(p.name)} has no inverse migration: this upgrade cannot be rolled back`);
  }
  if (changesExternalInput) hints.push(`the pipeline's input type changes from ${show(deployed[0].inputType)} to ${show(input)}: clients must send the new type`);
  if (changesExternalOutput) hints.push(`the pipeline's output type changes from ${show(deployed[last].outputType)} to ${show(output)}: clients receive the new type`);
  return { ok: true, stages: planned, input, output, changesExternalInput, changesExternalOutput, hints };
}

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

// ---------------------------------------------------------------------------
// Version history and rollback.

/** One version of one stage, as the runtime's history keeps it. */
export interface StageVersion {
  /** 1 for the version deployed first, then +1 per upgrade or rollback that touches the stage. */
  readonly number: number;
  readonly hash: string;
  /** ISO 8601. */
  readonly installedAt: string;
  readonly stateType: Type;
  readonly inputType: Type;
  readonly outputType: Type;
  readonly term: Term;
  /** Whether the upgrade that installed this version carried an inverse migration (so it can be rolled back). */
  readonly hasInverse: boolean;
  /** The upgrade that installed it; 0 for the first deployment. */
  readonly upgradeId: number;
}

/** One stage an applied upgrade touched. */
export interface UpgradeRecordStage {
  readonly name: string;
  readonly from: StageVersion;
  readonly to: StageVersion;
  /** The migration that ran, from `from`'s state to `to`'s (typechecked when planned). */
  readonly migration: Term;
  /** `to`'s state back to `from`'s (typechecked when planned); absent when the upgrade brought none. */
  readonly inverse?: Term;
}

/** One applied upgrade (or rollback): every stage it touched, from which version to which, and its migrations. */
export interface UpgradeRecord {
  readonly id: number;
  readonly stages: readonly UpgradeRecordStage[];
  /** On the record of a rollback: the id of the upgrade it undid. */
  readonly rollbackOf?: number;
}

/** The version history entry of a stage as first deployed. */
export function initialVersion(stage: { readonly stateType: Type; readonly inputType: Type; readonly outputType: Type; readonly term: Term }, installedAt: string): StageVersion {
  return {
    number: 1,
    hash: contentHash(stage),
    installedAt,
    stateType: stage.stateType,
    inputType: stage.inputType,
    outputType: stage.outputType,
    term: stage.term,
    hasInverse: false,
    upgradeId: 0,
  };
}

/** The `DeployedStage` that a stage's current version describes. */
export function deployedStage(name: string, version: StageVersion): DeployedStage {
  return {
    name,
    stateType: version.stateType,
    inputType: version.inputType,
    outputType: version.outputType,
    term: version.term,
    hash: version.hash,
    version: version.number,
  };
}

/**
 * The record of a plan once applied as upgrade `id` at `installedAt`.
 * `currentVersion(name)` is each touched stage's version before the plan; it
 * must be the one the plan was made against (same hash and number), else this
 * throws: applying a plan to something else is a bug in the caller.
 */
export function recordUpgrade(plan: UpgradePlanOk, id: number, installedAt: string, currentVersion: (name: string) => StageVersion | undefined): UpgradeRecord {
  const stages = plan.stages.map((p): UpgradeRecordStage => {
    const from = currentVersion(p.name);
    if (from === undefined || from.hash !== p.previous.hash || from.number !== p.previous.version) {
      throw new Error(`recordUpgrade: stage ${quote(p.name)} is not at the version the plan was made against (${p.previous.version}, ${shortHash(p.previous.hash)})`);
    }
    const to: StageVersion = {
      number: p.version,
      hash: p.hash,
      installedAt,
      stateType: p.stateType,
      inputType: p.inputType,
      outputType: p.outputType,
      term: p.term,
      hasInverse: p.inverse !== undefined,
      upgradeId: id,
    };
    return { name: p.name, from, to, migration: p.migration.term, ...(p.inverse !== undefined ? { inverse: p.inverse.term } : {}) };
  });
  return plan.rollbackOf !== undefined ? { id, stages, rollbackOf: plan.rollbackOf } : { id, stages };
}

/**
 * The upgrade a rollback undoes: the latest one that is neither a rollback
 * nor undone by a later rollback. So rolling back twice undoes the two latest
 * upgrades in turn; to redo an upgrade, send it again.
 */
export function rollbackTarget(history: readonly UpgradeRecord[]): UpgradeRecord | undefined {
  const undone = new Set<number>();
  for (let i = history.length - 1; i >= 0; i--) {
    const r = history[i];
    if (r.rollbackOf !== undefined) undone.add(r.rollbackOf);
    else if (!undone.has(r.id)) return r;
  }
  return undefined;
}

/**
 * Plans the undoing of the latest upgrade (`rollbackTarget`) as one new
 * upgrade: every stage it touched returns to its `from` machine and types
 * through its recorded inverse, whose own inverse is the forward migration
 * (so the rollback's record can be rolled back like any other). Refuses when
 * there is nothing to undo, when any touched stage has no inverse, is gone,
 * or has changed since; the previous machines and the inverses are
 * typechecked again, and the links checked against today's neighbours, by
 * `planUpgrade`. `history` is in the order upgrades were applied.
 */
export function planRollback(history: readonly UpgradeRecord[], deployed: readonly DeployedStage[], options: UpgradeOptions = {}): RollbackPlan {
  const target = rollbackTarget(history);
  if (target === undefined) {
    return refuse('RBK_NOTHING', '', history.length === 0 ? 'nothing to roll back: no upgrade has been applied' : 'nothing to roll back: every upgrade has been rolled back');
  }
  const cannot = `cannot roll back upgrade ${target.id}`;
  const withoutInverse = target.stages.filter((s) => s.inverse === undefined).map((s) => s.name);
  if (withoutInverse.length > 0) {
    const names = listWords(withoutInverse.map(quote));
    const verb = withoutInverse.length === 1 ? `stage ${names} has` : `stages ${names} have`;
    return refuse('RBK_NO_INVERSE', withoutInverse[0], `${cannot}: ${verb} no inverse migration`);
  }
  const byName = new Map(deployed.map((d) => [d.name, d]));
  const gone = target.stages.filter((s) => !byName.has(s.name)).map((s) => s.name);
  if (gone.length > 0) {
    const verb = gone.length === 1 ? `stage ${listWords(gone.map(quote))} is` : `stages ${listWords(gone.map(quote))} are`;
    return refuse('RBK_UNKNOWN_STAGE', gone[0], `${cannot}: ${verb} no longer deployed`);
  }
  const changed = target.stages.filter((s) => byName.get(s.name)!.hash !== s.to.hash);
  if (changed.length > 0) {
    const what = changed.map((s) => {
      const d = byName.get(s.name)!;
      return `stage ${quote(s.name)} has changed since (it is at version ${d.version}, ${shortHash(d.hash)}; the upgrade left version ${s.to.number}, ${shortHash(s.to.hash)})`;
    });
    return refuse('RBK_CHANGED_SINCE', changed[0].name, `${cannot}: ${what.join('; ')}`);
  }
  const request: UpgradeRequest = {
    stages: target.stages.map((s) => ({
      stage: s.name,
      oldState: s.to.stateType,
      newState: s.from.stateType,
      newInput: s.from.inputType,
      newOutput: s.from.outputType,
      newStateMachine: s.from.term,
      stateMigration: s.inverse!,
      inverseMigration: s.migration,
      expectedVersion: s.to.hash,
    })),
  };
  const plan = planUpgrade(deployed, request, options);
  if (!plan.ok) return { ...plan, reason: `${cannot}: stage ${quote(plan.stage)}: ${plan.reason}` };
  return { ...plan, rollbackOf: target.id };
}

// ---------------------------------------------------------------------------
// The seed form: one stage, no inverse, no expected version.

/** The request a seed `Upgrade "<stage>" (UpgradeData_ {…})` message makes. */
export function upgradeRequestFromSeed(stage: string, data: UpgradeData): UpgradeRequest {
  return {
    stages: [
      {
        stage,
        oldState: data.oldState,
        newState: data.newState,
        newInput: data.newInput,
        newOutput: data.newOutput,
        newStateMachine: data.newStateMachine,
        stateMigration: data.stateMigration,
      },
    ],
  };
}

/** A request as a seed `Upgrade` message's stage and data; throws when the seed form cannot say it (several stages, an inverse, an expected version). */
export function upgradeRequestToSeed(request: UpgradeRequest): { readonly stage: string; readonly data: UpgradeData } {
  if (request.stages.length !== 1) throw new Error(`the seed form upgrades exactly one stage; this request names ${request.stages.length}`);
  const u = request.stages[0];
  if (u.inverseMigration !== undefined) throw new Error('the seed form has no inverse migration; use the JSON form');
  if (u.expectedVersion !== undefined) throw new Error('the seed form has no expected version; use the JSON form');
  return {
    stage: u.stage,
    data: { oldState: u.oldState, newState: u.newState, newInput: u.newInput, newOutput: u.newOutput, newStateMachine: u.newStateMachine, stateMigration: u.stateMigration },
  };
}

/**
 * The seed reply to a request given its outcome: `UpgradeSucceeded "<first stage>"`
 * or `UpgradeFailed "<refused stage>" "<reason>"`. Only send success once the plan is applied.
 */
export function seedUpgradeReply(request: UpgradeRequest, outcome: UpgradePlan): ServerMessage {
  const first = request.stages[0]?.stage ?? '';
  if (outcome.ok) return { kind: 'UpgradeSucceeded', stage: first };
  return { kind: 'UpgradeFailed', stage: outcome.stage === '' ? first : outcome.stage, reason: outcome.reason };
}

// ---------------------------------------------------------------------------
// JSON forms.
//
// Request: {"upgrade": [{"stage": "counter", "oldState": "Int", "newState": {"Pair": ["Int", "Bool"]},
//                        "newInput": "String", "newOutput": "String", "newStateMachine": {"op": …},
//                        "stateMigration": {"op": "Fanout", …}, "inverseMigration": {"op": "Fst"},
//                        "expectedVersion": "sha256:…"}]}
// Types and terms in their JSON forms (types.ts, terms.ts).

export class UpgradeSyntaxError extends Error {
  override name = 'UpgradeSyntaxError';
}

const STAGE_UPGRADE_KEYS = ['stage', 'oldState', 'newState', 'newInput', 'newOutput', 'newStateMachine', 'stateMigration', 'inverseMigration', 'expectedVersion'] as const;
const REQUIRED_STAGE_UPGRADE_KEYS = STAGE_UPGRADE_KEYS.slice(0, 7);

export function upgradeRequestToJson(request: UpgradeRequest): Json {
  return {
    upgrade: request.stages.map((u) => {
      const out: { [key: string]: Json } = {
        stage: u.stage,
        oldState: typeToJson(u.oldState) as Json,
        newState: typeToJson(u.newState) as Json,
        newInput: typeToJson(u.newInput) as Json,
        newOutput: typeToJson(u.newOutput) as Json,
        newStateMachine: termToJson(u.newStateMachine),
        stateMigration: termToJson(u.stateMigration),
      };
      if (u.inverseMigration !== undefined) out.inverseMigration = termToJson(u.inverseMigration);
      if (u.expectedVersion !== undefined) out.expectedVersion = u.expectedVersion;
      return out;
    }),
  };
}

/** Reads the JSON form (already parsed); every error names the path of what is wrong: `upgrade[0].newState: …`. */
export function upgradeRequestFromJson(json: unknown): UpgradeRequest {
  const obj = object(json, 'upgrade request', 'an upgrade request is an object like {"upgrade": [{"stage": …}]}');
  onlyKeys(obj, 'upgrade request', ['upgrade']);
  if (!Array.isArray(obj.upgrade)) throw new UpgradeSyntaxError(`upgrade: expected an array of stage upgrades, got ${describe(obj.upgrade)}`);
  if (obj.upgrade.length === 0) throw new UpgradeSyntaxError('upgrade: the array names no stage');
  return { stages: obj.upgrade.map((u, i) => stageUpgradeFromJson(u, `upgrade[${i}]`)) };
}

/** Reads the JSON text of an upgrade request. */
export function parseUpgradeRequest(text: string): UpgradeRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UpgradeSyntaxError(`upgrade request: not JSON (${(e as Error).message})`);
  }
  return upgradeRequestFromJson(json);
}

function stageUpgradeFromJson(json: unknown, path: string): StageUpgrade {
  const obj = object(json, path, 'a stage upgrade is an object with stage, oldState, newState, newInput, newOutput, newStateMachine and stateMigration');
  onlyKeys(obj, path, STAGE_UPGRADE_KEYS);
  for (const key of REQUIRED_STAGE_UPGRADE_KEYS) {
    if (obj[key] === undefined) throw new UpgradeSyntaxError(`${path}: a stage upgrade needs ${quote(key)}`);
  }
  if (typeof obj.stage !== 'string' || obj.stage === '') throw new UpgradeSyntaxError(`${path}.stage: expected a non-empty string, got ${describe(obj.stage)}`);
  const type = (key: string) => wrapped(() => typeFromJson(obj[key], `${path}.${key}`));
  const term = (key: string) => wrapped(() => termFromJson(obj[key], `${path}.${key}`));
  const out: { -readonly [K in keyof StageUpgrade]: StageUpgrade[K] } = {
    stage: obj.stage,
    oldState: type('oldState'),
    newState: type('newState'),
    newInput: type('newInput'),
    newOutput: type('newOutput'),
    newStateMachine: term('newStateMachine'),
    stateMigration: term('stateMigration'),
  };
  if (obj.inverseMigration !== undefined) out.inverseMigration = term('inverseMigration');
  if (obj.expectedVersion !== undefined) {
    if (typeof obj.expectedVersion !== 'string' || !isVersionRef(obj.expectedVersion)) {
      throw new UpgradeSyntaxError(`${path}.expectedVersion: expected a content hash like "sha256:3f2a9c01b4de…" (12 to 64 hex digits), got ${describe(obj.expectedVersion)}`);
    }
    out.expectedVersion = obj.expectedVersion;
  }
  return out;
}

export function stageVersionToJson(v: StageVersion): Json {
  return {
    number: v.number,
    hash: v.hash,
    installedAt: v.installedAt,
    state: typeToJson(v.stateType) as Json,
    input: typeToJson(v.inputType) as Json,
    output: typeToJson(v.outputType) as Json,
    term: termToJson(v.term),
    hasInverse: v.hasInverse,
    upgradeId: v.upgradeId,
  };
}

/** Reads a stage version; refuses one whose hash is not the hash of its content (a corrupted or hand-edited history). */
export function stageVersionFromJson(json: unknown, path = 'version'): StageVersion {
  const keys = ['number', 'hash', 'installedAt', 'state', 'input', 'output', 'term', 'hasInverse', 'upgradeId'];
  const obj = object(json, path, 'a stage version is an object with ' + keys.join(', '));
  onlyKeys(obj, path, keys);
  for (const key of keys) if (obj[key] === undefined) throw new UpgradeSyntaxError(`${path}: a stage version needs ${quote(key)}`);
  const number = count(obj.number, `${path}.number`, 1);
  const upgradeId = count(obj.upgradeId, `${path}.upgradeId`, 0);
  if (typeof obj.hash !== 'string') throw new UpgradeSyntaxError(`${path}.hash: expected a string, got ${describe(obj.hash)}`);
  if (typeof obj.installedAt !== 'string' || Number.isNaN(Date.parse(obj.installedAt))) {
    throw new UpgradeSyntaxError(`${path}.installedAt: expected an ISO 8601 time, got ${describe(obj.installedAt)}`);
  }
  if (typeof obj.hasInverse !== 'boolean') throw new UpgradeSyntaxError(`${path}.hasInverse: expected true or false, got ${describe(obj.hasInverse)}`);
  const content = {
    stateType: wrapped(() => typeFromJson(obj.state, `${path}.state`)),
    inputType: wrapped(() => typeFromJson(obj.input, `${path}.input`)),
    outputType: wrapped(() => typeFromJson(obj.output, `${path}.output`)),
    term: wrapped(() => termFromJson(obj.term, `${path}.term`)),
  };
  let actual: string;
  try {
    actual = contentHash(content);
  } catch (e) {
    throw new UpgradeSyntaxError(`${path}.term: ${(e as Error).message}`);
  }
  if (actual !== obj.hash) throw new UpgradeSyntaxError(`${path}.hash: ${quote(obj.hash)} is not the hash of this version's content (${actual})`);
  return { number, hash: actual, installedAt: obj.installedAt, ...content, hasInverse: obj.hasInverse, upgradeId };
}

export function upgradeRecordToJson(r: UpgradeRecord): Json {
  const out: { [key: string]: Json } = {
    id: r.id,
    stages: r.stages.map((s) => {
      const stage: { [key: string]: Json } = { name: s.name, from: stageVersionToJson(s.from), to: stageVersionToJson(s.to), migration: termToJson(s.migration) };
      if (s.inverse !== undefined) stage.inverse = termToJson(s.inverse);
      return stage;
    }),
  };
  if (r.rollbackOf !== undefined) out.rollbackOf = r.rollbackOf;
  return out;
}

export function upgradeRecordFromJson(json: unknown, path = 'record'): UpgradeRecord {
  const obj = object(json, path, 'an upgrade record is an object with id and stages');
  onlyKeys(obj, path, ['id', 'stages', 'rollbackOf']);
  const id = count(obj.id, `${path}.id`, 1);
  if (!Array.isArray(obj.stages) || obj.stages.length === 0) throw new UpgradeSyntaxError(`${path}.stages: expected a non-empty array, got ${describe(obj.stages)}`);
  const stages = obj.stages.map((s: unknown, i: number): UpgradeRecordStage => {
    const at = `${path}.stages[${i}]`;
    const o = object(s, at, 'expected {"name", "from", "to", "migration"} and optionally "inverse"');
    onlyKeys(o, at, ['name', 'from', 'to', 'migration', 'inverse']);
    if (typeof o.name !== 'string' || o.name === '') throw new UpgradeSyntaxError(`${at}.name: expected a non-empty string, got ${describe(o.name)}`);
    if (o.migration === undefined) throw new UpgradeSyntaxError(`${at}: needs "migration"`);
    const stage = {
      name: o.name,
      from: stageVersionFromJson(o.from, `${at}.from`),
      to: stageVersionFromJson(o.to, `${at}.to`),
      migration: wrapped(() => termFromJson(o.migration, `${at}.migration`)),
    };
    return o.inverse !== undefined ? { ...stage, inverse: wrapped(() => termFromJson(o.inverse, `${at}.inverse`)) } : stage;
  });
  if (obj.rollbackOf !== undefined) return { id, stages, rollbackOf: count(obj.rollbackOf, `${path}.rollbackOf`, 1) };
  return { id, stages };
}

function count(x: unknown, path: string, min: number): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) throw new UpgradeSyntaxError(`${path}: expected an integer ≥ ${min}, got ${describe(x)}`);
  return x;
}

function wrapped<X>(read: () => X): X {
  try {
    return read();
  } catch (e) {
    if (e instanceof TypeSyntaxError || e instanceof ValueSyntaxError || e instanceof TermSyntaxError) throw new UpgradeSyntaxError(e.message);
    throw e;
  }
}

function object(json: unknown, path: string, what: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new UpgradeSyntaxError(`${path}: ${what}, got ${describe(json)}`);
  return json as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new UpgradeSyntaxError(`${path}: unknown key ${quote(key)} (expected ${allowed.join(', ')})`);
  }
}

function describe(x: unknown): string {
  const text = JSON.stringify(x) ?? String(x);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
