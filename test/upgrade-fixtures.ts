// Shared pieces of the upgrade tests: kv deployments with many keys, the kv
// upgrade as one request of three stages, migrations that fail on purpose,
// and a reimplementation of counter v1 with another hash.

import { erase, fail, id, machine, mapOf, pipe, ty } from '../compiler/edsl.ts';
import type { PipelineSpec } from '../compiler/pipeline.ts';
import { type Term, termFromJson } from '../compiler/terms.ts';
import { Int, Str, type Type, typeToJson, Unit } from '../compiler/types.ts';
import type { StageUpgrade, UpgradeRequest } from '../compiler/upgrade.ts';
import { InputV1, OutputV1 } from '../examples/counter/v1.ts';
import {
  Answer,
  kvV1,
  ParsedV1,
  ParsedV2,
  parseMigrationV1toV2Term,
  parseV1Term,
  parseV2Term,
  renderTerm,
  StateV1,
  StateV2,
  storeMigrationV1toV2Term,
  storeMigrationV2toV1Term,
  storeV1Term,
  storeV2Term,
} from '../examples/kv/index.ts';

export const identityTerm: Term = erase(id());

/** kv v1 whose store starts with `keys` entries `k<i>` => `v<i>`. */
export function kvV1WithKeys(keys: number): PipelineSpec {
  const entries: Array<readonly [string, string]> = [];
  for (let i = 0; i < keys; i++) entries.push([`k${i}`, `v${i}`]);
  const initial = mapOf(ty.string, ty.string, entries);
  return { stages: kvV1.spec.stages.map((s) => (s.name === 'store' ? { ...s, initialState: initial } : s)) };
}

/** A migration into `t` that always fails with `message`. */
export function failingMigration(message: string, t: Type): Term {
  return termFromJson({ op: 'Fail', message, type: typeToJson(t) });
}

/** A migration `(); () -> ()` that loops until it runs out of fuel. */
export const endlessMigration: Term = termFromJson({
  op: 'Unleft',
  type: 'Unit',
  body: { op: 'Compose', left: { op: 'InRight', type: 'Unit' }, right: { op: 'Consume' } },
});

export interface KvUpgradeParts {
  readonly parseMigration?: Term;
  readonly storeMigration?: Term;
  readonly renderMigration?: Term;
}

/** kv v1 => v2 as one request naming all three stages (render keeps its term: a new version with the same hash). */
export function kvUpgradeV1toV2(parts: KvUpgradeParts = {}): UpgradeRequest {
  const stages: StageUpgrade[] = [
    {
      stage: 'parse',
      oldState: Unit,
      newState: Unit,
      newInput: Str,
      newOutput: ParsedV2.type,
      newStateMachine: parseV2Term,
      stateMigration: parts.parseMigration ?? parseMigrationV1toV2Term,
      inverseMigration: identityTerm,
    },
    {
      stage: 'store',
      oldState: StateV1.type,
      newState: StateV2.type,
      newInput: ParsedV2.type,
      newOutput: Answer.type,
      newStateMachine: storeV2Term,
      stateMigration: parts.storeMigration ?? storeMigrationV1toV2Term,
      inverseMigration: storeMigrationV2toV1Term,
    },
    {
      stage: 'render',
      oldState: Unit,
      newState: Unit,
      newInput: Answer.type,
      newOutput: Str,
      newStateMachine: renderTerm,
      stateMigration: parts.renderMigration ?? identityTerm,
      inverseMigration: identityTerm,
    },
  ];
  return { stages };
}

/** kv v2 => v1 as an upgrade of its own (parse and store), for cycles that do not go through rollback. */
export function kvUpgradeV2toV1(): UpgradeRequest {
  return {
    stages: [
      { stage: 'parse', oldState: Unit, newState: Unit, newInput: Str, newOutput: ParsedV1.type, newStateMachine: parseV1Term, stateMigration: identityTerm, inverseMigration: identityTerm },
      {
        stage: 'store',
        oldState: StateV2.type,
        newState: StateV1.type,
        newInput: ParsedV1.type,
        newOutput: Answer.type,
        newStateMachine: storeV1Term,
        stateMigration: storeMigrationV2toV1Term,
        inverseMigration: storeMigrationV1toV2Term,
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// Counter v1 and a reimplementation of it: same types, same behaviour, another term (so another hash).

const counter = machine(ty.int);
/** Reads the count, or increments it: `Get >>> Incr >>> Put` written as a fan-out that puts and answers (). */
const incrementAgain = pipe(counter.get(), counter.incr(), counter.put());
export const counterV1bTerm: Term = erase(
  pipe(counter.read(InputV1), counter.caseOf(pipe(counter.id(), counter.get()), pipe(counter.consume(), incrementAgain)), counter.show(OutputV1)),
);

/** counter v1 => v1b (or back): identity migration both ways. */
export function counterSwap(to: Term, expectedVersion?: string): UpgradeRequest {
  return {
    stages: [
      {
        stage: 'counter',
        oldState: Int,
        newState: Int,
        newInput: Str,
        newOutput: Str,
        newStateMachine: to,
        stateMigration: identityTerm,
        inverseMigration: identityTerm,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      },
    ],
  };
}

/** counter v1 whose increment fails for every item: a deliberately faulty version (same types). */
export const counterFaultyTerm: Term = erase(
  pipe(counter.read(InputV1), counter.caseOf(counter.get(), fail<bigint, null, null>('increment is broken in this version', ty.unit)), counter.show(OutputV1)),
);
