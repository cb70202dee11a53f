// Upgrade checks: the seed's counter upgrades planned from its exact wire messages, every refusal with its
// code, links between stages, rollback through recorded inverses, and content hashes.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbUntypedTerm } from './arbitraries.ts';
import {
  canonicalJson,
  canonicalStageText,
  canonicalTermText,
  contentHash,
  isVersionRef,
  shortHash,
  versionMatches,
} from '../compiler/content-hash.ts';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { step } from '../compiler/interpret.ts';
import { parseClientMessageSeed, showClientMessageSeed, showServerMessageSeed } from '../compiler/messages.ts';
import { parseTermSeed } from '../compiler/seed-syntax.ts';
import { mk, OPS, type Term, termFromJson, termToJson } from '../compiler/terms.ts';
import { type Typed, typecheck, typecheckMigration } from '../compiler/typecheck.ts';
import { Bool, Int, pair, Str, type Type, Unit } from '../compiler/types.ts';
import type { Value } from '../compiler/values.ts';
import {
  type DeployedStage,
  deployedStage,
  initialVersion,
  parseUpgradeRequest,
  planRollback,
  planUpgrade,
  recordUpgrade,
  rollbackTarget,
  seedUpgradeReply,
  type StageUpgrade,
  type StageVersion,
  UPGRADE_ERROR_CODES,
  type UpgradePlan,
  type UpgradePlanOk,
  type UpgradeRecord,
  type UpgradeRequest,
  upgradeRecordFromJson,
  upgradeRecordToJson,
  upgradeRequestFromJson,
  upgradeRequestFromSeed,
  upgradeRequestToJson,
  upgradeRequestToSeed,
  UpgradeSyntaxError,
} from '../compiler/upgrade.ts';
import { counterV1Term, counterV2Term, counterV3Term } from '../examples/counter/index.ts';

// The exact upgrade messages of WIRE.md, as the prototype's client sends them.
const UPGRADE_V2 =
  'Upgrade (MaybeSocket Nothing) "counter" (UpgradeData_ {oldState = UTInt, newState = UTInt, newInput = UTString, newOutput = UTString, newStateMachine = ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTInt UTUnit))) (CaseU (ComposeU PutU (IntU 0)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU)))) (ReadU (UTEither UTUnit (UTEither UTUnit UTUnit))), stateMigration = IdU})';
const UPGRADE_V3 =
  'Upgrade (MaybeSocket Nothing) "counter" (UpgradeData_ {oldState = UTInt, newState = UTPair UTInt UTBool, newInput = UTString, newOutput = UTString, newStateMachine = ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTUnit (UTEither UTInt UTUnit)))) (CaseU (ComposeU (ComposeU PutU (SecondU NotU)) GetU) (CaseU (ComposeU PutU ((:.&&) (IntU 0) (BoolU False))) (CaseU (ComposeU FstU GetU) (ComposeU (ComposeU (ComposeU PutU ((:.&&) IdU (ComposeU (ComposeU SndU GetU) ConsumeU))) (IfU DecrU IncrU)) GetU))))) (ReadU (UTEither UTUnit (UTEither UTUnit (UTEither UTUnit UTUnit)))), stateMigration = (:.&&) IdU (BoolU False)})';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-02T00:00:00.000Z';
const T2 = '2025-01-03T00:00:00.000Z';

function seedRequest(text: string): UpgradeRequest {
  const parsed = parseClientMessageSeed(text, Str);
  if (!parsed.ok) throw new Error(`not a message: ${parsed.error}`);
  if (parsed.message.kind !== 'Upgrade') throw new Error(`expected an Upgrade, got ${parsed.message.kind}`);
  return upgradeRequestFromSeed(parsed.message.stage, parsed.message.data);
}

function stage(name: string, stateType: Type, inputType: Type, outputType: Type, term: Term, version = 1): DeployedStage {
  return { name, stateType, inputType, outputType, term, hash: contentHash({ stateType, inputType, outputType, term }), version };
}

const counterV1 = () => stage('counter', Int, Str, Str, counterV1Term);
const counterV2 = (version = 2) => stage('counter', Int, Str, Str, counterV2Term, version);
const counterV3 = (version = 3) => stage('counter', pair(Int, Bool), Str, Str, counterV3Term, version);

function ok(plan: UpgradePlan): UpgradePlanOk {
  if (!plan.ok) throw new Error(`expected a plan, got ${plan.code} for ${JSON.stringify(plan.stage)}: ${plan.reason}`);
  return plan;
}

function refused(plan: UpgradePlan): Extract<UpgradePlan, { ok: false }> {
  if (plan.ok) throw new Error(`expected a refusal, got a plan for ${plan.stages.map((s) => s.name).join(', ')}`);
  return plan;
}

function run(typed: Typed, input: Value, state: Value): { output: Value; state: Value } {
  const r = step(typed, input, state);
  if (!r.ok) throw new Error(`step failed: ${r.error.message}`);
  return { output: r.output, state: r.state };
}

/** Feeds seed-syntax items through a planned machine from `state`. */
function session(typed: Typed, state: Value, inputs: readonly string[]): { outputs: Value[]; state: Value } {
  const outputs: Value[] = [];
  for (const input of inputs) {
    const r = run(typed, input, state);
    outputs.push(r.output);
    state = r.state;
  }
  return { outputs, state };
}

/** Runs a planned migration on a state, as the runtime does at the cut. */
function migrate(typed: Typed, state: Value): Value {
  return run(typed, state, null).output;
}

const term = (seed: string) => parseTermSeed(seed);

describe("the seed's counter upgrades, from its exact wire messages", () => {
  it('v1 -> v2 (migration IdU) is planned, and the planned terms continue the seed session', () => {
    const v1 = counterV1();
    const plan = ok(planUpgrade([v1], seedRequest(UPGRADE_V2), { typeSyntax: 'seed' }));
    expect(plan.stages).toHaveLength(1);
    const p = plan.stages[0];
    expect(p).toMatchObject({ index: 0, name: 'counter', stateType: Int, inputType: Str, outputType: Str, version: 2 });
    expect(p.term).toEqual(counterV2Term);
    expect(p.hash).toBe(counterV2().hash);
    expect(p.previous).toEqual({ hash: v1.hash, version: 1, stateType: Int, inputType: Str, outputType: Str });
    expect(p.inverse).toBeUndefined();
    expect(plan).toMatchObject({ input: Str, output: Str, changesExternalInput: false, changesExternalOutput: false });
    expect(plan.hints).toEqual(['stage "counter" has no inverse migration: this upgrade cannot be rolled back']);

    // The session of WIRE.md: the count is 2 at the cut, preserved by the migration.
    const state = migrate(p.migration, 2n);
    expect(state).toBe(2n);
    expect(session(p.machine, state, ['Right (Left ())', 'Left ()', 'Right (Left ())']).outputs).toEqual(['Right (Left 2)', 'Left ()', 'Right (Left 0)']);
    expect(showServerMessageSeed(seedUpgradeReply(seedRequest(UPGRADE_V2), plan), Str)).toBe('UpgradeSucceeded "counter"');
  });

  it('v2 -> v3 (migration (:.&&) IdU (BoolU False)) is planned and turns the count into (count, False)', () => {
    const plan = ok(planUpgrade([counterV2()], seedRequest(UPGRADE_V3), { typeSyntax: 'seed' }));
    const p = plan.stages[0];
    expect(p).toMatchObject({ name: 'counter', stateType: pair(Int, Bool), version: 3, hash: counterV3().hash });
    expect(p.migration.input).toEqual(Int);
    expect(p.migration.output).toEqual(pair(Int, Bool));
    const state = migrate(p.migration, 0n);
    expect(state).toEqual([0n, false]);
    expect(session(p.machine, state, ['Right (Right (Left ()))', 'Left ()']).outputs).toEqual(['Right (Right (Left 0))', 'Left ()']);
  });

  it('a request converts back to the exact seed message', () => {
    for (const text of [UPGRADE_V2, UPGRADE_V3]) {
      const { stage: name, data } = upgradeRequestToSeed(seedRequest(text));
      expect(showClientMessageSeed({ kind: 'Upgrade', stage: name, data }, Str)).toBe(text);
    }
    const withInverse: UpgradeRequest = { stages: [{ ...seedRequest(UPGRADE_V3).stages[0], inverseMigration: mk('Fst', {}) }] };
    expect(() => upgradeRequestToSeed(withInverse)).toThrow(/no inverse migration; use the JSON form/);
  });
});

describe('refusals, each with its code', () => {
  it('an empty request', () => {
    expect(refused(planUpgrade([counterV1()], { stages: [] }))).toMatchObject({ code: 'UPG_EMPTY', stage: '' });
  });

  it('wrong old state type: in seed syntax for seed requests, readable otherwise, and the seed reply carries it', () => {
    const request = seedRequest(UPGRADE_V2.replace('oldState = UTInt', 'oldState = UTBool'));
    const seed = refused(planUpgrade([counterV1()], request, { typeSyntax: 'seed' }));
    expect(seed).toEqual({ ok: false, stage: 'counter', code: 'UPG_OLD_STATE', reason: 'old state type is UTInt, not UTBool' });
    expect(showServerMessageSeed(seedUpgradeReply(request, seed), Str)).toBe('UpgradeFailed "counter" "old state type is UTInt, not UTBool"');
    expect(refused(planUpgrade([counterV1()], request)).reason).toBe('old state type is Int, not Bool');
    // The v3 upgrade sent again to a counter already at v3.
    const v3Twice = seedRequest(UPGRADE_V3);
    expect(refused(planUpgrade([counterV3()], v3Twice, { typeSyntax: 'seed' })).reason).toBe('old state type is UTPair UTInt UTBool, not UTInt');
  });

  it('ill-typed new machine: the reason is a context line and the formatted diagnostic', () => {
    const request = seedRequest(UPGRADE_V2.replace('newState = UTInt', 'newState = UTBool'));
    const r = refused(planUpgrade([counterV1()], request));
    expect(r.code).toBe('UPG_MACHINE_TYPE');
    const direct = typecheck(counterV2Term, { state: Bool, input: Str, output: Str });
    if (direct.ok) throw new Error('v2 should not typecheck with a Bool state');
    expect(r.diagnostic).toEqual(direct.error);
    expect(r.reason).toBe(`the new machine does not typecheck at state Bool, input String, output String:\n${formatDiagnostic(direct.error)}`);
  });

  it('wrong input type for the machine: declared String -> String but sent as Int -> String', () => {
    const request = seedRequest(UPGRADE_V2.replace('newInput = UTString', 'newInput = UTInt'));
    const r = refused(planUpgrade([counterV1()], request, { typeSyntax: 'seed' }));
    expect(r.code).toBe('UPG_MACHINE_TYPE');
    expect(r.reason.split('\n')[0]).toBe('the new machine does not typecheck at state UTInt, input UTInt, output UTString:');
    expect(r.diagnostic?.found).toEqual(Int);
    expect(r.diagnostic?.expected).toEqual(Str);
  });

  it('ill-typed migration: IdU cannot turn Int into (Int, Bool)', () => {
    const request = seedRequest(UPGRADE_V3.replace('stateMigration = (:.&&) IdU (BoolU False)', 'stateMigration = IdU'));
    const r = refused(planUpgrade([counterV2()], request));
    expect(r.code).toBe('UPG_MIGRATION_TYPE');
    const direct = typecheckMigration(mk('Id', {}), Int, pair(Int, Bool));
    if (direct.ok) throw new Error('Id should not migrate Int to (Int, Bool)');
    expect(r.diagnostic).toEqual(direct.error);
    expect(r.reason).toBe(`the state migration does not typecheck from Int to (Int, Bool):\n${formatDiagnostic(direct.error)}`);
  });

  it('ill-typed inverse: Snd does not take (Int, Bool) back to Int; Fst does', () => {
    const base = seedRequest(UPGRADE_V3).stages[0];
    const bad = refused(planUpgrade([counterV2()], { stages: [{ ...base, inverseMigration: mk('Snd', {}) }] }));
    expect(bad.code).toBe('UPG_INVERSE_TYPE');
    expect(bad.reason.split('\n')[0]).toBe('the inverse migration does not typecheck from (Int, Bool) back to Int:');
    expect(bad.diagnostic?.code).toBe('SM203');
    const good = ok(planUpgrade([counterV2()], { stages: [{ ...base, inverseMigration: mk('Fst', {}) }] }));
    expect(good.stages[0].inverse?.output).toEqual(Int);
    expect(migrate(good.stages[0].inverse!, [7n, true])).toBe(7n);
    expect(good.hints).toEqual([]);
  });

  it('unknown stage: suggests a close name, else lists the stages', () => {
    const base = seedRequest(UPGRADE_V2).stages[0];
    expect(refused(planUpgrade([counterV1()], { stages: [{ ...base, stage: 'countr' }] }))).toEqual({
      ok: false,
      stage: 'countr',
      code: 'UPG_UNKNOWN_STAGE',
      reason: 'no stage is named "countr"; did you mean "counter"?',
    });
    expect(refused(planUpgrade(threeStages(), { stages: [{ ...base, stage: 'billing' }] })).reason).toBe(
      'no stage is named "billing" (the stages are "parse", "store" and "format")',
    );
  });

  it('the same stage named twice', () => {
    const base = seedRequest(UPGRADE_V2).stages[0];
    expect(refused(planUpgrade([counterV1()], { stages: [base, base] }))).toMatchObject({ code: 'UPG_DUPLICATE_STAGE', stage: 'counter' });
  });

  it('stale expected version (compare-and-swap); the current one, full or short, is accepted', () => {
    const base = seedRequest(UPGRADE_V2).stages[0];
    const v1 = counterV1();
    const stale = refused(planUpgrade([v1], { stages: [{ ...base, expectedVersion: counterV2().hash }] }));
    expect(stale.code).toBe('UPG_STALE_VERSION');
    expect(stale.reason).toBe(`stage "counter" is at version 1 (${shortHash(v1.hash)}), not the expected ${counterV2().hash}: it has changed since the upgrade was prepared`);
    ok(planUpgrade([v1], { stages: [{ ...base, expectedVersion: v1.hash }] }));
    ok(planUpgrade([v1], { stages: [{ ...base, expectedVersion: shortHash(v1.hash) }] }));
    ok(planUpgrade([v1], { stages: [{ ...base, expectedVersion: `sha256:${shortHash(v1.hash)}` }] }));
    expect(refused(planUpgrade([v1], { stages: [{ ...base, expectedVersion: 'v1' }] })).code).toBe('UPG_BAD_EXPECTED_VERSION');
  });

  it('checks run in the documented order: names, then versions, then types, then links', () => {
    const base = seedRequest(UPGRADE_V2).stages[0];
    const illTyped = { ...base, oldState: Bool, newStateMachine: mk('Incr', {}) };
    expect(refused(planUpgrade([counterV1()], { stages: [illTyped, { ...base, stage: 'nope' }] })).code).toBe('UPG_UNKNOWN_STAGE');
    expect(refused(planUpgrade([counterV1()], { stages: [{ ...illTyped, expectedVersion: counterV2().hash }] })).code).toBe('UPG_STALE_VERSION');
    expect(refused(planUpgrade([counterV1()], { stages: [illTyped] })).code).toBe('UPG_OLD_STATE');
    const badEverything = { ...base, newStateMachine: mk('Incr', {}), stateMigration: mk('Not', {}), inverseMigration: mk('Not', {}) };
    expect(refused(planUpgrade([counterV1()], { stages: [badEverything] })).code).toBe('UPG_MACHINE_TYPE');
    expect(refused(planUpgrade([counterV1()], { stages: [{ ...badEverything, newStateMachine: counterV2Term }] })).code).toBe('UPG_MIGRATION_TYPE');
    // An ill-typed stage later in the request is reported before a link problem of an earlier one.
    const [parse, store, format] = threeStages();
    const storeToBool = upgradeOf(store, { newOutput: Bool, newStateMachine: intToBool });
    const formatIllTyped = upgradeOf(format, { newStateMachine: mk('Incr', {}) });
    expect(refused(planUpgrade([parse, store, format], { stages: [storeToBool, formatIllTyped] }))).toMatchObject({ code: 'UPG_MACHINE_TYPE', stage: 'format' });
  });

  it('every refusal code is documented in docs/upgrades.md', () => {
    const docs = readFileSync(new URL('../docs/upgrades.md', import.meta.url), 'utf8');
    for (const code of UPGRADE_ERROR_CODES) expect(docs, code).toContain(`\`${code}\``);
  });
});

// parse: String -> Int;  store: Int -> Int (adds to its state, answers the total);  format: Int -> String.
const storeTerm = term('ComposeU GetU (ComposeU PutU (ComposeU AddU ((:.&&) IdU (ComposeU GetU ConsumeU))))');
const intToBool = term('ComposeU LtU ((:.&&) IdU (ComposeU (IntU 10) ConsumeU))');

function threeStages(): DeployedStage[] {
  return [
    stage('parse', Unit, Str, Int, mk('Read', { type: Int })),
    stage('store', Int, Int, Int, storeTerm),
    stage('format', Unit, Int, Str, mk('Show', { type: Int })),
  ];
}

/** An upgrade of a deployed stage keeping its state (migration Id) unless told otherwise. */
function upgradeOf(d: DeployedStage, change: Partial<StageUpgrade>): StageUpgrade {
  return {
    stage: d.name,
    oldState: d.stateType,
    newState: d.stateType,
    newInput: d.inputType,
    newOutput: d.outputType,
    newStateMachine: d.term,
    stateMigration: mk('Id', {}),
    ...change,
  };
}

describe('links between stages', () => {
  it('the three-stage pipeline itself runs: "5" then "6" totals 11', () => {
    const [, store] = threeStages();
    const typed = typecheck(store.term, { state: Int, input: Int, output: Int });
    if (!typed.ok) throw new Error(formatDiagnostic(typed.error));
    expect(run(typed.typed, 6n, 5n)).toEqual({ output: 11n, state: 11n });
  });

  it('a new input type must be the previous stage output', () => {
    const [parse, store, format] = threeStages();
    const storeFromString = upgradeOf(store, { newInput: Str, newStateMachine: term('ComposeU GetU (ComposeU PutU (ComposeU AddU ((:.&&) StrLengthU (ComposeU GetU ConsumeU))))') });
    expect(refused(planUpgrade([parse, store, format], { stages: [storeFromString] }))).toEqual({
      ok: false,
      stage: 'store',
      code: 'UPG_INPUT_LINK',
      reason: 'new input type String does not match the output type Int of the previous stage "parse"; to change the type between them, upgrade both stages in one request',
    });
  });

  it('a new output type must be the next stage input', () => {
    const [parse, store, format] = threeStages();
    const r = refused(planUpgrade([parse, store, format], { stages: [upgradeOf(store, { newOutput: Bool, newStateMachine: intToBool })] }, { typeSyntax: 'seed' }));
    expect(r).toMatchObject({ stage: 'store', code: 'UPG_OUTPUT_LINK' });
    expect(r.reason).toBe('new output type UTBool does not match the input type UTInt of the next stage "format"; to change the type between them, upgrade both stages in one request');
  });

  it('changing the type between two stages succeeds only when both are in one request', () => {
    const [parse, store, format] = threeStages();
    const storeToBool = upgradeOf(store, { newOutput: Bool, newStateMachine: intToBool });
    const formatFromBool = upgradeOf(format, { newInput: Bool, newStateMachine: mk('Show', { type: Bool }) });
    const pipeline = [parse, store, format];
    expect(refused(planUpgrade(pipeline, { stages: [storeToBool] })).code).toBe('UPG_OUTPUT_LINK');
    expect(refused(planUpgrade(pipeline, { stages: [formatFromBool] })).code).toBe('UPG_INPUT_LINK');
    for (const stages of [[storeToBool, formatFromBool], [formatFromBool, storeToBool]]) {
      const plan = ok(planUpgrade(pipeline, { stages }));
      expect(plan.stages.map((s) => [s.index, s.name, s.version])).toEqual([
        [1, 'store', 2],
        [2, 'format', 2],
      ]);
      expect(plan).toMatchObject({ input: Str, output: Str, changesExternalInput: false, changesExternalOutput: false });
      const [s, f] = plan.stages;
      expect(run(f.machine, run(s.machine, 3n, null).output, null).output).toBe('True');
    }
    // Both upgraded, but they still disagree: reported on the downstream stage.
    const formatFromString = upgradeOf(format, { newInput: Str, newStateMachine: mk('Id', {}) });
    expect(refused(planUpgrade(pipeline, { stages: [storeToBool, formatFromString] }))).toMatchObject({
      stage: 'format',
      code: 'UPG_INPUT_LINK',
      reason: 'new input type String does not match the output type Bool of the previous stage "store" (as upgraded in this request)',
    });
  });

  it("the pipeline's external input and output may change; the plan says so", () => {
    const [parse, store, format] = threeStages();
    const parseFromInt = upgradeOf(parse, { newInput: Int, newStateMachine: mk('Id', {}) });
    const formatToInt = upgradeOf(format, { newOutput: Int, newStateMachine: mk('Id', {}) });
    const plan = ok(planUpgrade([parse, store, format], { stages: [parseFromInt, formatToInt] }));
    expect(plan).toMatchObject({ input: Int, output: Int, changesExternalInput: true, changesExternalOutput: true });
    expect(plan.hints).toContain("the pipeline's input type changes from String to Int: clients must send the new type");
    expect(plan.hints).toContain("the pipeline's output type changes from String to Int: clients receive the new type");
  });
});

describe('version history and rollback', () => {
  /** Applies a plan the way the runtime does: new deployed stages, the record appended, versions kept per stage. */
  class Deployment {
    readonly history: UpgradeRecord[] = [];
    readonly versions = new Map<string, StageVersion[]>();
    constructor(readonly names: readonly string[], first: readonly DeployedStage[]) {
      for (const d of first) this.versions.set(d.name, [initialVersion(d, T0)]);
    }
    get deployed(): DeployedStage[] {
      return this.names.map((n) => deployedStage(n, this.current(n)));
    }
    current(name: string): StageVersion {
      const vs = this.versions.get(name)!;
      return vs[vs.length - 1];
    }
    apply(plan: UpgradePlanOk, at = T1): UpgradeRecord {
      const record = recordUpgrade(plan, this.history.length + 1, at, (n) => this.versions.get(n)?.at(-1));
      this.history.push(record);
      for (const s of record.stages) this.versions.get(s.name)!.push(s.to);
      return record;
    }
  }

  const v2to3WithInverse = (): UpgradeRequest => ({ stages: [{ ...seedRequest(UPGRADE_V3).stages[0], inverseMigration: mk('Fst', {}) }] });
  const v1to2WithInverse = (): UpgradeRequest => ({ stages: [{ ...seedRequest(UPGRADE_V2).stages[0], inverseMigration: mk('Id', {}) }] });

  it('records versions: number, hash, time, types, whether an inverse exists, the upgrade', () => {
    const d = new Deployment(['counter'], [counterV1()]);
    const record = d.apply(ok(planUpgrade(d.deployed, seedRequest(UPGRADE_V2))));
    expect(record.id).toBe(1);
    expect(record.rollbackOf).toBeUndefined();
    expect(record.stages[0].from).toEqual({ ...initialVersion(counterV1(), T0) });
    expect(record.stages[0].to).toEqual({
      number: 2,
      hash: counterV2().hash,
      installedAt: T1,
      stateType: Int,
      inputType: Str,
      outputType: Str,
      term: counterV2Term,
      hasInverse: false,
      upgradeId: 1,
    });
    expect(record.stages[0].migration).toEqual(mk('Id', {}));
    expect(record.stages[0].inverse).toBeUndefined();
    expect(() => recordUpgrade(ok(planUpgrade([counterV1()], seedRequest(UPGRADE_V2))), 2, T2, () => record.stages[0].to)).toThrow(/not at the version the plan was made against/);
  });

  it('rolls back the latest upgrade through its inverse, as a new version; rolling back again walks further back', () => {
    const d = new Deployment(['counter'], [counterV1()]);
    d.apply(ok(planUpgrade(d.deployed, v1to2WithInverse())));
    d.apply(ok(planUpgrade(d.deployed, v2to3WithInverse())), T2);

    const back = planRollback(d.history, d.deployed);
    if (!back.ok) throw new Error(back.reason);
    expect(back.rollbackOf).toBe(2);
    const p = back.stages[0];
    expect(p).toMatchObject({ name: 'counter', stateType: Int, version: 4, hash: counterV2().hash });
    expect(p.term).toEqual(counterV2Term);
    expect(migrate(p.migration, [5n, true])).toBe(5n);
    expect(p.inverse?.term).toEqual(term('(:.&&) IdU (BoolU False)'));
    const record = d.apply(back);
    expect(record).toMatchObject({ id: 3, rollbackOf: 2 });
    expect(record.stages[0].to).toMatchObject({ number: 4, hash: counterV2().hash, hasInverse: true, upgradeId: 3 });

    const further = planRollback(d.history, d.deployed);
    if (!further.ok) throw new Error(further.reason);
    expect(further.rollbackOf).toBe(1);
    expect(further.stages[0]).toMatchObject({ version: 5, hash: counterV1().hash });
    d.apply(further);
    expect(rollbackTarget(d.history)).toBeUndefined();
    expect(refused(planRollback(d.history, d.deployed))).toEqual({ ok: false, stage: '', code: 'RBK_NOTHING', reason: 'nothing to roll back: every upgrade has been rolled back' });
    expect(refused(planRollback([], d.deployed)).reason).toBe('nothing to roll back: no upgrade has been applied');
  });

  it('rolls back a two-stage upgrade as a whole, or refuses naming every stage without an inverse', () => {
    const [parse, store, format] = threeStages();
    const storeToBool = upgradeOf(store, { newOutput: Bool, newStateMachine: intToBool, newState: Int, inverseMigration: mk('Id', {}) });
    const formatFromBool = upgradeOf(format, { newInput: Bool, newStateMachine: mk('Show', { type: Bool }), inverseMigration: mk('Id', {}) });

    const both = new Deployment(['parse', 'store', 'format'], [parse, store, format]);
    both.apply(ok(planUpgrade(both.deployed, { stages: [storeToBool, formatFromBool] })));
    const back = planRollback(both.history, both.deployed);
    if (!back.ok) throw new Error(back.reason);
    expect(back.stages.map((s) => [s.name, s.hash])).toEqual([
      ['store', store.hash],
      ['format', format.hash],
    ]);

    const { inverseMigration: _, ...storeNoInverse } = storeToBool;
    const one = new Deployment(['parse', 'store', 'format'], [parse, store, format]);
    one.apply(ok(planUpgrade(one.deployed, { stages: [storeNoInverse, formatFromBool] })));
    expect(refused(planRollback(one.history, one.deployed))).toEqual({
      ok: false,
      stage: 'store',
      code: 'RBK_NO_INVERSE',
      reason: 'cannot roll back upgrade 1: stage "store" has no inverse migration',
    });

    const { inverseMigration: __, ...formatNoInverse } = formatFromBool;
    const none = new Deployment(['parse', 'store', 'format'], [parse, store, format]);
    none.apply(ok(planUpgrade(none.deployed, { stages: [storeNoInverse, formatNoInverse] })));
    expect(refused(planRollback(none.history, none.deployed)).reason).toBe('cannot roll back upgrade 1: stages "store" and "format" have no inverse migration');
  });

  it('refuses when a touched stage has changed since the upgrade, or is gone', () => {
    const d = new Deployment(['counter'], [counterV1()]);
    d.apply(ok(planUpgrade(d.deployed, v1to2WithInverse())));
    const elsewhere = [stage('counter', Int, Str, Str, counterV1Term, 7)];
    const r = refused(planRollback(d.history, elsewhere));
    expect(r.code).toBe('RBK_CHANGED_SINCE');
    expect(r.reason).toBe(
      `cannot roll back upgrade 1: stage "counter" has changed since (it is at version 7, ${shortHash(counterV1().hash)}; the upgrade left version 2, ${shortHash(counterV2().hash)})`,
    );
    expect(refused(planRollback(d.history, threeStages()))).toMatchObject({ code: 'RBK_UNKNOWN_STAGE', reason: 'cannot roll back upgrade 1: stage "counter" is no longer deployed' });
  });

  it('typechecks the recorded terms again: a corrupted inverse is refused, not run', () => {
    const d = new Deployment(['counter'], [counterV1()]);
    d.apply(ok(planUpgrade(d.deployed, v1to2WithInverse())));
    const corrupted: UpgradeRecord[] = [{ ...d.history[0], stages: [{ ...d.history[0].stages[0], inverse: mk('Not', {}) }] }];
    const r = refused(planRollback(corrupted, d.deployed));
    expect(r.code).toBe('UPG_MIGRATION_TYPE');
    expect(r.reason.split('\n')[0]).toBe('cannot roll back upgrade 1: stage "counter": the state migration does not typecheck from Int to Int:');
  });

  it('records round-trip through JSON, and a tampered hash is refused', () => {
    const d = new Deployment(['counter'], [counterV1()]);
    d.apply(ok(planUpgrade(d.deployed, v1to2WithInverse())));
    d.apply(planRollbackOk(d));
    for (const record of d.history) {
      const json = JSON.parse(JSON.stringify(upgradeRecordToJson(record)));
      expect(upgradeRecordFromJson(json)).toEqual(record);
    }
    const json = JSON.parse(JSON.stringify(upgradeRecordToJson(d.history[0])));
    json.stages[0].to.term = termToJson(counterV3Term);
    expect(() => upgradeRecordFromJson(json)).toThrow(/^record\.stages\[0\]\.to\.hash: ".*" is not the hash of this version's content \(sha256:[0-9a-f]{64}\)$/);
  });

  function planRollbackOk(d: Deployment): UpgradePlanOk {
    const plan = planRollback(d.history, d.deployed);
    if (!plan.ok) throw new Error(plan.reason);
    return plan;
  }
});

describe('JSON form of a request', () => {
  const v3 = (): UpgradeRequest => ({ stages: [{ ...seedRequest(UPGRADE_V3).stages[0], inverseMigration: mk('Fst', {}), expectedVersion: counterV2().hash }] });

  it('round-trips, and plans the same as the seed form', () => {
    const text = JSON.stringify(upgradeRequestToJson(v3()));
    expect(text.startsWith('{"upgrade":[{"stage":"counter","oldState":"Int","newState":{"Pair":["Int","Bool"]},"newInput":"String","newOutput":"String","newStateMachine":{"op":"Compose"')).toBe(true);
    const back = parseUpgradeRequest(text);
    expect(back).toEqual(v3());
    expect(ok(planUpgrade([counterV2()], back)).stages[0].hash).toBe(counterV3().hash);
  });

  it('names the path of what is wrong', () => {
    const good = upgradeRequestToJson(v3()) as { upgrade: Record<string, unknown>[] };
    const bad = (change: (u: Record<string, unknown>) => void): unknown => {
      const copy = JSON.parse(JSON.stringify(good)) as { upgrade: Record<string, unknown>[] };
      change(copy.upgrade[0]);
      return copy;
    };
    const fails = (json: unknown) => {
      try {
        upgradeRequestFromJson(json);
      } catch (e) {
        expect(e).toBeInstanceOf(UpgradeSyntaxError);
        return (e as Error).message;
      }
      throw new Error('expected an UpgradeSyntaxError');
    };
    expect(fails(bad((u) => (u.newState = 'Integer')))).toMatch(/^upgrade\[0\]\.newState: unknown type "Integer"/);
    expect(fails(bad((u) => (u.newStateMachine = { op: 'Compose', left: { op: 'Frobnicate' }, right: { op: 'Id' } })))).toBe('upgrade[0].newStateMachine.left: unknown op "Frobnicate"');
    expect(fails(bad((u) => delete u.stateMigration))).toBe('upgrade[0]: a stage upgrade needs "stateMigration"');
    expect(fails(bad((u) => (u.expectedVersion = 'latest')))).toMatch(/^upgrade\[0\]\.expectedVersion: expected a content hash/);
    expect(fails(bad((u) => (u.newMachine = { op: 'Id' })))).toMatch(/^upgrade\[0\]: unknown key "newMachine"/);
    expect(fails(bad((u) => (u.stage = '')))).toBe('upgrade[0].stage: expected a non-empty string, got ""');
    expect(fails({ upgrade: [] })).toBe('upgrade: the array names no stage');
    expect(fails([])).toBe('upgrade request: an upgrade request is an object like {"upgrade": [{"stage": …}]}, got []');
    expect(() => parseUpgradeRequest('{"upgrade": [')).toThrow(/^upgrade request: not JSON/);
  });
});

// ---------------------------------------------------------------------------
// Content hashes.

/** Rebuilds a term bottom-up with `f` applied to every node (terms here are small). */
function mapTerm(t: Term, f: (t: Term) => Term): Term {
  const out: Record<string, unknown> = { op: t.op };
  for (const [name, kind] of OPS[t.op].fields) {
    const v = (t as unknown as Record<string, unknown>)[name];
    if (kind === 'term') out[name] = mapTerm(v as Term, f);
    else if (kind === 'terms') out[name] = Object.fromEntries(Object.entries(v as Record<string, Term>).map(([n, s]) => [n, mapTerm(s, f)]));
    else out[name] = v;
  }
  return f(out as Term);
}

/** The non-Compose parts of a Compose tree, left to right. */
function chain(t: Term): Term[] {
  return t.op === 'Compose' ? [...chain(t.left), ...chain(t.right)] : [t];
}

const leftNested = (t: Term) => mapTerm(t, (x) => (x.op === 'Compose' ? chain(x).reduce((l, r) => mk('Compose', { left: l, right: r })) : x));
const rightNested = (t: Term) => mapTerm(t, (x) => (x.op === 'Compose' ? chain(x).reduceRight((r, l) => mk('Compose', { left: l, right: r })) : x));

/** The same term with every object's keys in reverse order. */
function reversedKeys<X>(x: X): X {
  if (Array.isArray(x)) return x.map(reversedKeys) as X;
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x as object).reverse().map(([k, v]) => [k, reversedKeys(v)])) as X;
  }
  return x;
}

const at = (t: Term, stateType: Type = Int) => ({ stateType, inputType: Str, outputType: Str, term: t });

describe('content hashes', () => {
  it('are sha256: and 64 hex digits over the canonical text, and the short form is 12 of them', () => {
    const content = { stateType: Unit, inputType: Int, outputType: Int, term: mk('Incr', {}) };
    expect(canonicalStageText(content)).toBe('{"format":"smwasm.stage.v1","input":"Int","output":"Int","state":"Unit","term":{"op":"Incr"}}');
    const hash = contentHash(content);
    expect(hash).toBe(`sha256:${createHash('sha256').update(canonicalStageText(content)).digest('hex')}`);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Histories persist hashes: this pins the format, so changing it has to be deliberate (and renamed).
    expect(hash).toBe('sha256:8d211f490259f0aa473904cf39507e60dd2996828d69fa563f5f1b60fddf15ad');
    expect(shortHash(hash)).toBe(hash.slice(7, 19));
    expect(isVersionRef(shortHash(hash)) && versionMatches(shortHash(hash), hash)).toBe(true);
    expect(versionMatches(shortHash(hash).slice(0, 11), hash)).toBe(false);
  });

  it('are deterministic and independent of the key order of the objects given', () => {
    expect(contentHash(at(counterV3Term, pair(Int, Bool)))).toBe(contentHash(at(parseTermSeed(UPGRADE_V3.match(/newStateMachine = (.*), stateMigration/)![1]), pair(Int, Bool))));
    expect(contentHash(at(reversedKeys(counterV3Term)))).toBe(contentHash(at(counterV3Term)));
    const rec = (fields: Record<string, Term>) => mk('Record', { fields });
    expect(contentHash(at(rec({ b: mk('Id', {}), a: mk('Incr', {}) })))).toBe(contentHash(at(rec({ a: mk('Incr', {}), b: mk('Id', {}) }))));
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true })).toBe('{"a":true,"b":[1,{"c":"x","d":null}]}');
  });

  it('tell apart different terms and different types', () => {
    const hashes = [
      contentHash(at(counterV1Term)),
      contentHash(at(counterV2Term)),
      contentHash(at(counterV3Term)),
      contentHash(at(counterV1Term, Bool)),
      contentHash({ ...at(counterV1Term), inputType: Int }),
      contentHash({ ...at(counterV1Term), outputType: Int }),
      contentHash(at(mk('Int', { value: 0n }))),
      contentHash(at(mk('Int', { value: 1n }))),
      contentHash(at(mk('Int', { value: 1n << 62n }))),
      contentHash(at(mk('Compose', { left: mk('Id', {}), right: mk('Incr', {}) }))),
      contentHash(at(mk('Incr', {}))),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('normalise Compose to a right-nested chain: association does not change the hash, order does', () => {
    const [h, g, f] = [mk('Show', { type: Int }), mk('Incr', {}), mk('Read', { type: Int })];
    const left = mk('Compose', { left: mk('Compose', { left: h, right: g }), right: f });
    const right = mk('Compose', { left: h, right: mk('Compose', { left: g, right: f }) });
    expect(canonicalTermText(left)).toBe(canonicalTermText(right));
    expect(contentHash(at(left))).toBe(contentHash(at(right)));
    expect(contentHash(at(mk('Compose', { left: g, right: mk('Compose', { left: h, right: f }) })))).not.toBe(contentHash(at(right)));
  });

  it('hash a chain 100,000 Composes deep without overflowing the stack, whichever way it nests', () => {
    let leftDeep: Term = mk('Incr', {});
    let rightDeep: Term = mk('Incr', {});
    for (let i = 0; i < 100_000; i++) {
      leftDeep = mk('Compose', { left: leftDeep, right: mk('Incr', {}) });
      rightDeep = mk('Compose', { left: mk('Incr', {}), right: rightDeep });
    }
    const content = { stateType: Unit, inputType: Int, outputType: Int };
    expect(contentHash({ ...content, term: leftDeep })).toBe(contentHash({ ...content, term: rightDeep }));
  });

  it('random terms: invariant under JSON round trips, key order and re-association; the canonical text differs exactly when the right-nested forms differ', () => {
    const arb = arbUntypedTerm({ maxDepth: 3 });
    fc.assert(
      fc.property(arb, (t) => {
        const hash = contentHash(at(t));
        expect(contentHash(at(termFromJson(JSON.parse(JSON.stringify(termToJson(t))))))).toBe(hash);
        expect(contentHash(at(reversedKeys(t)))).toBe(hash);
        expect(contentHash(at(leftNested(t)))).toBe(hash);
        expect(canonicalTermText(t)).toBe(JSON.stringify(sortedJson(termToJson(rightNested(t)))));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const sameText = canonicalTermText(a) === canonicalTermText(b);
        expect(sameText).toBe(JSON.stringify(termToJson(rightNested(a))) === JSON.stringify(termToJson(rightNested(b))));
        expect(contentHash(at(a)) === contentHash(at(b))).toBe(sameText);
      }),
      { numRuns: 300 },
    );
  });
});

/** JSON with every object's keys sorted, by a plain recursive definition (the reference for canonicalTermText). */
function sortedJson(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortedJson);
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(
      Object.keys(x)
        .sort()
        .map((k) => [k, sortedJson((x as Record<string, unknown>)[k])]),
    );
  }
  return x;
}
