// The one list of semantic cases every engine must pass (SEMANTICS.md, case by case).
//
//   { name: 'Div: INT_MIN / -1 wraps to INT_MIN', term: Div, inputType: (Int, Int),
//     input: [INT_MIN, -1n], expect: { output: INT_MIN, state: null } }
//
// Each case is one item: the term is typechecked at (stateType, inputType),
// loaded with `state`, stepped once on `input`, and must give exactly
// `expect` (on an error the state must be the one before the item).
// Expected values are written out by hand from the specification, never
// computed by an engine.

import type { ItemErrorCode } from '../../compiler/engine.ts';
import { mk, type Term } from '../../compiler/terms.ts';
import { Bool as BoolT, either, Int as IntT, list, map as mapT, pair, record, Str, type Type, Unit as UnitT, variant } from '../../compiler/types.ts';
import { INT_MAX, INT_MIN, left, PMap, right, tagged, type Value } from '../../compiler/values.ts';

export type Expectation =
  | { readonly output: Value; readonly state: Value }
  | { readonly error: { readonly code: ItemErrorCode; readonly message: string } };

export interface SemanticCase {
  readonly name: string;
  readonly term: Term;
  readonly stateType: Type;
  readonly inputType: Type;
  readonly state: Value;
  readonly input: Value;
  readonly expect: Expectation;
  /** The item's fuel budget; DEFAULT_FUEL when absent. */
  readonly fuel?: number;
}

// ---------------------------------------------------------------------------
// Term helpers

const id = mk('Id', {});
const fst = mk('Fst', {});
const snd = mk('Snd', {});
const copy = mk('Copy', {});
const consume = mk('Consume', {});
const get = mk('Get', {});
const put = mk('Put', {});
const incr = mk('Incr', {});
const decr = mk('Decr', {});
const not = mk('Not', {});
const merge = mk('Merge', {});
const add = mk('Add', {});
const equal = mk('Equal', {});

/** Runs the terms first to last: pipe(a, b, c) = Compose(c, Compose(b, a)). */
const pipe = (...terms: Term[]): Term => terms.reduce((acc, t) => mk('Compose', { left: t, right: acc }));
const int = (n: bigint) => mk('Int', { value: n });
/** Any input to the constant n. */
const lit = (n: bigint) => pipe(consume, int(n));
const fanout = (l: Term, r: Term) => mk('Fanout', { left: l, right: r });
const first = (body: Term) => mk('First', { body });
const second = (body: Term) => mk('Second', { body });
const caseOf = (l: Term, r: Term) => mk('Case', { left: l, right: r });
const ifThen = (onTrue: Term, onFalse: Term) => mk('If', { onTrue, onFalse });
const bool = (value: boolean) => mk('Bool', { value });
const inLeft = (type: Type) => mk('InLeft', { type });
const inRight = (type: Type) => mk('InRight', { type });
const read = (type: Type) => mk('Read', { type });
const show = (type: Type) => mk('Show', { type });
const unleft = (body: Term, type: Type) => mk('Unleft', { body, type });
const fail = (message: string, type: Type) => mk('Fail', { message, type });
const constant = (type: Type, value: Value) => mk('Const', { type, value });
const op = (name: 'Div' | 'Mod' | 'Mul' | 'Sub' | 'Eq' | 'Lt' | 'Le' | 'Gt' | 'Ge' | 'And' | 'Or') => mk(name, {});

const I2 = pair(IntT, IntT);
const unitEither = either(UnitT, UnitT);
const mapOf = (keyType: Type, entries: ReadonlyArray<readonly [Value, Value]>) => PMap.fromEntries(keyType, entries);

// ---------------------------------------------------------------------------
// Case builders

interface Extra {
  readonly stateType?: Type;
  readonly state?: Value;
  /** The state after the item (defaults to the state before). */
  readonly after?: Value;
  readonly fuel?: number;
}

const cases: SemanticCase[] = [];

function ok(name: string, term: Term, inputType: Type, input: Value, output: Value, extra: Extra = {}): void {
  const state = extra.state ?? null;
  cases.push({
    name,
    term,
    stateType: extra.stateType ?? UnitT,
    inputType,
    state,
    input,
    expect: { output, state: 'after' in extra ? (extra.after as Value) : state },
    ...(extra.fuel !== undefined ? { fuel: extra.fuel } : {}),
  });
}

function err(name: string, term: Term, inputType: Type, input: Value, code: ItemErrorCode, message: string, extra: Extra = {}): void {
  cases.push({
    name,
    term,
    stateType: extra.stateType ?? UnitT,
    inputType,
    state: extra.state ?? null,
    input,
    expect: { error: { code, message } },
    ...(extra.fuel !== undefined ? { fuel: extra.fuel } : {}),
  });
}

// ---------------------------------------------------------------------------
// Structure: Id, Compose, Fst, Snd, Copy, Consume, First, Second, Case, Fanout, If

ok('Id returns its input', id, IntT, 7n, 7n);
ok('Compose runs right, then left', mk('Compose', { left: mk('Neg', {}), right: incr }), IntT, 4n, -5n);
ok('Compose: a Put on the right is seen by a Get on the left', mk('Compose', { left: get, right: put }), IntT, 4n, 4n, { stateType: IntT, state: 0n, after: 4n });
ok('Fst', fst, pair(IntT, Str), [1n, 'a'], 1n);
ok('Snd', snd, pair(IntT, Str), [1n, 'a'], 'a');
ok('Copy duplicates', copy, Str, 'x', ['x', 'x']);
ok('Consume gives ()', consume, pair(IntT, Str), [1n, 'a'], null);
ok('First runs on the first component', first(incr), pair(IntT, Str), [1n, 'a'], [2n, 'a']);
ok('Second runs on the second component', second(not), pair(IntT, BoolT), [1n, true], [1n, false]);
ok('Case on Left', caseOf(incr, not), either(IntT, BoolT), left(1n), left(2n));
ok('Case on Right', caseOf(incr, not), either(IntT, BoolT), right(true), right(false));
ok('Fanout runs both on the same input', fanout(incr, decr), IntT, 5n, [6n, 4n]);
ok('Fanout runs left first: its Put is seen on the right', fanout(put, pipe(consume, get)), IntT, 7n, [null, 7n], { stateType: IntT, state: 0n, after: 7n });
ok('Fanout runs left first: the right Put comes after the left Get', fanout(pipe(consume, get), put), IntT, 7n, [0n, null], { stateType: IntT, state: 0n, after: 7n });
ok('If True runs onTrue', ifThen(incr, decr), pair(IntT, BoolT), [10n, true], 11n);
ok('If False runs onFalse', ifThen(incr, decr), pair(IntT, BoolT), [10n, false], 9n);

// ---------------------------------------------------------------------------
// Constants, state, booleans

ok('Int gives its value', int(42n), UnitT, null, 42n);
ok('Int INT_MIN literal', int(INT_MIN), UnitT, null, INT_MIN);
ok('Bool ignores its input', bool(true), pair(Str, IntT), ['x', 1n], true);
ok('Get reads the state', get, UnitT, null, 5n, { stateType: IntT, state: 5n });
ok('Put replaces the state and gives ()', put, pair(IntT, BoolT), [3n, true], null, { stateType: pair(IntT, BoolT), state: [0n, false], after: [3n, true] });
ok('Not True', not, BoolT, true, false);
ok('Not False', not, BoolT, false, true);
ok('And True True', op('And'), pair(BoolT, BoolT), [true, true], true);
ok('And True False', op('And'), pair(BoolT, BoolT), [true, false], false);
ok('And False True', op('And'), pair(BoolT, BoolT), [false, true], false);
ok('Or False False', op('Or'), pair(BoolT, BoolT), [false, false], false);
ok('Or False True', op('Or'), pair(BoolT, BoolT), [false, true], true);
ok(
  'And evaluates both sides: no short circuit (the right side still Puts)',
  pipe(fanout(bool(false), pipe(put, bool(true))), op('And')),
  IntT,
  9n,
  false,
  { stateType: IntT, state: 0n, after: 9n },
);

// ---------------------------------------------------------------------------
// Int arithmetic: 64-bit two's complement wrap-around

ok('Incr', incr, IntT, 41n, 42n);
ok('Incr INT_MAX wraps to INT_MIN', incr, IntT, INT_MAX, INT_MIN);
ok('Decr INT_MIN wraps to INT_MAX', decr, IntT, INT_MIN, INT_MAX);
ok('Neg 5', mk('Neg', {}), IntT, 5n, -5n);
ok('Neg INT_MIN is INT_MIN', mk('Neg', {}), IntT, INT_MIN, INT_MIN);
ok('Add', add, I2, [2n, -5n], -3n);
ok('Add INT_MAX + 1 wraps to INT_MIN', add, I2, [INT_MAX, 1n], INT_MIN);
ok('Sub INT_MIN - 1 wraps to INT_MAX', op('Sub'), I2, [INT_MIN, 1n], INT_MAX);
ok('Mul', op('Mul'), I2, [-3n, 4n], -12n);
ok('Mul INT_MAX * 2 wraps to -2', op('Mul'), I2, [INT_MAX, 2n], -2n);
ok('Mul 2^32 * 2^32 wraps to 0', op('Mul'), I2, [1n << 32n, 1n << 32n], 0n);
ok('Mul INT_MIN * -1 is INT_MIN', op('Mul'), I2, [INT_MIN, -1n], INT_MIN);
ok('Div 7 / 2 = 3', op('Div'), I2, [7n, 2n], 3n);
ok('Div -7 / 2 truncates to -3', op('Div'), I2, [-7n, 2n], -3n);
ok('Div 7 / -2 truncates to -3', op('Div'), I2, [7n, -2n], -3n);
ok('Div -7 / -2 = 3', op('Div'), I2, [-7n, -2n], 3n);
ok('Div INT_MIN / -1 wraps to INT_MIN', op('Div'), I2, [INT_MIN, -1n], INT_MIN);
ok('Div INT_MIN / 1', op('Div'), I2, [INT_MIN, 1n], INT_MIN);
err('Div by zero', op('Div'), I2, [7n, 0n], 'DIVIDE_BY_ZERO', 'division by zero');
err('Div 0 / 0', op('Div'), I2, [0n, 0n], 'DIVIDE_BY_ZERO', 'division by zero');
ok('Mod 7 % 2 = 1', op('Mod'), I2, [7n, 2n], 1n);
ok('Mod -7 % 2 = -1 (sign of the dividend)', op('Mod'), I2, [-7n, 2n], -1n);
ok('Mod 7 % -2 = 1 (sign of the dividend)', op('Mod'), I2, [7n, -2n], 1n);
ok('Mod -7 % -2 = -1', op('Mod'), I2, [-7n, -2n], -1n);
ok('Mod INT_MIN % -1 = 0', op('Mod'), I2, [INT_MIN, -1n], 0n);
ok('Mod INT_MIN % INT_MAX = -1', op('Mod'), I2, [INT_MIN, INT_MAX], -1n);
err('Mod by zero', op('Mod'), I2, [INT_MIN, 0n], 'DIVIDE_BY_ZERO', 'division by zero');

// ---------------------------------------------------------------------------
// Eq, Equal, Lt, Le, Gt, Ge on every type

const unitLeft = left(null);
const unitRight = right(null);
ok('Eq Int equal gives Left ()', op('Eq'), I2, [3n, 3n], unitLeft);
ok('Eq Int different gives Right ()', op('Eq'), I2, [3n, -3n], unitRight);
ok('Eq Unit is always Left ()', op('Eq'), pair(UnitT, UnitT), [null, null], unitLeft);
ok('Eq String', op('Eq'), pair(Str, Str), ['😀', '😀'], unitLeft);
ok('Eq List differs in length', op('Eq'), pair(list(IntT), list(IntT)), [[1n], [1n, 1n]], unitRight);
ok('Eq Bool', op('Eq'), pair(BoolT, BoolT), [true, false], unitRight);
ok('Eq Pair', op('Eq'), pair(I2, I2), [[1n, 2n], [1n, 2n]], unitLeft);
ok('Eq Either same tag, different payload', op('Eq'), pair(either(IntT, IntT), either(IntT, IntT)), [left(1n), left(2n)], unitRight);
ok('Eq Map', op('Eq'), pair(mapT(Str, IntT), mapT(Str, IntT)), [mapOf(Str, [['a', 1n]]), mapOf(Str, [['a', 1n]])], unitLeft);
ok('Eq Record differs in one field', op('Eq'), pair(record({ a: IntT, b: Str }), record({ a: IntT, b: Str })), [{ a: 1n, b: 'x' }, { a: 1n, b: 'y' }], unitRight);
ok('Eq Variant different cases', op('Eq'), pair(variant({ A: UnitT, B: UnitT }), variant({ A: UnitT, B: UnitT })), [tagged('A', null), tagged('B', null)], unitRight);
ok('Equal Unit', equal, pair(UnitT, UnitT), [null, null], true);
ok('Equal Int', equal, I2, [INT_MIN, INT_MIN], true);
ok('Equal String by code point, not by normal form', equal, pair(Str, Str), ['\u00e9', 'e\u0301'], false);
ok('Equal List', equal, pair(list(IntT), list(IntT)), [[1n, 2n], [1n, 2n]], true);
ok('Equal Bool', equal, pair(BoolT, BoolT), [false, false], true);
ok('Equal Pair', equal, pair(I2, I2), [[1n, 2n], [1n, 3n]], false);
ok('Equal Either different tags', equal, pair(either(IntT, IntT), either(IntT, IntT)), [left(1n), right(1n)], false);
ok(
  'Equal Map: same entries, built in another order',
  equal,
  pair(mapT(IntT, Str), mapT(IntT, Str)),
  [mapOf(IntT, [[1n, 'a'], [2n, 'b']]), mapOf(IntT, [[2n, 'b'], [1n, 'a']])],
  true,
);
ok('Equal Record', equal, pair(record({ a: IntT, b: Str }), record({ a: IntT, b: Str })), [{ a: 1n, b: 'x' }, { a: 1n, b: 'x' }], true);
ok('Equal Variant same case, different payload', equal, pair(variant({ A: IntT, B: IntT }), variant({ A: IntT, B: IntT })), [tagged('A', 1n), tagged('A', 2n)], false);
ok('Lt Int negative', op('Lt'), I2, [-5n, 3n], true);
ok('Lt Int equal is False', op('Lt'), I2, [3n, 3n], false);
ok('Le Int equal is True', op('Le'), I2, [3n, 3n], true);
ok('Gt INT_MAX > INT_MIN', op('Gt'), I2, [INT_MAX, INT_MIN], true);
ok('Ge Int smaller is False', op('Ge'), I2, [2n, 3n], false);
ok('Lt Unit is False', op('Lt'), pair(UnitT, UnitT), [null, null], false);
ok('Le Unit is True', op('Le'), pair(UnitT, UnitT), [null, null], true);
ok('Lt False < True', op('Lt'), pair(BoolT, BoolT), [false, true], true);
ok('Gt True > False', op('Gt'), pair(BoolT, BoolT), [true, false], true);
ok('Lt String by code point: "\\uFFFF" < "😀"', op('Lt'), pair(Str, Str), ['\uFFFF', '😀'], true);
ok('Gt String by code point: "😀" > "\\uFFFF"', op('Gt'), pair(Str, Str), ['😀', '\uFFFF'], true);
ok('Lt String: a prefix sorts first', op('Lt'), pair(Str, Str), ['ab', 'abc'], true);
ok('Lt String: "" < "a"', op('Lt'), pair(Str, Str), ['', 'a'], true);
ok('Lt String: "Z" < "a" (ASCII)', op('Lt'), pair(Str, Str), ['Z', 'a'], true);
ok('Ge String: "b" >= "abc"', op('Ge'), pair(Str, Str), ['b', 'abc'], true);
ok('Lt Pair: first component decides', op('Lt'), pair(I2, I2), [[1n, 9n], [2n, 0n]], true);
ok('Lt Pair: second component on a tie', op('Lt'), pair(I2, I2), [[1n, 9n], [1n, 10n]], true);
ok('Lt Either: Left < Right whatever the payloads', op('Lt'), pair(either(IntT, IntT), either(IntT, IntT)), [left(100n), right(-100n)], true);
ok('Gt Either: payloads of the same side', op('Gt'), pair(either(IntT, IntT), either(IntT, IntT)), [right(2n), right(1n)], true);
ok('Lt List: shorter first on a common prefix', op('Lt'), pair(list(IntT), list(IntT)), [[1n, 2n], [1n, 2n, 0n]], true);
ok('Lt List: [] < [INT_MIN]', op('Lt'), pair(list(IntT), list(IntT)), [[], [INT_MIN]], true);
ok('Gt List: [2] > [1, 5]', op('Gt'), pair(list(IntT), list(IntT)), [[2n], [1n, 5n]], true);
ok(
  'Lt Map: as ascending lists of (key, value), not by size',
  op('Lt'),
  pair(mapT(IntT, Str), mapT(IntT, Str)),
  [mapOf(IntT, [[3n, 'a'], [1n, 'z']]), mapOf(IntT, [[2n, 'a']])],
  true,
);
ok('Gt Map: values decide on equal keys', op('Gt'), pair(mapT(IntT, Str), mapT(IntT, Str)), [mapOf(IntT, [[1n, 'b']]), mapOf(IntT, [[1n, 'a'], [2n, 'a']])], true);
ok('Lt Map: empty < non-empty', op('Lt'), pair(mapT(IntT, IntT), mapT(IntT, IntT)), [mapOf(IntT, []), mapOf(IntT, [[0n, 0n]])], true);
ok('Lt Record: fields in name order (a decides before b)', op('Lt'), pair(record({ a: IntT, b: IntT }), record({ a: IntT, b: IntT })), [{ a: 0n, b: 9n }, { a: 1n, b: 0n }], true);
ok(
  'Lt Variant: by case name first',
  op('Lt'),
  pair(variant({ A: IntT, B: IntT }), variant({ A: IntT, B: IntT })),
  [tagged('A', 9n), tagged('B', 0n)],
  true,
);
ok(
  'Lt Variant: case names in ASCII order (Z < a)',
  op('Lt'),
  pair(variant({ a: UnitT, Z: UnitT }), variant({ a: UnitT, Z: UnitT })),
  [tagged('Z', null), tagged('a', null)],
  true,
);
ok('Le Variant: same case, payload decides', op('Le'), pair(variant({ A: IntT, B: IntT }), variant({ A: IntT, B: IntT })), [tagged('B', 3n), tagged('B', 2n)], false);

// ---------------------------------------------------------------------------
// Read and Show (Haskell syntax)

const counterInV3 = either(UnitT, either(UnitT, either(UnitT, UnitT)));
ok('Read Int', read(IntT), Str, '42', 42n);
ok('Read Int with spaces and redundant parentheses', read(IntT), Str, ' ( ( -3 ) ) ', -3n);
ok('Read Int INT_MIN', read(IntT), Str, '-9223372036854775808', INT_MIN);
err('Read Int past INT_MAX does not wrap', read(IntT), Str, '9223372036854775808', 'READ_NO_PARSE', 'Read: no parse as Int');
err('Read Int of bad text', read(IntT), Str, '4x2', 'READ_NO_PARSE', 'Read: no parse as Int');
err('Read Int with trailing text', read(IntT), Str, '3 x', 'READ_NO_PARSE', 'Read: no parse as Int');
err('Read Int of empty text', read(IntT), Str, '', 'READ_NO_PARSE', 'Read: no parse as Int');
ok('Read Unit with spaces', read(UnitT), Str, ' ( ) ', null);
err('Read Bool is only True/False', read(BoolT), Str, 'true', 'READ_NO_PARSE', 'Read: no parse as Bool');
ok('Read Either with a parenthesised negative payload', read(either(IntT, UnitT)), Str, 'Left (-3)', left(-3n));
err('Read Either: a bare negative payload does not parse', read(either(IntT, UnitT)), Str, 'Left -3', 'READ_NO_PARSE', 'Read: no parse as Either Int ()');
ok('Read Either with redundant parentheses everywhere', read(either(UnitT, either(IntT, UnitT))), Str, ' ( Right ( ( Left  ((-7)) ) ) ) ', right(left(-7n)));
err('Read message names the nested type', read(counterInV3), Str, 'Left', 'READ_NO_PARSE', 'Read: no parse as Either () (Either () (Either () ()))');
ok('Read Pair with spaces', read(pair(IntT, BoolT)), Str, '( 1 , True )', [1n, true]);
ok('Read String with escapes', read(Str), Str, String.raw`"a\"\\\n\955\&1\x41\o101\^A\&\SOH"`, 'a"\\\nλ1AA\u0001\u0001');
ok('Read String with an astral code point', read(Str), Str, String.raw`"\128512!"`, '😀!');
ok('Read List', read(list(IntT)), Str, '[ 1 , -2 ,3]', [1n, -2n, 3n]);
ok('Read Map', read(mapT(IntT, Str)), Str, 'fromList [(2,"b"), (1,"a")]', mapOf(IntT, [[1n, 'a'], [2n, 'b']]));
ok('Read Record: fields in any order', read(record({ a: BoolT, b: IntT })), Str, '{ b = -2 , a = True }', { a: true, b: -2n });
err('Read Record: every field is needed', read(record({ a: BoolT, b: IntT })), Str, '{a = True}', 'READ_NO_PARSE', 'Read: no parse as {a: Bool, b: Int}');
ok('Read Variant', read(variant({ Incr: IntT, Reset: UnitT })), Str, 'Incr (-5)', tagged('Incr', -5n));
{
  // Types with few values: their texts as Show writes them, and every other spelling of them.
  const small = either(UnitT, either(BoolT, record({ on: BoolT, unit: UnitT })));
  ok('Read a type with few values: a text exactly as Show writes it', read(small), Str, 'Right (Right {on = True, unit = ()})', right(right({ on: true, unit: null })));
  ok('Read a type with few values: spaces and parentheses', read(small), Str, ' ( Right ( Left  False ) ) ', right(left(false)));
  ok('Read a type with few values: fields in another order', read(small), Str, 'Right (Right {unit = (), on = False})', right(right({ on: false, unit: null })));
  err('Read a type with few values: a prefix of a known text', read(small), Str, 'Right (Left True', 'READ_NO_PARSE', 'Read: no parse as Either () (Either Bool {on: Bool, unit: ()})');
  err('Read a type with few values: a known text with more after it', read(small), Str, 'Left ()x', 'READ_NO_PARSE', 'Read: no parse as Either () (Either Bool {on: Bool, unit: ()})');
  ok('Read a variant of () cases', read(variant({ Down: UnitT, Up: UnitT })), Str, 'Up ()', tagged('Up', null));
}
ok('Show Int negative', show(IntT), IntT, -3n, '-3');
ok('Show Either: a negative payload is parenthesised', show(either(IntT, UnitT)), either(IntT, UnitT), left(-1n), 'Left (-1)');
ok('Show nested Either', show(either(UnitT, either(IntT, UnitT))), either(UnitT, either(IntT, UnitT)), right(left(2n)), 'Right (Left 2)');
ok('Show Pair: components at precedence 0, no spaces', show(pair(IntT, either(IntT, UnitT))), pair(IntT, either(IntT, UnitT)), [-1n, left(-2n)], '(-1,Left (-2))');
ok('Show Either of a Pair', show(either(pair(IntT, BoolT), UnitT)), either(pair(IntT, BoolT), UnitT), left([1n, true]), 'Left (1,True)');
ok('Show List', show(list(either(IntT, UnitT))), list(either(IntT, UnitT)), [left(-1n), right(null)], '[Left (-1),Right ()]');
ok('Show String escapes', show(Str), Str, 'a"b\\c\n\t\u0001\u007fλ1', String.raw`"a\"b\\c\n\t\SOH\DEL\955\&1"`);
ok('Show String: \\SO before H', show(Str), Str, '\u000eH\u000ex', String.raw`"\SO\&H\SOx"`);
ok('Show String: astral code point in decimal', show(Str), Str, '😀', String.raw`"\128512"`);
ok('Show Map in key order', show(mapT(Str, IntT)), mapT(Str, IntT), mapOf(Str, [['b', -2n], ['a', 1n]]), 'fromList [("a",1),("b",-2)]');
ok('Show Map as an argument', show(either(mapT(IntT, IntT), UnitT)), either(mapT(IntT, IntT), UnitT), left(mapOf(IntT, [])), 'Left (fromList [])');
{
  // Show of values built in the same term: constant parts, parts known only at run time, and a
  // tag chosen at run time, in every position of a constructor, pair and record.
  const neg = mk('Neg', {});
  const EI = either(IntT, UnitT);
  ok('Show a pair built by Fanout: a negative component unparenthesised', pipe(fanout(incr, neg), show(pair(IntT, IntT))), IntT, 3n, '(4,-3)');
  ok('Show a constructor built in the term: a negative payload parenthesised', pipe(neg, inLeft(UnitT), inRight(UnitT), show(either(UnitT, EI))), IntT, 3n, 'Right (Left (-3))');
  ok('Show a constant built in the term', pipe(lit(-5n), inLeft(UnitT), fanout(id, lit(7n)), show(pair(EI, IntT))), UnitT, null, '(Left (-5),7)');
  const branchy = pipe(caseOf(pipe(neg, inLeft(UnitT)), pipe(consume, inRight(IntT))), merge, show(either(IntT, UnitT)));
  ok('Show a value whose tag is chosen at run time: Left', branchy, either(IntT, BoolT), left(2n), 'Left (-2)');
  ok('Show a value whose tag is chosen at run time: Right', branchy, either(IntT, BoolT), right(true), 'Right ()');
  ok(
    'Show a record built in the term',
    pipe(mk('Record', { fields: { sum: pipe(caseOf(neg, lit(0n)), merge, inRight(UnitT)), size: pipe(consume, lit(-1n)) } }), show(record({ size: IntT, sum: either(UnitT, IntT) }))),
    either(IntT, UnitT),
    left(4n),
    '{size = -1, sum = Right (-4)}',
  );
}
ok('Show Record', show(record({ decrementing: BoolT, count: IntT })), record({ decrementing: BoolT, count: IntT }), { count: 3n, decrementing: false }, '{count = 3, decrementing = False}');
ok('Show Record: negative at precedence 0', show(record({ x: IntT })), record({ x: IntT }), { x: -1n }, '{x = -1}');
ok('Show Variant: negative payload parenthesised', show(variant({ Incr: IntT, Read: UnitT })), variant({ Incr: IntT, Read: UnitT }), tagged('Incr', -5n), 'Incr (-5)');
ok('Show Variant: constructor payload parenthesised', show(variant({ Push: unitEither })), variant({ Push: unitEither }), tagged('Push', left(null)), 'Push (Left ())');
ok('Show Variant: a record payload is atomic', show(variant({ Set: record({ x: IntT }) })), variant({ Set: record({ x: IntT }) }), tagged('Set', { x: 2n }), 'Set {x = 2}');

// ---------------------------------------------------------------------------
// Unleft loops and fuel

// sum n = n + (n-1) + … + 1, as a loop over (acc, i); takes n + 2 steps.
const sumLoopBody = pipe(
  caseOf(
    pipe(fanout(lit(0n), id), inRight(IntT)), // Left n       => Right (0, n)
    pipe(
      fanout(id, pipe(snd, fanout(id, lit(0n)), equal)), // Right (acc, i) => ((acc, i), i == 0)
      ifThen(pipe(fst, inLeft(I2)), pipe(fanout(add, pipe(snd, decr)), inRight(IntT))),
    ),
  ),
  merge,
);
const sumLoop = unleft(sumLoopBody, I2);
const forever = unleft(pipe(merge, inRight(IntT)), IntT);
ok('Unleft: sum 1..10 = 55', sumLoop, IntT, 10n, 55n);
ok('Unleft: a body that answers Left at once takes one step', unleft(caseOf(incr, id), IntT), IntT, 3n, 4n, { fuel: 1 });
ok('Unleft: exact budget (sum 1..10 takes 12 steps)', sumLoop, IntT, 10n, 55n, { fuel: 12 });
err('Unleft: one step short', sumLoop, IntT, 10n, 'OUT_OF_FUEL', 'out of fuel after 11 steps', { fuel: 11 });
err('Unleft: fuel 0 fails on the first step', unleft(caseOf(incr, id), IntT), IntT, 3n, 'OUT_OF_FUEL', 'out of fuel after 0 steps', { fuel: 0 });
err('Unleft: an endless loop runs out of the default fuel', forever, IntT, 0n, 'OUT_OF_FUEL', 'out of fuel after 1000000 steps');
ok(
  'Unleft: the body threads the state (sum 1..3 counts its 5 steps into the state)',
  unleft(pipe(fanout(id, pipe(consume, get, incr, put)), fst, sumLoopBody), I2),
  IntT,
  3n,
  6n,
  { stateType: IntT, state: 0n, after: 5n },
);

// ---------------------------------------------------------------------------
// Strings, by code point

const slice = mk('Slice', {});
const split = mk('Split', {});
const parseInt = mk('ParseInt', {});
ok('Concat', mk('Concat', {}), pair(Str, Str), ['ab', 'c😀'], 'abc😀');
ok('StrLength counts code points', mk('StrLength', {}), Str, 'héllo😀', 6n);
ok('StrLength of ""', mk('StrLength', {}), Str, '', 0n);
ok('Slice', slice, pair(Str, I2), ['hello', [1n, 3n]], 'el');
ok('Slice clamps both ends', slice, pair(Str, I2), ['hello', [-5n, 100n]], 'hello');
ok('Slice: from >= to is empty', slice, pair(Str, I2), ['hello', [3n, 1n]], '');
ok('Slice: extreme bounds', slice, pair(Str, I2), ['hello', [INT_MIN, INT_MAX]], 'hello');
ok('Slice: from past the end is empty', slice, pair(Str, I2), ['hello', [9n, 12n]], '');
ok('Slice by code point around astral characters', slice, pair(Str, I2), ['a😀b😀c', [1n, 4n]], '😀b😀');
ok('Split', split, pair(Str, Str), ['a,b,,c', ','], ['a', 'b', '', 'c']);
ok('Split: separators at both ends', split, pair(Str, Str), [',a,', ','], ['', 'a', '']);
ok('Split: "" text with a separator gives [""]', split, pair(Str, Str), ['', ','], ['']);
ok('Split: "" separator gives code points', split, pair(Str, Str), ['a😀b', ''], ['a', '😀', 'b']);
ok('Split: "" text and "" separator gives []', split, pair(Str, Str), ['', ''], []);
ok('Split: multi-character separator', split, pair(Str, Str), ['a--b---c', '--'], ['a', 'b', '-c']);
ok('ParseInt', parseInt, Str, '42', right(42n));
ok('ParseInt negative', parseInt, Str, '-42', right(-42n));
ok('ParseInt leading zeros', parseInt, Str, '0000000000000000000000007', right(7n));
ok('ParseInt -0', parseInt, Str, '-0', right(0n));
ok('ParseInt INT_MAX', parseInt, Str, '9223372036854775807', right(INT_MAX));
ok('ParseInt INT_MIN', parseInt, Str, '-9223372036854775808', right(INT_MIN));
ok('ParseInt overflow', parseInt, Str, '9223372036854775808', unitLeft);
ok('ParseInt negative overflow', parseInt, Str, '-9223372036854775809', unitLeft);
ok('ParseInt "-"', parseInt, Str, '-', unitLeft);
ok('ParseInt "+1"', parseInt, Str, '+1', unitLeft);
ok('ParseInt " 1"', parseInt, Str, ' 1', unitLeft);
ok('ParseInt "1 "', parseInt, Str, '1 ', unitLeft);
ok('ParseInt ""', parseInt, Str, '', unitLeft);
ok('ParseInt "1e3"', parseInt, Str, '1e3', unitLeft);
ok('ParseInt non-ASCII digits', parseInt, Str, '٣', unitLeft);
ok('ShowInt', mk('ShowInt', {}), IntT, -5n, '-5');
ok('ShowInt INT_MIN', mk('ShowInt', {}), IntT, INT_MIN, '-9223372036854775808');

// ---------------------------------------------------------------------------
// Sums: InLeft, InRight, Merge, Distr

ok('InLeft', inLeft(Str), IntT, 1n, left(1n));
ok('InRight', inRight(Str), IntT, 1n, right(1n));
ok('Merge Left', merge, either(IntT, IntT), left(1n), 1n);
ok('Merge Right', merge, either(IntT, IntT), right(2n), 2n);
ok('Distr Left', mk('Distr', {}), pair(IntT, either(BoolT, Str)), [1n, left(true)], left([1n, true]));
ok('Distr Right', mk('Distr', {}), pair(IntT, either(BoolT, Str)), [1n, right('x')], right([1n, 'x']));
ok('Distr Variant', mk('Distr', {}), pair(IntT, variant({ A: BoolT, B: Str })), [1n, tagged('B', 'x')], tagged('B', [1n, 'x']));

// ---------------------------------------------------------------------------
// Lists

const listMap = (body: Term) => mk('ListMap', { body });
const fold = (body: Term) => mk('Fold', { body });
const LI = list(IntT);
ok('Nil', mk('Nil', { type: IntT }), Str, 'x', []);
ok('Cons prepends', mk('Cons', {}), pair(IntT, LI), [1n, [2n, 3n]], [1n, 2n, 3n]);
ok('Cons of a pair onto a list of pairs', mk('Cons', {}), pair(I2, list(I2)), [[1n, 2n], [[3n, 4n]]], [[1n, 2n], [3n, 4n]]);
ok('Uncons empty is Left ()', mk('Uncons', {}), LI, [], unitLeft);
ok('Uncons', mk('Uncons', {}), LI, [1n, 2n], right([1n, [2n]]));
ok('ListLength', mk('ListLength', {}), LI, [5n, 5n, 5n], 3n);
ok('Append', mk('Append', {}), pair(LI, LI), [[1n], [2n, 3n]], [1n, 2n, 3n]);
ok('Append lists of lists', mk('Append', {}), pair(list(LI), list(LI)), [[[1n]], [[2n, 3n]]], [[1n], [2n, 3n]]);
ok('Reverse', mk('Reverse', {}), LI, [1n, 2n, 3n], [3n, 2n, 1n]);
ok('ListMap', listMap(incr), LI, [1n, 2n, 3n], [2n, 3n, 4n]);
const runningSum = pipe(fanout(id, pipe(consume, get)), add, copy, first(put), snd);
ok('ListMap: first to last, state threaded', listMap(runningSum), LI, [1n, 2n, 3n], [1n, 3n, 6n], { stateType: IntT, state: 0n, after: 6n });
ok('ListMap: exact budget (3 elements, 3 steps)', listMap(incr), LI, [1n, 2n, 3n], [2n, 3n, 4n], { fuel: 3 });
err('ListMap: one step short', listMap(incr), LI, [1n, 2n, 3n], 'OUT_OF_FUEL', 'out of fuel after 2 steps', { fuel: 2 });
ok('ListMap: the empty list needs no fuel', listMap(incr), LI, [], [], { fuel: 0 });
const digits = fold(pipe(first(fanout(id, lit(10n))), first(op('Mul')), add));
ok('Fold: left fold, first to last', digits, pair(IntT, LI), [0n, [1n, 2n, 3n]], 123n);
ok('Fold with Sub: ((0 - 1) - 2) - 3', fold(op('Sub')), pair(IntT, LI), [0n, [1n, 2n, 3n]], -6n);
ok('Fold: exact budget (3 elements, 3 steps)', fold(add), pair(IntT, LI), [0n, [1n, 2n, 3n]], 6n, { fuel: 3 });
err('Fold: one step short', fold(add), pair(IntT, LI), [0n, [1n, 2n, 3n]], 'OUT_OF_FUEL', 'out of fuel after 2 steps', { fuel: 2 });
ok('Fold over [] gives the seed', fold(add), pair(IntT, LI), [7n, []], 7n, { fuel: 0 });
ok(
  'Fuel is one budget per item: ListMap of Unleft loops (2 × 4 steps + 2 elements = 10)',
  listMap(sumLoop),
  LI,
  [2n, 2n],
  [3n, 3n],
  { fuel: 10 },
);
err('Fuel is one budget per item: 9 steps are not enough', listMap(sumLoop), LI, [2n, 2n], 'OUT_OF_FUEL', 'out of fuel after 9 steps', { fuel: 9 });

// ---------------------------------------------------------------------------
// Fuel for size: Concat and Append pay a step per 64 code points or elements of their operands,
// Show a step per 64 characters it writes, rounded down (SIZE_STEP in compiler/engine.ts).

const concat = mk('Concat', {});
const a32 = 'a'.repeat(32);
ok('Concat: 63 code points are free', concat, pair(Str, Str), [a32, 'b'.repeat(31)], a32 + 'b'.repeat(31), { fuel: 0 });
err('Concat: 64 code points cost a step', concat, pair(Str, Str), [a32, a32], 'OUT_OF_FUEL', 'out of fuel after 0 steps', { fuel: 0 });
ok('Concat: 64 code points with one step', concat, pair(Str, Str), [a32, a32], a32 + a32, { fuel: 1 });
ok('Concat: 127 code points take one step', concat, pair(Str, Str), [a32 + a32, 'c'.repeat(63)], a32 + a32 + 'c'.repeat(63), { fuel: 1 });
// 32 astral code points are 64 UTF-16 units but 32 code points: with 31 more, still free.
ok('Concat: counted in code points, not UTF-16 units', concat, pair(Str, Str), ['😀'.repeat(32), 'b'.repeat(31)], '😀'.repeat(32) + 'b'.repeat(31), { fuel: 0 });
const twenty = Array.from({ length: 20 }, (_, i) => BigInt(i));
const fortyFour = Array.from({ length: 44 }, (_, i) => BigInt(i));
err('Append: 64 elements cost a step', mk('Append', {}), pair(LI, LI), [twenty, fortyFour], 'OUT_OF_FUEL', 'out of fuel after 0 steps', { fuel: 0 });
ok('Append: 63 elements are free', mk('Append', {}), pair(LI, LI), [twenty, fortyFour.slice(1)], [...twenty, ...fortyFour.slice(1)], { fuel: 0 });
// Show of 62 'x' writes 64 characters (with its quotes), of 61 'x' 63.
err('Show: 64 characters written cost a step', show(Str), Str, 'x'.repeat(62), 'OUT_OF_FUEL', 'out of fuel after 0 steps', { fuel: 0 });
ok('Show: 63 characters written are free', show(Str), Str, 'x'.repeat(61), `"${'x'.repeat(61)}"`, { fuel: 0 });
ok('Show: escapes count as written (16 × \\955 and quotes = 66 characters)', show(Str), Str, 'λ'.repeat(16), `"${'\\955'.repeat(16)}"`, { fuel: 1 });
err('Show: escapes count as written, one step short', show(Str), Str, 'λ'.repeat(16), 'OUT_OF_FUEL', 'out of fuel after 0 steps', { fuel: 0 });
// Show stops a list's text once it could no longer be paid for (64 × (fuel left + 1) characters),
// checking between elements: the same error as building the text and charging it, without the text.
ok('Show: a 127-character list with one step', show(list(Str)), list(Str), ['a'.repeat(120), ''], `["${'a'.repeat(120)}",""]`, { fuel: 1 });
err('Show: a list whose first element alone reaches 128 characters, with one step', show(list(Str)), list(Str), ['a'.repeat(125), ''], 'OUT_OF_FUEL', 'out of fuel after 1 steps', { fuel: 1 });
// 5,000 references to one 100,000-character state would show as 500 million characters; after
// ListMap's 5,000 steps Show may write at most 64 × 5,001 of them.
err(
  'Show of 5,000 references to one long string runs out of fuel without building its text',
  pipe(listMap(pipe(consume, get)), show(list(Str))),
  list(UnitT),
  Array.from({ length: 5000 }, () => null),
  'OUT_OF_FUEL',
  'out of fuel after 10000 steps',
  { fuel: 10_000, stateType: Str, state: 'x'.repeat(100_000) },
);
// A fold that doubles its string 40 times would need 2^41 code points; it runs out of fuel
// (doubling n code points costs n/32 steps) long before it runs out of memory.
const doubling = fold(pipe(fst, fanout(id, id), concat));
err('Fuel for size: a fold that doubles a string runs out of fuel, not memory', doubling, pair(Str, list(UnitT)), ['ab', Array.from({ length: 40 }, () => null)], 'OUT_OF_FUEL', 'out of fuel after 10000 steps', { fuel: 10_000 });
// Over 10 elements: 10 fold steps, and doublings to 64, 128, …, 2048 code points cost 1 + 2 + … + 32 = 63.
ok('Fuel for size: the same fold over 10 elements takes 73 steps', doubling, pair(Str, list(UnitT)), ['ab', Array.from({ length: 10 }, () => null)], 'ab'.repeat(1024), { fuel: 73 });
err('Fuel for size: over 10 elements, one step short', doubling, pair(Str, list(UnitT)), ['ab', Array.from({ length: 10 }, () => null)], 'OUT_OF_FUEL', 'out of fuel after 72 steps', { fuel: 72 });

// ---------------------------------------------------------------------------
// Maps

const MIS = mapT(IntT, Str);
const m12 = mapOf(IntT, [[1n, 'a'], [2n, 'b']]);
ok('MapEmpty', mk('MapEmpty', { key: IntT, type: Str }), BoolT, true, mapOf(IntT, []));
ok('MapInsert a new key', mk('MapInsert', {}), pair(MIS, pair(IntT, Str)), [m12, [0n, 'z']], mapOf(IntT, [[0n, 'z'], [1n, 'a'], [2n, 'b']]));
ok('MapInsert replaces', mk('MapInsert', {}), pair(MIS, pair(IntT, Str)), [m12, [2n, 'B']], mapOf(IntT, [[1n, 'a'], [2n, 'B']]));
ok('MapLookup present', mk('MapLookup', {}), pair(MIS, IntT), [m12, 2n], right('b'));
ok('MapLookup absent', mk('MapLookup', {}), pair(MIS, IntT), [m12, 3n], unitLeft);
ok('MapLookup of a () value', mk('MapLookup', {}), pair(mapT(IntT, UnitT), IntT), [mapOf(IntT, [[1n, null]]), 1n], right(null));
ok('MapDelete present', mk('MapDelete', {}), pair(MIS, IntT), [m12, 1n], mapOf(IntT, [[2n, 'b']]));
ok('MapDelete absent leaves the map unchanged', mk('MapDelete', {}), pair(MIS, IntT), [m12, 5n], m12);
ok('MapSize', mk('MapSize', {}), MIS, m12, 2n);
ok(
  'MapKeys ascending, strings by code point',
  mk('MapKeys', {}),
  mapT(Str, IntT),
  mapOf(Str, [['😀', 1n], ['b', 2n], ['\uFFFF', 3n], ['a', 4n]]),
  ['a', 'b', '\uFFFF', '😀'],
);
ok('MapKeys ascending, negative Ints first', mk('MapKeys', {}), mapT(IntT, UnitT), mapOf(IntT, [[3n, null], [-10n, null], [0n, null]]), [-10n, 0n, 3n]);
ok('MapToList ascending', mk('MapToList', {}), MIS, mapOf(IntT, [[2n, 'b'], [1n, 'a']]), [[1n, 'a'], [2n, 'b']]);
ok(
  'MapFromList: later entries win',
  mk('MapFromList', {}),
  list(pair(IntT, Str)),
  [[1n, 'a'], [2n, 'b'], [1n, 'c']],
  mapOf(IntT, [[1n, 'c'], [2n, 'b']]),
);
{
  // Longer lists: ascending, descending, ascending with repeats, and scrambled with repeats.
  const entriesOf = (keys: readonly number[]) => keys.map((k, i) => [BigInt(k), `v${i}`] as [Value, Value]);
  const lastWins = (keys: readonly number[]) => {
    const m = new Map<number, string>();
    keys.forEach((k, i) => m.set(k, `v${i}`));
    return mapOf(
      IntT,
      [...m].map(([k, v]) => [BigInt(k), v] as [Value, Value]),
    );
  };
  const shapes: ReadonlyArray<[string, number[]]> = [
    ['ascending', Array.from({ length: 40 }, (_, i) => i * 3)],
    ['descending', Array.from({ length: 40 }, (_, i) => 100 - i)],
    ['ascending with runs of equal keys', Array.from({ length: 40 }, (_, i) => i >> 2)],
    ['scrambled with repeats', Array.from({ length: 61 }, (_, i) => (i * 37) % 23)],
  ];
  for (const [shape, keys] of shapes) ok(`MapFromList of ${shape}: later entries win`, mk('MapFromList', {}), list(pair(IntT, Str)), entriesOf(keys), lastWins(keys));
  ok(
    'MapFromList with String keys out of order',
    mk('MapFromList', {}),
    list(pair(Str, IntT)),
    [['pear', 1n], ['apple', 2n], ['pear', 3n], ['', 4n], ['apple pie', 5n], ['apple', 6n]],
    mapOf(Str, [['', 4n], ['apple', 6n], ['apple pie', 5n], ['pear', 3n]]),
  );
}
{
  // MapFromList . ListMap f . MapToList: every entry rewritten (a migration's usual shape).
  const throughEntries = (f: Term) => pipe(mk('MapToList', {}), mk('ListMap', { body: f }), mk('MapFromList', {}));
  const MII = mapT(IntT, IntT);
  const m3 = mapOf(IntT, [[1n, 10n], [2n, 20n], [3n, 30n]]);
  ok('Every entry rewritten: values', throughEntries(second(incr)), MII, m3, mapOf(IntT, [[1n, 11n], [2n, 21n], [3n, 31n]]));
  ok('Every entry rewritten: keys reversed come back ascending', throughEntries(first(mk('Neg', {}))), MII, m3, mapOf(IntT, [[-3n, 30n], [-2n, 20n], [-1n, 10n]]));
  ok('Every entry rewritten: keys made equal, the last entry wins', throughEntries(first(lit(0n))), MII, m3, mapOf(IntT, [[0n, 30n]]));
  ok('Every entry rewritten: the empty map', throughEntries(second(incr)), MII, mapOf(IntT, []), mapOf(IntT, []), { fuel: 0 });
  ok('Every entry rewritten: one fuel step per entry', throughEntries(second(incr)), MII, m3, mapOf(IntT, [[1n, 11n], [2n, 21n], [3n, 31n]]), { fuel: 3 });
  err('Every entry rewritten: one step short', throughEntries(second(incr)), MII, m3, 'OUT_OF_FUEL', 'out of fuel after 2 steps', { fuel: 2 });
  err(
    'Every entry rewritten: the first failing entry fails the item',
    throughEntries(second(pipe(mk('Fanout', { left: lit(6n), right: mk('Decr', {}) }), mk('Div', {})))),
    MII,
    mapOf(IntT, [[1n, 3n], [2n, 1n], [3n, 0n]]),
    'DIVIDE_BY_ZERO',
    'division by zero',
  );
  ok(
    'Every entry rewritten: String keys to Int keys out of order',
    throughEntries(first(mk('StrLength', {}))),
    mapT(Str, Str),
    mapOf(Str, [['ccc', 'a'], ['a', 'b'], ['bb', 'c'], ['d', 'e']]),
    mapOf(IntT, [[1n, 'e'], [2n, 'c'], [3n, 'a']]),
  );
}
ok(
  'Map with pair keys, ordered lexicographically',
  mk('MapKeys', {}),
  mapT(I2, UnitT),
  mapOf(I2, [[[2n, 0n], null], [[1n, 5n], null], [[1n, -5n], null]]),
  [[1n, -5n], [1n, 5n], [2n, 0n]],
);

// ---------------------------------------------------------------------------
// Records and variants

const counterRecord = record({ count: IntT, decrementing: BoolT });
ok('Record runs each field on the input', mk('Record', { fields: { b: incr, a: decr } }), IntT, 5n, { a: 4n, b: 6n });
ok(
  'Record runs fields in name order (a before b, whatever the term lists first)',
  mk('Record', { fields: { b: put, a: pipe(consume, get) } }),
  IntT,
  9n,
  { a: 0n, b: null },
  { stateType: IntT, state: 0n, after: 9n },
);
ok(
  'Record name order is ASCII: B runs before a',
  mk('Record', { fields: { a: put, B: pipe(consume, get) } }),
  IntT,
  9n,
  { B: 0n, a: null },
  { stateType: IntT, state: 0n, after: 9n },
);
ok('Field', mk('Field', { name: 'count' }), counterRecord, { count: 3n, decrementing: true }, 3n);
ok('SetField', mk('SetField', { name: 'decrementing' }), pair(counterRecord, BoolT), [{ count: 3n, decrementing: true }, false], { count: 3n, decrementing: false });
const shape = variant({ Circle: IntT, Square: pair(IntT, IntT), Empty: UnitT });
ok('Inject', mk('Inject', { name: 'Circle', type: shape }), IntT, 2n, tagged('Circle', 2n));
const area = mk('Match', { cases: { Circle: pipe(copy, op('Mul')), Square: op('Mul'), Empty: lit(0n) } });
ok('Match runs the case of the tag', area, shape, tagged('Square', [3n, 4n]), 12n);
ok('Match another case', area, shape, tagged('Circle', 5n), 25n);
ok('Match a () case', area, shape, tagged('Empty', null), 0n);

// ---------------------------------------------------------------------------
// Const, Fail, and the state after a failing item

ok('Const gives its value', constant(mapT(Str, LI), mapOf(Str, [['k', [1n]]])), IntT, 1n, mapOf(Str, [['k', [1n]]]));
err('Fail gives its message verbatim', fail('no such user: λ "x"', IntT), UnitT, null, 'FAIL', 'no such user: λ "x"');
err('State unchanged: Put, then Fail', pipe(lit(5n), put, fail('after put', IntT)), UnitT, null, 'FAIL', 'after put', { stateType: IntT, state: 1n });
err(
  'State unchanged: Put, then division by zero',
  pipe(fanout(pipe(lit(5n), put), id), snd, fanout(id, lit(0n)), op('Div')),
  IntT,
  3n,
  'DIVIDE_BY_ZERO',
  'division by zero',
  { stateType: IntT, state: 1n },
);
err('State unchanged: Put, then a Read that does not parse', pipe(fanout(pipe(lit(5n), put), id), snd, read(IntT)), Str, 'five', 'READ_NO_PARSE', 'Read: no parse as Int', {
  stateType: IntT,
  state: 1n,
});
err('State unchanged: Puts inside a loop, then out of fuel', listMap(runningSum), LI, [1n, 2n, 3n], 'OUT_OF_FUEL', 'out of fuel after 2 steps', {
  stateType: IntT,
  state: 100n,
  fuel: 2,
});

// ---------------------------------------------------------------------------
// The seed counter (WIRE.md), versions 1, 2, 3, and the v2 -> v3 state migration

const getThen = (f: Term) => pipe(get, f);
const bump = pipe(get, incr, put); // () -> ()
const counterV1 = pipe(read(unitEither), caseOf(get, bump), show(either(IntT, UnitT)));
const counterV2 = pipe(
  read(either(UnitT, unitEither)),
  caseOf(pipe(int(0n), put), caseOf(get, bump)),
  show(either(UnitT, either(IntT, UnitT))),
);
const counterV3 = pipe(
  read(counterInV3),
  caseOf(
    pipe(get, second(not), put), // toggle the direction
    caseOf(
      pipe(fanout(int(0n), bool(false)), put), // reset
      caseOf(getThen(fst), pipe(get, ifThen(decr, incr), fanout(id, pipe(consume, get, snd)), put)),
    ),
  ),
  show(either(UnitT, either(UnitT, either(IntT, UnitT)))),
);
const IB = pair(IntT, BoolT);
ok('counter v1: Left () reads the count', counterV1, Str, 'Left ()', 'Left 2', { stateType: IntT, state: 2n });
ok('counter v1: Right () increments', counterV1, Str, 'Right ()', 'Right ()', { stateType: IntT, state: 2n, after: 3n });
ok('counter v1: input with spaces and parentheses', counterV1, Str, ' ( Left  ( ) ) ', 'Left 0', { stateType: IntT, state: 0n });
err('counter v1: input that does not parse', counterV1, Str, 'Left', 'READ_NO_PARSE', 'Read: no parse as Either () ()', { stateType: IntT, state: 2n });
ok('counter v1: Left () at a negative count', counterV1, Str, 'Left ()', 'Left (-4)', { stateType: IntT, state: -4n });
ok('counter v2: Right (Left ()) reads the count', counterV2, Str, 'Right (Left ())', 'Right (Left 2)', { stateType: IntT, state: 2n });
ok('counter v2: Left () resets', counterV2, Str, 'Left ()', 'Left ()', { stateType: IntT, state: 2n, after: 0n });
ok('counter v2: Right (Right ()) increments', counterV2, Str, 'Right (Right ())', 'Right (Right ())', { stateType: IntT, state: 2n, after: 3n });
ok('counter v3: read the count', counterV3, Str, 'Right (Right (Left ()))', 'Right (Right (Left 0))', { stateType: IB, state: [0n, false] });
ok('counter v3: Left () toggles the direction', counterV3, Str, 'Left ()', 'Left ()', { stateType: IB, state: [5n, false], after: [5n, true] });
ok('counter v3: step up', counterV3, Str, 'Right (Right (Right ()))', 'Right (Right (Right ()))', { stateType: IB, state: [5n, false], after: [6n, false] });
ok('counter v3: step down when decrementing', counterV3, Str, 'Right (Right (Right ()))', 'Right (Right (Right ()))', {
  stateType: IB,
  state: [5n, true],
  after: [4n, true],
});
ok('counter v3: reset', counterV3, Str, 'Right (Left ())', 'Right (Left ())', { stateType: IB, state: [5n, true], after: [0n, false] });
ok('counter v3: read a negative count', counterV3, Str, 'Right (Right (Left ()))', 'Right (Right (Left (-1)))', { stateType: IB, state: [-1n, true] });
ok('counter migration v2 -> v3: Fanout(Id, Bool False)', fanout(id, bool(false)), IntT, 2n, [2n, false]);

export const SEMANTIC_CASES: readonly SemanticCase[] = cases;
