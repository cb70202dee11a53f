// The seed's three counters, written in the EDSL, reproduce every output the
// seed document prints, and erase to exactly the terms its client sends (WIRE.md).

import { describe, expect, it } from 'vitest';
import {
  counterV1,
  counterV1Pipeline,
  counterV1Term,
  counterV2Term,
  counterV3Term,
  migrationV1toV2Term,
  migrationV2toV3Term,
  StateV1,
  StateV2,
  StateV3,
  upgradeV1toV2,
  upgradeV2toV3,
} from '../examples/counter/index.ts';
import { readFileSync } from 'node:fs';
import { parseClientMessageSeed } from '../compiler/messages.ts';
import { deployedStage, initialVersion, planUpgrade } from '../compiler/upgrade.ts';
import { erase, type Ty } from '../compiler/edsl.ts';
import { step } from '../compiler/interpret.ts';
import { checkPipeline, pipelineFromJson, pipelineToJson } from '../compiler/pipeline.ts';
import { parseTermSeed, showTermSeed } from '../compiler/seed-syntax.ts';
import { mk, type Term } from '../compiler/terms.ts';
import { type Typed, typecheck, typecheckMigration } from '../compiler/typecheck.ts';
import { Bool, either, Int, pair, Str, type Type, Unit } from '../compiler/types.ts';
import type { Value } from '../compiler/values.ts';

function typed<S>(term: Term, state: Ty<S>): Typed {
  const result = typecheck(term, { state: state.type, input: Str, output: Str });
  if (!result.ok) throw new Error(`counter does not typecheck: ${JSON.stringify(result.error)}`);
  return result.typed;
}

/** Feeds items one by one, threading the state, as a deployed stage does. */
function session(t: Typed, state: Value, inputs: readonly string[]): { outputs: Value[]; state: Value } {
  const outputs: Value[] = [];
  for (const input of inputs) {
    const r = step(t, input, state);
    if (!r.ok) throw new Error(`item ${JSON.stringify(input)} failed: ${r.error.message}`);
    outputs.push(r.output);
    state = r.state;
  }
  return { outputs, state };
}

/** Runs a migration `(); old -> new` on the old state, as an upgrade does. */
function migrate(term: Term, from: Type, to: Type, state: Value): Value {
  const result = typecheckMigration(term, from, to);
  if (!result.ok) throw new Error(`migration does not typecheck: ${JSON.stringify(result.error)}`);
  const r = step(result.typed, state, null);
  if (!r.ok) throw new Error(`migration failed: ${r.error.message}`);
  return r.output;
}

const v1 = () => typed(counterV1Term, StateV1);
const v2 = () => typed(counterV2Term, StateV2);
const v3 = () => typed(counterV3Term, StateV3);

describe('counter v1 (the seed\'s "Semantics" section)', () => {
  it('runT counterV1 (show ReadCountV1) 0 == ("Left 0", 0)', () => {
    expect(step(v1(), 'Left ()', 0n)).toEqual({ ok: true, output: 'Left 0', state: 0n });
  });
  it('runT counterV1 (show IncrCountV1) 0 == ("Right ()", 1)', () => {
    expect(step(v1(), 'Right ()', 0n)).toEqual({ ok: true, output: 'Right ()', state: 1n });
  });
  it('runT counterV1 (show ReadCountV1) 1 == ("Left 1", 1)', () => {
    expect(step(v1(), 'Left ()', 1n)).toEqual({ ok: true, output: 'Left 1', state: 1n });
  });
});

describe('the seed\'s remote sessions', () => {
  it('nc: read, increment, read gives Left 0, Right (), Left 1', () => {
    expect(session(v1(), 0n, ['Left ()', 'Right ()', 'Left ()']).outputs).toEqual(['Left 0', 'Right ()', 'Left 1']);
  });

  it('v1, upgrade to v2, upgrade to v3: every reply of the seed document, in order', () => {
    const replies: Value[] = [];
    // v1: Left 0, two increments, Left 2.
    let run = session(v1(), 0n, ['Left ()', 'Right ()', 'Right ()', 'Left ()']);
    replies.push(...run.outputs);
    expect(run.state).toBe(2n);

    // Upgrade to v2 with migration Id: the count survives.
    let state = migrate(migrationV1toV2Term, Int, Int, run.state);
    run = session(v2(), state, ['Right (Left ())', 'Left ()', 'Right (Left ())']);
    replies.push(...run.outputs);

    // Upgrade to v3 with migration Id &&& Bool False.
    state = migrate(migrationV2toV3Term, Int, pair(Int, Bool), run.state);
    expect(state).toEqual([0n, false]);
    run = session(v3(), state, [
      'Right (Right (Left ()))',
      'Right (Right (Right ()))',
      'Right (Right (Right ()))',
      'Right (Right (Left ()))',
      'Left ()',
      'Right (Right (Right ()))',
      'Right (Right (Left ()))',
    ]);
    replies.push(...run.outputs);

    expect(replies).toEqual([
      'Left 0',
      'Right ()',
      'Right ()',
      'Left 2',
      'Right (Left 2)', // the counter's state is preserved by the upgrade
      'Left ()', // reset
      'Right (Left 0)',
      'Right (Right (Left 0))',
      'Right (Right (Right ()))',
      'Right (Right (Right ()))',
      'Right (Right (Left 2))',
      'Left ()', // toggle to decrementing
      'Right (Right (Right ()))', // decrement
      'Right (Right (Left 1))',
    ]);
    expect(run.state).toEqual([1n, true]);
  });

  it('WIRE.md session: v2 reset then v3 read from the migrated state', () => {
    const afterV2 = session(v2(), 2n, ['Right (Left ())', 'Left ()', 'Right (Left ())']);
    expect(afterV2.outputs).toEqual(['Right (Left 2)', 'Left ()', 'Right (Left 0)']);
    const state = migrate(migrationV2toV3Term, Int, pair(Int, Bool), afterV2.state);
    expect(session(v3(), state, ['Right (Right (Left ()))', 'Left ()']).outputs).toEqual(['Right (Right (Left 0))', 'Left ()']);
  });

  it('v3 reset puts back (0, False) and answers Right (Left ())', () => {
    expect(step(v3(), 'Right (Left ())', [5n, true])).toEqual({ ok: true, output: 'Right (Left ())', state: [0n, false] });
  });

  it('input that does not parse fails the item and leaves the state alone', () => {
    const r = step(v1(), 'Left', 7n);
    expect(r).toEqual({ ok: false, error: { code: 'READ_NO_PARSE', message: 'Read: no parse as Either () ()' }, state: 7n });
  });
});

// The terms the seed's client sends (WIRE.md), built by hand with `mk`.
const Either = either;
const compose = (left: Term, right: Term): Term => mk('Compose', { left, right });
const caseOf = (left: Term, right: Term): Term => mk('Case', { left, right });
const fanout = (left: Term, right: Term): Term => mk('Fanout', { left, right });
const get: Term = { op: 'Get' };
const put: Term = { op: 'Put' };
const incr: Term = { op: 'Incr' };

// ComposeU (ComposeU (ShowU (UTEither UTInt UTUnit)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU))) (ReadU (UTEither UTUnit UTUnit))
const wireV1 = compose(
  compose(mk('Show', { type: Either(Int, Unit) }), caseOf(get, compose(compose(put, incr), get))),
  mk('Read', { type: Either(Unit, Unit) }),
);
// ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTInt UTUnit))) (CaseU (ComposeU PutU (IntU 0)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU)))) (ReadU (UTEither UTUnit (UTEither UTUnit UTUnit)))
const wireV2 = compose(
  compose(
    mk('Show', { type: Either(Unit, Either(Int, Unit)) }),
    caseOf(compose(put, mk('Int', { value: 0n })), caseOf(get, compose(compose(put, incr), get))),
  ),
  mk('Read', { type: Either(Unit, Either(Unit, Unit)) }),
);
// ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTUnit (UTEither UTInt UTUnit))))
//   (CaseU (ComposeU (ComposeU PutU (SecondU NotU)) GetU)
//   (CaseU (ComposeU PutU ((:.&&) (IntU 0) (BoolU False)))
//   (CaseU (ComposeU FstU GetU)
//   (ComposeU (ComposeU (ComposeU PutU ((:.&&) IdU (ComposeU (ComposeU SndU GetU) ConsumeU))) (IfU DecrU IncrU)) GetU)))))
//   (ReadU (UTEither UTUnit (UTEither UTUnit (UTEither UTUnit UTUnit))))
const wireV3 = compose(
  compose(
    mk('Show', { type: Either(Unit, Either(Unit, Either(Int, Unit))) }),
    caseOf(
      compose(compose(put, mk('Second', { body: { op: 'Not' } })), get),
      caseOf(
        compose(put, fanout(mk('Int', { value: 0n }), mk('Bool', { value: false }))),
        caseOf(
          compose({ op: 'Fst' }, get),
          compose(
            compose(compose(put, fanout({ op: 'Id' }, compose(compose({ op: 'Snd' }, get), { op: 'Consume' }))), mk('If', { onTrue: { op: 'Decr' }, onFalse: incr })),
            get,
          ),
        ),
      ),
    ),
  ),
  mk('Read', { type: Either(Unit, Either(Unit, Either(Unit, Unit))) }),
);

describe('erase gives the seed client\'s terms (WIRE.md)', () => {
  it('v1', () => {
    expect(counterV1Term).toEqual(wireV1);
    expect(erase(counterV1)).toBe(counterV1Term);
  });
  it('v2', () => expect(counterV2Term).toEqual(wireV2));
  it('v3', () => expect(counterV3Term).toEqual(wireV3));
  it('migrations: IdU and (:.&&) IdU (BoolU False)', () => {
    expect(migrationV1toV2Term).toEqual({ op: 'Id' });
    expect(migrationV2toV3Term).toEqual(fanout({ op: 'Id' }, mk('Bool', { value: false })));
  });
});

// The same terms exactly as WIRE.md prints them (newStateMachine / stateMigration of each upgrade).
const WIRE = {
  v1: 'ComposeU (ComposeU (ShowU (UTEither UTInt UTUnit)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU))) (ReadU (UTEither UTUnit UTUnit))',
  v2: 'ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTInt UTUnit))) (CaseU (ComposeU PutU (IntU 0)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU)))) (ReadU (UTEither UTUnit (UTEither UTUnit UTUnit)))',
  v3: 'ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTUnit (UTEither UTInt UTUnit)))) (CaseU (ComposeU (ComposeU PutU (SecondU NotU)) GetU) (CaseU (ComposeU PutU ((:.&&) (IntU 0) (BoolU False))) (CaseU (ComposeU FstU GetU) (ComposeU (ComposeU (ComposeU PutU ((:.&&) IdU (ComposeU (ComposeU SndU GetU) ConsumeU))) (IfU DecrU IncrU)) GetU))))) (ReadU (UTEither UTUnit (UTEither UTUnit (UTEither UTUnit UTUnit))))',
  migrationV2: 'IdU',
  migrationV3: '(:.&&) IdU (BoolU False)',
};

describe('erase gives the WIRE.md text through the seed syntax', () => {
  it.each([
    ['v1', counterV1Term, WIRE.v1],
    ['v2', counterV2Term, WIRE.v2],
    ['v3', counterV3Term, WIRE.v3],
    ['migration to v2', migrationV1toV2Term, WIRE.migrationV2],
    ['migration to v3', migrationV2toV3Term, WIRE.migrationV3],
  ] as const)('%s', (_name, term, text) => {
    expect(term).toEqual(parseTermSeed(text));
    expect(showTermSeed(term)).toBe(text);
  });
  it('the hand-built terms are the parsed ones', () => {
    expect([wireV1, wireV2, wireV3]).toEqual([WIRE.v1, WIRE.v2, WIRE.v3].map(parseTermSeed));
  });
});

describe('v1 as a pipeline', () => {
  it('is one stage named counter with initial state 0, String -> String', () => {
    const spec = counterV1Pipeline.spec;
    expect(spec.stages).toHaveLength(1);
    expect(spec.stages[0]).toEqual({ name: 'counter', stateType: Int, inputType: Str, outputType: Str, initialState: 0n, term: wireV1 });
  });
  it('checks, and survives its JSON form', () => {
    const check = checkPipeline(counterV1Pipeline.spec);
    expect(check.ok).toBe(true);
    const json = pipelineToJson(counterV1Pipeline.spec);
    expect(json).toMatchObject({ stages: [{ name: 'counter', state: { type: 'Int', initial: 0 }, input: 'String', output: 'String' }] });
    expect(pipelineFromJson(JSON.parse(JSON.stringify(json)))).toEqual(counterV1Pipeline.spec);
  });
});

function outputOf(r: ReturnType<typeof step>): Value {
  if (!r.ok) throw new Error(`migration failed: ${r.error.code}`);
  return r.output;
}

describe('the upgrade requests of upgrades.ts', () => {
  const v1 = counterV1Pipeline.spec.stages[0];
  const deployedV1 = deployedStage('counter', initialVersion(v1, '2026-01-01T00:00:00.000Z'));

  it('plan v1 => v2 => v3 against the deployed counter, each with its inverse', () => {
    const toV2 = planUpgrade([deployedV1], upgradeV1toV2);
    if (!toV2.ok) throw new Error(`v1 => v2 refused: ${toV2.reason}`);
    expect(toV2.stages.map((s) => [s.name, s.version, s.inverse !== undefined])).toEqual([['counter', 2, true]]);
    const p2 = toV2.stages[0];
    const deployedV2 = { name: 'counter', stateType: p2.stateType, inputType: p2.inputType, outputType: p2.outputType, term: p2.term, hash: p2.hash, version: p2.version };
    const toV3 = planUpgrade([deployedV2], upgradeV2toV3);
    if (!toV3.ok) throw new Error(`v2 => v3 refused: ${toV3.reason}`);
    expect(toV3.stages[0].stateType).toEqual(pair(Int, Bool));
    // v1 and v2 share the state type Int, so only an expected version tells them apart.
    const stale = planUpgrade([deployedV1], { stages: [{ ...upgradeV2toV3.stages[0], expectedVersion: p2.hash }] });
    expect(stale.ok).toBe(false);
  });

  it('migrate the count forwards and back', () => {
    const toV2 = planUpgrade([deployedV1], upgradeV1toV2);
    if (!toV2.ok) throw new Error(toV2.reason);
    expect(outputOf(step(toV2.stages[0].migration, 41n, null))).toBe(41n);
    expect(outputOf(step(toV2.stages[0].inverse!, 41n, null))).toBe(41n);
    const m3 = typecheckMigration(upgradeV2toV3.stages[0].stateMigration, StateV2.type, StateV3.type);
    const i3 = typecheckMigration(upgradeV2toV3.stages[0].inverseMigration!, StateV3.type, StateV2.type);
    if (!m3.ok || !i3.ok) throw new Error('the v3 migrations do not typecheck');
    expect(outputOf(step(m3.typed, 7n, null))).toEqual([7n, false]);
    expect(outputOf(step(i3.typed, [7n, true], null))).toBe(7n);
  });
});

describe('the seed upgrade files next to the example', () => {
  it.each([
    ['upgrade-v2.seed', counterV2Term, migrationV1toV2Term, Int, Int],
    ['upgrade-v3.seed', counterV3Term, migrationV2toV3Term, Int, pair(Int, Bool)],
  ] as const)('%s is the seed client\'s Upgrade message for the example\'s own terms', (file, term, migration, oldState, newState) => {
    const text = readFileSync(new URL(`../examples/counter/${file}`, import.meta.url), 'utf8');
    const r = parseClientMessageSeed(text, Str);
    if (!r.ok) throw new Error(`${file} does not parse: ${JSON.stringify(r)}`);
    expect(r.message).toEqual({
      kind: 'Upgrade',
      stage: 'counter',
      data: { oldState, newState, newInput: Str, newOutput: Str, newStateMachine: term, stateMigration: migration },
    });
  });
});
