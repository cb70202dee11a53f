// The typed EDSL: every builder erases to its op, the types tsc gives a term
// are the types the typechecker infers for its erased form, and every
// `@ts-expect-error` in test/types fails for the reason it names.

import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as edsl from '../compiler/edsl.ts';
import {
  BUILDER_FOR_OP,
  erase,
  machine,
  mapOf,
  pipe,
  type T,
  type Ty,
  ty,
  type TypeOf,
} from '../compiler/edsl.ts';
import { step } from '../compiler/interpret.ts';
import { mk, OP_NAMES, type Term } from '../compiler/terms.ts';
import { typecheck } from '../compiler/typecheck.ts';
import * as types from '../compiler/types.ts';
import { isValueOf, PMap, type Value, valueEquals } from '../compiler/values.ts';
import { showValue } from '../compiler/seed-syntax.ts';

// ---------------------------------------------------------------------------
// tsc and the typechecker agree: for each case the EDSL's static type
// T<S, A, B> is forced (by this function's signature) to match the three
// witnesses, and the typechecker must infer B from S and A for the erased term.

interface Agreement {
  /** The term as docs/language.md writes it (top-level builders). */
  readonly code: string;
  readonly state: Type;
  readonly input: Type;
  readonly output: Type;
  readonly term: Term;
  readonly sample: { readonly input: Value; readonly state: Value; readonly output?: Value; readonly fails?: string };
}
type Type = types.Type;

const cases: Agreement[] = [];
function agree<S, A, B>(code: string, s: Ty<S>, a: Ty<A>, b: Ty<B>, t: T<S, A, B>, sample: { input: A; state: S; output: B } | { input: A; state: S; fails: string }): void {
  cases.push({ code, state: s.type, input: a.type, output: b.type, term: erase(t), sample: sample as Agreement['sample'] });
}

const Counter = ty.record({ count: ty.int, decrementing: ty.bool });
const Command = ty.variant({ Incr: ty.int, Read: ty.unit });
type Command = TypeOf<typeof Command>;
const IntPair = ty.pair(ty.int, ty.int);
const Scores = ty.map(ty.string, ty.int);
const i = machine(ty.int);
const c = machine(Counter);
const u = machine(ty.unit);
const L = <X>(value: X) => ({ tag: 'Left' as const, value });
const R = <X>(value: X) => ({ tag: 'Right' as const, value });
const scores = (...entries: Array<[string, bigint]>) => mapOf(ty.string, ty.int, entries);

agree('id()', ty.int, ty.string, ty.string, i.id(), { input: 'x', state: 0n, output: 'x' });
agree('compose(incr(), int(1))', ty.int, ty.unit, ty.int, i.compose(i.incr(), i.int(1)), { input: null, state: 0n, output: 2n });
agree('fst()', ty.int, IntPair, ty.int, i.fst(), { input: [1n, 2n], state: 0n, output: 1n });
agree('snd()', ty.int, ty.pair(ty.int, ty.bool), ty.bool, i.snd(), { input: [1n, true], state: 0n, output: true });
agree('int(-7)', ty.int, ty.unit, ty.int, i.int(-7), { input: null, state: 0n, output: -7n });
agree('copy()', ty.int, ty.bool, ty.pair(ty.bool, ty.bool), i.copy(), { input: true, state: 0n, output: [true, true] });
agree('first(incr())', ty.int, ty.pair(ty.int, ty.string), ty.pair(ty.int, ty.string), i.first(i.incr()), { input: [1n, 's'], state: 0n, output: [2n, 's'] });
agree('second(not())', ty.int, ty.pair(ty.string, ty.bool), ty.pair(ty.string, ty.bool), i.second(i.not()), { input: ['s', true], state: 0n, output: ['s', false] });
agree('caseOf(incr(), not())', ty.int, ty.either(ty.int, ty.bool), ty.either(ty.int, ty.bool), i.caseOf(i.incr(), i.not()), { input: R(false), state: 0n, output: R(true) });
agree('fanout(incr(), bool(true))', ty.int, ty.int, ty.pair(ty.int, ty.bool), i.fanout(i.incr(), i.bool(true)), { input: 1n, state: 0n, output: [2n, true] });
agree('incr()', ty.int, ty.int, ty.int, i.incr(), { input: 9223372036854775807n, state: 0n, output: -9223372036854775808n });
agree('decr()', ty.int, ty.int, ty.int, i.decr(), { input: 0n, state: 0n, output: -1n });
agree('consume()', ty.int, ty.string, ty.unit, i.consume(), { input: 'gone', state: 0n, output: null });
agree('get()', ty.int, ty.unit, ty.int, i.get(), { input: null, state: 5n, output: 5n });
agree('put()', ty.int, ty.int, ty.unit, i.put(), { input: 6n, state: 5n, output: null });
agree('ifThenElse(decr(), incr())', ty.int, ty.pair(ty.int, ty.bool), ty.int, i.ifThenElse(i.decr(), i.incr()), { input: [5n, true], state: 0n, output: 4n });
agree('bool(false)', ty.int, ty.string, ty.bool, i.bool(false), { input: 'x', state: 0n, output: false });
agree('not()', ty.int, ty.bool, ty.bool, i.not(), { input: false, state: 0n, output: true });
agree('read(ty.either(ty.int, ty.unit))', ty.int, ty.string, ty.either(ty.int, ty.unit), i.read(ty.either(ty.int, ty.unit)), { input: ' Left (-3) ', state: 0n, output: L(-3n) });
agree('show(ty.either(ty.int, ty.unit))', ty.int, ty.either(ty.int, ty.unit), ty.string, i.show(ty.either(ty.int, ty.unit)), { input: L(-3n), state: 0n, output: 'Left (-3)' });
agree('eq()', ty.int, ty.pair(ty.string, ty.string), ty.either(ty.unit, ty.unit), i.eq(), { input: ['a', 'a'], state: 0n, output: L(null) });
// docs/language.md defines `addToState` this way: Left n enters, Right n goes round while n > 0, adding one to the state each time.
agree(
  'addToState',
  ty.int,
  ty.int,
  ty.unit,
  i.unleft(
    pipe(
      i.merge<bigint>(),
      i.fanout(i.id(), pipe(i.fanout(i.id(), pipe(i.consume(), i.int(0))), i.gt())),
      i.ifThenElse(pipe(i.decr(), i.fanout(i.id(), pipe(i.consume(), i.get(), i.incr(), i.put())), i.fst(), i.inRight(ty.unit)), pipe(i.consume(), i.inLeft(ty.int))),
    ),
    ty.int,
  ),
  { input: 3n, state: 10n, output: null },
);
agree('add()', ty.int, IntPair, ty.int, i.add(), { input: [2n, 3n], state: 0n, output: 5n });
agree('sub()', ty.int, IntPair, ty.int, i.sub(), { input: [2n, 3n], state: 0n, output: -1n });
agree('mul()', ty.int, IntPair, ty.int, i.mul(), { input: [4611686018427387904n, 2n], state: 0n, output: -9223372036854775808n });
agree('div()', ty.int, IntPair, ty.int, i.div(), { input: [-7n, 2n], state: 0n, output: -3n });
agree('mod()', ty.int, IntPair, ty.int, i.mod(), { input: [-7n, 2n], state: 0n, output: -1n });
agree('neg()', ty.int, ty.int, ty.int, i.neg(), { input: 4n, state: 0n, output: -4n });
agree('lt()', ty.int, ty.pair(ty.string, ty.string), ty.bool, i.lt(), { input: ['a', 'b'], state: 0n, output: true });
agree('le()', ty.int, IntPair, ty.bool, i.le(), { input: [2n, 2n], state: 0n, output: true });
agree('gt()', ty.int, IntPair, ty.bool, i.gt(), { input: [2n, 2n], state: 0n, output: false });
agree('ge()', ty.int, ty.pair(ty.bool, ty.bool), ty.bool, i.ge(), { input: [true, false], state: 0n, output: true });
agree('equal()', ty.int, ty.pair(Counter, Counter), ty.bool, i.equal(), {
  input: [
    { count: 1n, decrementing: false },
    { count: 1n, decrementing: false },
  ],
  state: 0n,
  output: true,
});
agree('and()', ty.int, ty.pair(ty.bool, ty.bool), ty.bool, i.and(), { input: [true, false], state: 0n, output: false });
agree('or()', ty.int, ty.pair(ty.bool, ty.bool), ty.bool, i.or(), { input: [true, false], state: 0n, output: true });
agree('concat()', ty.int, ty.pair(ty.string, ty.string), ty.string, i.concat(), { input: ['ab', 'c'], state: 0n, output: 'abc' });
agree('strLength()', ty.int, ty.string, ty.int, i.strLength(), { input: 'λx', state: 0n, output: 2n });
agree('slice()', ty.int, ty.pair(ty.string, IntPair), ty.string, i.slice(), { input: ['hello', [1n, 3n]], state: 0n, output: 'el' });
agree('split()', ty.int, ty.pair(ty.string, ty.string), ty.list(ty.string), i.split(), { input: ['a,,b', ','], state: 0n, output: ['a', '', 'b'] });
agree('parseInt()', ty.int, ty.string, ty.either(ty.unit, ty.int), i.parseInt(), { input: '-12', state: 0n, output: R(-12n) });
agree('showInt()', ty.int, ty.int, ty.string, i.showInt(), { input: -12n, state: 0n, output: '-12' });
agree('inLeft(ty.string)', ty.int, ty.int, ty.either(ty.int, ty.string), i.inLeft(ty.string), { input: 1n, state: 0n, output: L(1n) });
agree('inRight(ty.string)', ty.int, ty.int, ty.either(ty.string, ty.int), i.inRight(ty.string), { input: 1n, state: 0n, output: R(1n) });
agree('merge()', ty.int, ty.either(ty.int, ty.int), ty.int, i.merge(), { input: R(4n), state: 0n, output: 4n });
agree('distr()', ty.int, ty.pair(ty.string, ty.either(ty.int, ty.bool)), ty.either(ty.pair(ty.string, ty.int), ty.pair(ty.string, ty.bool)), i.distr(), {
  input: ['k', R(true)],
  state: 0n,
  output: R(['k', true] as const),
});
agree(
  'distr()',
  ty.int,
  ty.pair(ty.string, Command),
  ty.variant({ Incr: ty.pair(ty.string, ty.int), Read: ty.pair(ty.string, ty.unit) }),
  i.distr(),
  { input: ['k', { tag: 'Incr', value: 2n }], state: 0n, output: { tag: 'Incr', value: ['k', 2n] } },
);
agree('nil(ty.int)', ty.int, ty.string, ty.list(ty.int), i.nil(ty.int), { input: 'x', state: 0n, output: [] });
agree('cons()', ty.int, ty.pair(ty.int, ty.list(ty.int)), ty.list(ty.int), i.cons(), { input: [1n, [2n]], state: 0n, output: [1n, 2n] });
agree('uncons()', ty.int, ty.list(ty.int), ty.either(ty.unit, ty.pair(ty.int, ty.list(ty.int))), i.uncons(), { input: [1n, 2n], state: 0n, output: R([1n, [2n]] as const) });
agree('listLength()', ty.int, ty.list(ty.bool), ty.int, i.listLength(), { input: [true, false], state: 0n, output: 2n });
agree('append()', ty.int, ty.pair(ty.list(ty.int), ty.list(ty.int)), ty.list(ty.int), i.append(), { input: [[1n], [2n]], state: 0n, output: [1n, 2n] });
agree('reverse()', ty.int, ty.list(ty.int), ty.list(ty.int), i.reverse(), { input: [1n, 2n], state: 0n, output: [2n, 1n] });
agree('listMap(showInt())', ty.int, ty.list(ty.int), ty.list(ty.string), i.listMap(i.showInt()), { input: [1n, 2n], state: 0n, output: ['1', '2'] });
agree('fold(add())', ty.int, ty.pair(ty.int, ty.list(ty.int)), ty.int, i.fold(i.add()), { input: [10n, [1n, 2n]], state: 0n, output: 13n });
agree('mapEmpty(ty.string, ty.int)', ty.int, ty.unit, Scores, i.mapEmpty(ty.string, ty.int), { input: null, state: 0n, output: scores() });
agree('mapInsert()', ty.int, ty.pair(Scores, ty.pair(ty.string, ty.int)), Scores, i.mapInsert(), {
  input: [scores(['a', 1n]), ['a', 5n]],
  state: 0n,
  output: scores(['a', 5n]),
});
agree('mapLookup()', ty.int, ty.pair(Scores, ty.string), ty.either(ty.unit, ty.int), i.mapLookup(), { input: [scores(['a', 1n]), 'a'], state: 0n, output: R(1n) });
agree('mapDelete()', ty.int, ty.pair(Scores, ty.string), Scores, i.mapDelete(), { input: [scores(['a', 1n], ['b', 2n]), 'a'], state: 0n, output: scores(['b', 2n]) });
agree('mapSize()', ty.int, Scores, ty.int, i.mapSize(), { input: scores(['a', 1n], ['b', 2n]), state: 0n, output: 2n });
agree('mapKeys()', ty.int, Scores, ty.list(ty.string), i.mapKeys(), { input: scores(['b', 1n], ['a', 2n]), state: 0n, output: ['a', 'b'] });
agree('mapToList()', ty.int, Scores, ty.list(ty.pair(ty.string, ty.int)), i.mapToList(), { input: scores(['b', 1n], ['a', 2n]), state: 0n, output: [['a', 2n], ['b', 1n]] });
agree('mapFromList()', ty.int, ty.list(ty.pair(ty.string, ty.int)), Scores, i.mapFromList(), {
  input: [
    ['b', 1n],
    ['a', 2n],
    ['b', 3n],
  ],
  state: 0n,
  output: scores(['a', 2n], ['b', 3n]),
});
agree('record({ count: id(), decrementing: bool(true) })', Counter, ty.int, Counter, c.record({ count: c.id(), decrementing: c.bool(true) }), {
  input: 3n,
  state: { count: 0n, decrementing: false },
  output: { count: 3n, decrementing: true },
});
agree('field(\'decrementing\')', Counter, Counter, ty.bool, c.field('decrementing'), {
  input: { count: 0n, decrementing: true },
  state: { count: 0n, decrementing: false },
  output: true,
});
agree('setField(\'count\')', Counter, ty.pair(Counter, ty.int), Counter, c.setField('count'), {
  input: [{ count: 0n, decrementing: true }, 9n],
  state: { count: 0n, decrementing: false },
  output: { count: 9n, decrementing: true },
});
agree('inject(\'Incr\', Command)', ty.int, ty.int, Command, i.inject('Incr', Command), { input: 5n, state: 0n, output: { tag: 'Incr', value: 5n } });
agree('match({ Incr: id(), Read: get() })', ty.int, Command, ty.int, i.match({ Incr: i.id(), Read: i.get() }), { input: { tag: 'Read', value: null }, state: 8n, output: 8n });
agree('constant(ty.list(Command), [{ tag: \'Read\', value: null }])', ty.unit, ty.int, ty.list(Command), u.constant(ty.list(Command), [{ tag: 'Read', value: null }]), {
  input: 1n,
  state: null,
  output: [{ tag: 'Read', value: null }],
});
agree('fail(\'not yet\', Counter)', ty.unit, ty.int, Counter, u.fail('not yet', Counter), { input: 1n, state: null, fails: 'not yet' });

/** The example cell docs/language.md shows for a case: term, then input ⇒ output, and the state when it matters. */
function exampleCell(x: Agreement, after: Value | undefined): string {
  const input = `\`${showValue(x.input, x.sample.input)}\``;
  const output = x.sample.fails !== undefined ? `item error \`${x.sample.fails}\`` : `\`${showValue(x.output, x.sample.output!)}\``;
  const touches = opsIn(x.term).some((o) => o === 'Get' || o === 'Put');
  const state = !touches ? '' : after === undefined || valueEquals(x.state, after, x.sample.state) ? `, state \`${showValue(x.state, x.sample.state)}\`` : `, state \`${showValue(x.state, x.sample.state)}\` ⇒ \`${showValue(x.state, after)}\``;
  return `\`${x.code}\`: ${input} ⇒ ${output}${state}`;
}

describe('tsc and the typechecker agree on every builder', () => {
  it('covers every op in OPS', () => {
    const covered = new Set(cases.flatMap((x) => opsIn(x.term)));
    expect(OP_NAMES.filter((o) => !covered.has(o))).toEqual([]);
  });

  it.each(cases.map((x) => [x.code, x] as const))('%s', (_code, x) => {
    const result = typecheck(x.term, { state: x.state, input: x.input });
    if (!result.ok) throw new Error(`${x.code}: ${result.error.code} ${result.error.message}`);
    expect(types.showType(result.typed.output)).toBe(types.showType(x.output));
    expect(types.typeEquals(result.typed.output, x.output)).toBe(true);
    const run = step(result.typed, x.sample.input, x.sample.state);
    if (x.sample.fails !== undefined) {
      expect(run).toEqual({ ok: false, error: { code: 'FAIL', message: x.sample.fails }, state: x.sample.state });
      return;
    }
    if (!run.ok) throw new Error(`${x.code}: ${run.error.message}`);
    expect(isValueOf(x.output, run.output)).toBe(true);
    expect(valueEquals(x.output, run.output, x.sample.output!)).toBe(true);
  });

  it('docs/language.md shows each of these examples, as they run', () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '..', 'docs', 'language.md'), 'utf8');
    const missing: string[] = [];
    for (const x of cases) {
      const result = typecheck(x.term, { state: x.state, input: x.input });
      if (!result.ok) throw new Error(x.code);
      const run = step(result.typed, x.sample.input, x.sample.state);
      const cell = exampleCell(x, run.ok ? run.state : undefined);
      if (!doc.includes(cell)) missing.push(cell);
    }
    expect(missing, 'examples docs/language.md should show (write them as printed here)').toEqual([]);
  });
});

function opsIn(t: Term): string[] {
  const out = [t.op as string];
  for (const v of Object.values(t)) {
    if (v && typeof v === 'object' && 'op' in v) out.push(...opsIn(v as Term));
    else if (v && typeof v === 'object' && !Array.isArray(v) && !('kind' in v)) {
      for (const sub of Object.values(v)) if (sub && typeof sub === 'object' && 'op' in sub) out.push(...opsIn(sub as Term));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

describe('erase', () => {
  it('gives the same tree as hand-built mk terms', () => {
    const t = pipe(i.read(ty.int), i.fanout(i.incr(), i.bool(true)), i.first(i.showInt()), i.fst());
    expect(erase(t)).toEqual(
      mk('Compose', {
        left: mk('Compose', {
          left: mk('Compose', { left: { op: 'Fst' }, right: mk('First', { body: { op: 'ShowInt' } }) }),
          right: mk('Fanout', { left: { op: 'Incr' }, right: mk('Bool', { value: true }) }),
        }),
        right: mk('Read', { type: types.Int }),
      }),
    );
  });

  it('is deterministic: building twice gives equal terms with the same JSON', () => {
    const build = () => erase(i.match({ Read: pipe(i.consume<null>(), i.get()), Incr: i.id<bigint>() }));
    expect(build()).toEqual(build());
    expect(JSON.stringify(build())).toBe(JSON.stringify(build()));
    // Record fields and match cases are stored in name order, whatever order they were written in.
    expect(Object.keys((build() as { cases: object }).cases)).toEqual(['Incr', 'Read']);
  });

  it('pipe associates to the right, like the seed\'s >>>; then to the left', () => {
    const [f, g, h] = [i.incr(), i.decr(), i.neg()];
    const compose = (left: Term, right: Term): Term => mk('Compose', { left, right });
    expect(erase(pipe(f, g, h))).toEqual(compose(compose(erase(h), erase(g)), erase(f)));
    expect(erase(f.then(g).then(h))).toEqual(compose(erase(h), compose(erase(g), erase(f))));
    expect(erase(edsl.compose(g, f))).toEqual(compose(erase(g), erase(f)));
    expect(erase(pipe(f))).toBe(erase(f));
  });

  it('the top-level builders and the machine builders make the same terms', () => {
    expect(erase(pipe(edsl.get<bigint>(), edsl.incr(), edsl.put()))).toEqual(erase(pipe(i.get(), i.incr(), i.put())));
    const migration: T<null, bigint, edsl.Pair<bigint, boolean>> = edsl.fanout(edsl.id(), edsl.bool(false));
    expect(erase(migration)).toEqual(erase(i.fanout(i.id<bigint>(), i.bool(false))));
  });

  it('every op has a builder of the name BUILDER_FOR_OP gives, in the module and in machine()', () => {
    for (const [op, name] of Object.entries(BUILDER_FOR_OP)) {
      expect(typeof (edsl as Record<string, unknown>)[name], `${op}: edsl.${name}`).toBe('function');
      expect(typeof (i as unknown as Record<string, unknown>)[name], `${op}: machine().${name}`).toBe('function');
    }
    expect(Object.keys(BUILDER_FOR_OP).sort()).toEqual([...OP_NAMES].sort());
  });
});

describe('builders refuse what would not be a term', () => {
  it('int: integers in the signed 64-bit range only', () => {
    expect(erase(i.int(9007199254740991))).toEqual(mk('Int', { value: 9007199254740991n }));
    expect(erase(i.int(-(2n ** 63n)))).toEqual(mk('Int', { value: -(2n ** 63n) }));
    expect(() => i.int(1.5)).toThrow(/not an integer/);
    expect(() => i.int(2 ** 60)).toThrow(/not an integer/);
    expect(() => i.int(2n ** 63n)).toThrow(/signed 64-bit/);
  });

  it('constant checks its value at run time too', () => {
    expect(() => i.constant(ty.int, 1 as unknown as bigint)).toThrow(/not a value of Int/);
    expect(erase(i.constant(ty.pair(ty.int, ty.string), [1n, 'a']))).toEqual(mk('Const', { type: types.pair(types.Int, types.Str), value: [1n, 'a'] }));
  });

  it('record and match need at least one field or case', () => {
    expect(() => edsl.record({})).toThrow(/at least one field/);
    expect(() => edsl.match({} as never)).toThrow(/at least one case/);
  });

  it('a variant of exactly Left and Right is refused: that is Either', () => {
    expect(() => ty.variant({ Left: ty.unit, Right: ty.int } as never)).toThrow(/use ty.either/);
    expect(ty.variant({ Left: ty.unit, Other: ty.int }).type).toEqual(types.variant({ Left: types.Unit, Other: types.Int }));
  });

  it('T is not a promise: awaiting one fails clearly (tsc refuses to return one from an async function)', async () => {
    const term: unknown = i.incr();
    await expect((async () => term)()).rejects.toThrow(/not a promise/);
  });
});

describe('type witnesses', () => {
  it('carry the runtime type', () => {
    expect(ty.unit.type).toEqual(types.Unit);
    expect(ty.int.type).toEqual(types.Int);
    expect(ty.bool.type).toEqual(types.Bool);
    expect(ty.string.type).toEqual(types.Str);
    expect(ty.pair(ty.int, ty.bool).type).toEqual(types.pair(types.Int, types.Bool));
    expect(ty.either(ty.unit, ty.int).type).toEqual(types.either(types.Unit, types.Int));
    expect(ty.list(ty.string).type).toEqual(types.list(types.Str));
    expect(Scores.type).toEqual(types.map(types.Str, types.Int));
    expect(Counter.type).toEqual(types.record({ count: types.Int, decrementing: types.Bool }));
    expect(Command.type).toEqual(types.variant({ Read: types.Unit, Incr: types.Int }));
    expect(machine(Counter).state).toBe(Counter);
  });

  it('mapOf builds a persistent map of the witnessed types', () => {
    const m = mapOf(ty.string, ty.int, [['b', 2n], ['a', 1n], ['b', 3n]]);
    expect(m).toBeInstanceOf(PMap);
    expect(m.entries()).toEqual([['a', 1n], ['b', 3n]]);
    expect(() => mapOf(ty.string, ty.int, [['a', 'x' as unknown as bigint]])).toThrow(/not all values of Map String Int/);
  });

  it('a Command value as TypeScript sees it is a value of the Command type', () => {
    const read: Command = { tag: 'Read', value: null };
    expect(isValueOf(Command.type, read)).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// The type-level tests in test/types/*.ts: compiled as they are, they must have
// no errors; compiled with each `// @ts-expect-error -- expect: <text>` line
// blanked out, the line after each must have an error whose message contains
// <text>, and no other line may have one.

describe('type-level tests (test/types)', () => {
  const root = path.resolve(import.meta.dirname, '..');
  const dir = path.join(root, 'test', 'types');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
  const DIRECTIVE = /^(\s*)\/\/ @ts-expect-error -- expect: (.*)$/;

  function compile(sources: Map<string, string>): ts.Program {
    const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    if (!config) throw new Error('tsconfig.json does not parse');
    const host = ts.createCompilerHost(config.options);
    const read = host.getSourceFile;
    host.getSourceFile = (name, language, ...rest) => {
      const text = sources.get(path.resolve(name));
      return text !== undefined ? ts.createSourceFile(name, text, language) : read(name, language, ...rest);
    };
    return ts.createProgram(files, config.options, host);
  }

  function errorsByLine(program: ts.Program, file: string): Map<number, string[]> {
    const source = program.getSourceFile(file)!;
    const out = new Map<number, string[]>();
    for (const d of ts.getPreEmitDiagnostics(program, source)) {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1;
      out.set(line, [...(out.get(line) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
    }
    return out;
  }

  it('there are type-level tests for each required case', () => {
    const all = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    for (const topic of ['swapped pair components', 'swapped Either sides', 'unit versus another type', 'state type mismatch', 'records', 'variants']) {
      expect(all, topic).toContain(`// --- ${topic}`);
    }
  });

  it('as written, they compile', () => {
    const program = compile(new Map());
    for (const file of files) expect([...errorsByLine(program, file).entries()], path.basename(file)).toEqual([]);
  });

  it('without the directives, exactly the marked lines fail, each for its stated reason', () => {
    const sources = new Map<string, string>();
    const expected = new Map<string, Map<number, string>>();
    for (const file of files) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const marks = new Map<number, string>();
      lines.forEach((line, index) => {
        const m = DIRECTIVE.exec(line);
        if (m) {
          marks.set(index + 2, m[2]); // the directive covers the next line (1-based)
          lines[index] = `${m[1]}//`;
        }
      });
      expect(marks.size, `${path.basename(file)} has expected errors`).toBeGreaterThan(0);
      sources.set(file, lines.join('\n'));
      expected.set(file, marks);
    }
    const program = compile(sources);
    for (const file of files) {
      const found = errorsByLine(program, file);
      const marks = expected.get(file)!;
      const name = path.basename(file);
      for (const [line, reason] of marks) {
        const messages = found.get(line) ?? [];
        expect(messages.length, `${name}:${line} should fail (${reason})`).toBeGreaterThan(0);
        expect(
          messages.some((m) => m.includes(reason)),
          `${name}:${line} should fail with "${reason}", got:\n${messages.join('\n---\n')}`,
        ).toBe(true);
      }
      const unexpected = [...found.keys()].filter((line) => !marks.has(line));
      expect(unexpected, `${name}: errors on unmarked lines`).toEqual([]);
    }
  });
});
