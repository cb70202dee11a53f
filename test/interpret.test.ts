// The interpreter as an engine: its API (pure `step`, machines, encoded
// steps), its limits (deep terms, long loops, long lists) and its failure
// modes. What each combinator means is tested by the semantics suite.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { arbInt, arbString, arbType, arbValue } from './arbitraries.ts';
import { DEFAULT_FUEL } from '../compiler/engine.ts';
import { codePointLength, comparatorOf, interpreter, parseInt64, sliceCodePoints, step } from '../compiler/interpret.ts';
import { decodeValue, encodeValue, LayoutError } from '../compiler/layout.ts';
import { mk, type Term, TERM_LIMITS, termDepth } from '../compiler/terms.ts';
import { typecheck, type Typed, TYPE_LIMITS } from '../compiler/typecheck.ts';
import { Bool as BoolT, either, Int as IntT, list, pair, Str, type Type, Unit as UnitT, variant } from '../compiler/types.ts';
import { compareValues, INT_MAX, INT_MIN, left, right, type Value } from '../compiler/values.ts';

const id = mk('Id', {});
const fst = mk('Fst', {});
const snd = mk('Snd', {});
const copy = mk('Copy', {});
const consume = mk('Consume', {});
const get = mk('Get', {});
const put = mk('Put', {});
const incr = mk('Incr', {});
const decr = mk('Decr', {});
const add = mk('Add', {});
const merge = mk('Merge', {});
const equal = mk('Equal', {});
const pipe = (...terms: Term[]): Term => terms.reduce((acc, t) => mk('Compose', { left: t, right: acc }));
const lit = (n: bigint) => pipe(consume, mk('Int', { value: n }));
const fanout = (l: Term, r: Term) => mk('Fanout', { left: l, right: r });
const caseOf = (l: Term, r: Term) => mk('Case', { left: l, right: r });
const I2 = pair(IntT, IntT);

function typed(term: Term, state: Type, input: Type): Typed {
  const result = typecheck(term, { state, input });
  if (!result.ok) throw new Error(`test term does not typecheck: ${result.error.code} ${result.error.message}`);
  return result.typed;
}

// sum n = n + … + 1 as an Unleft loop over (acc, i): n + 2 steps.
const sumLoop = mk('Unleft', {
  type: I2,
  body: pipe(
    caseOf(
      pipe(fanout(lit(0n), id), mk('InRight', { type: IntT })),
      pipe(
        fanout(id, pipe(snd, fanout(id, lit(0n)), equal)),
        mk('If', { onTrue: pipe(fst, mk('InLeft', { type: I2 })), onFalse: pipe(fanout(add, pipe(snd, decr)), mk('InRight', { type: IntT })) }),
      ),
    ),
    merge,
  ),
});
const sumOf = (n: bigint) => (n * (n + 1n)) / 2n;

describe('step (pure)', () => {
  const bumpThenMaybeFail = typed(pipe(fanout(pipe(consume, get, incr, put), id), snd, mk('Div', {})), IntT, I2);

  test('returns the output and the new state', () => {
    expect(step(bumpThenMaybeFail, [7n, 2n], 10n)).toEqual({ ok: true, output: 3n, state: 11n });
  });

  test('on an error returns the state it was given, the same object', () => {
    const state = [1n, 2n] as const;
    const t = typed(pipe(put, mk('Fail', { message: 'no', type: IntT })), I2, I2);
    const r = step(t, [5n, 6n], state);
    expect(r).toEqual({ ok: false, error: { code: 'FAIL', message: 'no' }, state: [1n, 2n] });
    expect(r.state).toBe(state);
  });

  test('a fuel option sets the budget of the item', () => {
    const t = typed(sumLoop, UnitT, IntT);
    expect(step(t, 3n, null, { fuel: 5 })).toEqual({ ok: true, output: 6n, state: null });
    expect(step(t, 3n, null, { fuel: 4 })).toEqual({ ok: false, error: { code: 'OUT_OF_FUEL', message: 'out of fuel after 4 steps' }, state: null });
  });

  test('a bad fuel option is a programming error, thrown', () => {
    const t = typed(incr, UnitT, IntT);
    expect(() => step(t, 1n, null, { fuel: -1 })).toThrow(RangeError);
    expect(() => step(t, 1n, null, { fuel: 1.5 })).toThrow(RangeError);
  });

  test('anything thrown that is not an item error becomes a TRAP, never an exception', () => {
    // A value of the wrong type breaks the contract; the interpreter still answers.
    const t = typed(incr, UnitT, IntT);
    const r = step(t, 'not an int' as Value, null);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('TRAP');
  });
});

describe('machines', () => {
  const counter = typed(caseOf(get, pipe(get, incr, put)), IntT, either(UnitT, UnitT));

  test('the state carries over between items', () => {
    const m = interpreter.load({ typed: counter, stateType: IntT, initialState: 0n });
    expect(interpreter.name).toBe('interp');
    expect(m.step(right(null))).toEqual({ ok: true, output: right(null) });
    expect(m.step(right(null))).toEqual({ ok: true, output: right(null) });
    expect(m.step(left(null))).toEqual({ ok: true, output: left(2n) });
    expect(m.getState()).toBe(2n);
  });

  test('a failed item leaves the state as before; the next item goes on from there', () => {
    const t = typed(mk('Match', { cases: { Set: pipe(put, lit(0n)), Crash: pipe(lit(99n), put, mk('Fail', { message: 'crash', type: IntT })), Get: pipe(consume, get) } }), IntT, variant({ Set: IntT, Crash: UnitT, Get: UnitT }));
    const m = interpreter.load({ typed: t, stateType: IntT, initialState: 1n });
    expect(m.step({ tag: 'Set', value: 5n })).toEqual({ ok: true, output: 0n });
    expect(m.step({ tag: 'Crash', value: null })).toEqual({ ok: false, error: { code: 'FAIL', message: 'crash' } });
    expect(m.getState()).toBe(5n);
    expect(m.step({ tag: 'Get', value: null })).toEqual({ ok: true, output: 5n });
  });

  test('each item gets the full budget again', () => {
    const m = interpreter.load({ typed: typed(sumLoop, UnitT, IntT), stateType: UnitT, initialState: null, fuel: 12 });
    for (let i = 0; i < 3; i++) expect(m.step(10n)).toEqual({ ok: true, output: 55n });
    expect(m.step(11n)).toEqual({ ok: false, error: { code: 'OUT_OF_FUEL', message: 'out of fuel after 12 steps' } });
  });

  test('machines loaded from one typed term do not share state', () => {
    const a = interpreter.load({ typed: counter, stateType: IntT, initialState: 0n });
    const b = interpreter.load({ typed: counter, stateType: IntT, initialState: 100n });
    a.step(right(null));
    expect(a.getState()).toBe(1n);
    expect(b.getState()).toBe(100n);
  });

  test('setState replaces the state; a value of the wrong type is refused', () => {
    const m = interpreter.load({ typed: counter, stateType: IntT, initialState: 0n });
    m.setState(INT_MAX);
    expect(m.step(right(null))).toEqual({ ok: true, output: right(null) });
    expect(m.getState()).toBe(-(2n ** 63n));
    expect(() => m.setState('x')).toThrow(TypeError);
    expect(() => interpreter.load({ typed: counter, stateType: IntT, initialState: true })).toThrow(TypeError);
  });

  test('stepEncoded takes and gives canonical layout bytes', () => {
    const m = interpreter.load({ typed: counter, stateType: IntT, initialState: 41n });
    const inType = either(UnitT, UnitT);
    const outType = either(IntT, UnitT);
    expect(m.stepEncoded(encodeValue(inType, right(null)))).toEqual({ ok: true, output: encodeValue(outType, right(null)) });
    const r = m.stepEncoded(encodeValue(inType, left(null)));
    expect(r.ok && decodeValue(outType, r.output)).toEqual(left(42n));
    // Outputs are fresh copies: a later step does not overwrite an earlier answer.
    const again = m.stepEncoded(encodeValue(inType, left(null)));
    expect(r.ok && Array.from(r.output)).toEqual(again.ok && Array.from(again.output));
  });

  test('stepEncoded reports item errors like step, and throws on bytes that are not an input value', () => {
    const t = typed(pipe(mk('Fanout', { left: id, right: lit(0n) }), mk('Div', {})), UnitT, IntT);
    const m = interpreter.load({ typed: t, stateType: UnitT, initialState: null });
    expect(m.stepEncoded(encodeValue(IntT, 3n))).toEqual({ ok: false, error: { code: 'DIVIDE_BY_ZERO', message: 'division by zero' } });
    expect(() => m.stepEncoded(new Uint8Array([1, 2, 3]))).toThrow(LayoutError);
  });
});

describe('limits: deep terms, long loops, long lists', () => {
  // Wrappers that each nest `g: Int -> Int` one level deeper and still give Int -> Int; the innermost is Incr.
  const wrappers: Record<string, (g: Term) => Term> = {
    Compose: (g) => mk('Compose', { left: id, right: g }),
    First: (g) => pipe(copy, mk('First', { body: g }), fst),
    Second: (g) => pipe(copy, mk('Second', { body: g }), snd),
    Case: (g) => pipe(mk('InLeft', { type: IntT }), caseOf(g, id), merge),
    Fanout: (g) => pipe(fanout(g, id), fst),
    If: (g) => pipe(fanout(id, mk('Bool', { value: true })), mk('If', { onTrue: g, onFalse: id })),
    Unleft: (g) => mk('Unleft', { body: caseOf(g, id), type: IntT }),
    Fold: (g) => pipe(fanout(id, pipe(consume, fanout(mk('Int', { value: 0n }), mk('Nil', { type: IntT })), mk('Cons', {}))), mk('Fold', { body: pipe(fst, g) })),
    ListMap: (g) => pipe(fanout(id, mk('Nil', { type: IntT })), mk('Cons', {}), mk('ListMap', { body: g }), mk('Uncons', {}), caseOf(lit(0n), fst), merge),
    Record: (g) => pipe(mk('Record', { fields: { x: g } }), mk('Field', { name: 'x' })),
    Match: (g) => pipe(mk('Inject', { name: 'A', type: variant({ A: IntT }) }), mk('Match', { cases: { A: g } })),
  };

  /** Nests wrappers (cycling through `kinds`) around Incr until the term is as deep as the typechecker allows. */
  function deepTerm(kinds: string[]): Term {
    let t: Term = incr;
    for (let i = 0; ; i++) {
      const next = wrappers[kinds[i % kinds.length]](t);
      if (termDepth(next) > TERM_LIMITS.maxDepth) return t;
      t = next;
    }
  }

  for (const kind of [...Object.keys(wrappers), 'all']) {
    test(`a term ${TERM_LIMITS.maxDepth} deep, nested through ${kind}, compiles and runs`, () => {
      const term = deepTerm(kind === 'all' ? Object.keys(wrappers) : [kind]);
      expect(termDepth(term)).toBeGreaterThan(TERM_LIMITS.maxDepth - 10);
      const r = step(typed(term, UnitT, IntT), 41n, null);
      expect(r).toEqual({ ok: true, output: 42n, state: null });
    });
  }

  test(`a chain of ${TERM_LIMITS.maxDepth - 1} Composes nested on either side runs as a flat sequence`, () => {
    const n = TERM_LIMITS.maxDepth - 1;
    let leftNested: Term = incr;
    let rightNested: Term = incr;
    for (let i = 0; i < n; i++) {
      leftNested = mk('Compose', { left: leftNested, right: incr });
      rightNested = mk('Compose', { left: incr, right: rightNested });
    }
    expect(step(typed(leftNested, UnitT, IntT), 0n, null)).toEqual({ ok: true, output: BigInt(n + 1), state: null });
    expect(step(typed(rightNested, UnitT, IntT), 0n, null)).toEqual({ ok: true, output: BigInt(n + 1), state: null });
  });

  test('an Unleft loop of 1,000,000 steps (the whole default budget) runs in constant stack', () => {
    const n = BigInt(DEFAULT_FUEL - 2);
    const t = typed(sumLoop, UnitT, IntT);
    expect(step(t, n, null)).toEqual({ ok: true, output: sumOf(n), state: null });
    expect(step(t, n + 1n, null)).toEqual({ ok: false, error: { code: 'OUT_OF_FUEL', message: `out of fuel after ${DEFAULT_FUEL} steps` }, state: null });
  });

  test('ListMap and Fold over 1,000,000 elements', () => {
    const n = 1_000_000;
    const xs = Array.from({ length: n }, (_, i) => BigInt(i));
    const mapped = step(typed(mk('ListMap', { body: incr }), UnitT, list(IntT)), xs, null);
    expect(mapped.ok && (mapped.output as bigint[]).length).toBe(n);
    expect(mapped.ok && (mapped.output as bigint[])[n - 1]).toBe(BigInt(n));
    const folded = step(typed(mk('Fold', { body: add }), UnitT, pair(IntT, list(IntT))), [0n, xs], null);
    expect(folded).toEqual({ ok: true, output: sumOf(BigInt(n - 1)), state: null });
  });

  test('list and string operations on 1,000,000 elements', () => {
    const n = 1_000_000;
    const text = 'ab😀'.repeat(n / 4) + 'x'.repeat(n / 4);
    const chars = typed(pipe(fanout(id, pipe(consume, mk('Const', { type: Str, value: '' }))), mk('Split', {})), UnitT, Str);
    const split = step(chars, text, null);
    expect(split.ok && (split.output as string[]).length).toBe(n);
    const length = step(typed(mk('StrLength', {}), UnitT, Str), text, null);
    expect(length).toEqual({ ok: true, output: BigInt(n), state: null });
    const xs = Array.from({ length: n }, (_, i) => BigInt(i));
    const reversedTwice = step(typed(pipe(mk('Reverse', {}), fanout(id, id), mk('Append', {}), mk('ListLength', {})), UnitT, list(IntT)), xs, null);
    expect(reversedTwice).toEqual({ ok: true, output: BigInt(2 * n), state: null });
    const equalLists = step(typed(pipe(copy, equal), UnitT, list(IntT)), xs, null);
    expect(equalLists).toEqual({ ok: true, output: true, state: null });
  });

  test('a map of 100,000 entries from a list, looked up', () => {
    const n = 100_000;
    const entries = Array.from({ length: n }, (_, i) => [BigInt((i * 7919) % n), `v${i}`] as const);
    const t = typed(pipe(mk('First', { body: mk('MapFromList', {}) }), mk('MapLookup', {})), UnitT, pair(list(pair(IntT, Str)), IntT));
    expect(step(t, [entries, 0n], null)).toEqual({ ok: true, output: right('v0'), state: null });
    const size = step(typed(pipe(mk('MapFromList', {}), mk('MapSize', {})), UnitT, list(pair(IntT, Str))), entries, null);
    expect(size).toEqual({ ok: true, output: BigInt(n), state: null });
  });

  test('values of a type nested as deep as the typechecker allows compare fine', () => {
    // Copy makes a pair of it: one level more, exactly at the limit.
    let t: Type = BoolT;
    let v: Value = true;
    for (let i = 0; i < TYPE_LIMITS.maxDepth - 2; i++) {
      t = either(UnitT, t);
      v = right(v);
    }
    expect(step(typed(pipe(copy, equal), UnitT, t), v, null)).toEqual({ ok: true, output: true, state: null });
  });
});

describe('specialised helpers agree with their plain definitions', () => {
  /** A type and two values of it; the second is often the first again, so ties and deep equal paths are reached. */
  const arbComparable = arbType({ maxDepth: 3 }).chain((type) =>
    fc.tuple(fc.constant(type), arbValue(type), fc.oneof(arbValue(type), fc.constant(undefined))),
  );

  test('comparatorOf(t) and the comparison ops order values exactly like compareValues', () => {
    const ops = ['Equal', 'Lt', 'Le', 'Gt', 'Ge'] as const;
    fc.assert(
      fc.property(arbComparable, ([type, a, maybeB]) => {
        const b = maybeB === undefined ? a : maybeB;
        const expected = Math.sign(compareValues(type, a, b));
        expect(Math.sign(comparatorOf(type)(a, b))).toBe(expected);
        const answers = ops.map((o) => {
          const r = step(typed(mk(o, {}), UnitT, pair(type, type)), [a, b], null);
          return r.ok ? r.output : r.error;
        });
        expect(answers).toEqual([expected === 0, expected < 0, expected <= 0, expected > 0, expected >= 0]);
        const eq = step(typed(mk('Eq', {}), UnitT, pair(type, type)), [a, b], null);
        expect(eq.ok && eq.output).toEqual(expected === 0 ? left(null) : right(null));
      }),
      { numRuns: 300 },
    );
  });

  test('StrLength and Slice count code points like Array.from', () => {
    fc.assert(
      fc.property(arbString, fc.bigInt({ min: -3n, max: 15n }), fc.bigInt({ min: -3n, max: 15n }), (s, from, to) => {
        const points = Array.from(s);
        expect(codePointLength(s)).toBe(points.length);
        const clamp = (n: bigint) => Math.max(0, Math.min(points.length, Number(n)));
        expect(sliceCodePoints(s, from, to)).toBe(points.slice(clamp(from), clamp(to)).join(''));
      }),
      { numRuns: 500 },
    );
  });

  test('ParseInt reads exactly what ShowInt prints, and nothing outside the range', () => {
    fc.assert(
      fc.property(arbInt, (n) => {
        expect(parseInt64(n.toString())).toEqual(right(n));
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: INT_MAX + 1n, max: INT_MAX * 4n }), (n) => {
        expect(parseInt64(n.toString())).toEqual(left(null));
        expect(parseInt64((-n - 1n).toString())).toEqual(left(null));
      }),
    );
    expect(parseInt64(INT_MIN.toString())).toEqual(right(INT_MIN));
  });
});
