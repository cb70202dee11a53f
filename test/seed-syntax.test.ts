// The seed syntax of values, types and terms: the exact strings of WIRE.md and
// SEMANTICS.md, what Read accepts beyond what Show prints, errors, depth, and
// round trips through every value codec on random types and values.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../compiler/layout.ts';
import {
  MAX_TERM_NESTING,
  SeedSyntaxError,
  parseTermSeed,
  parseTypeSeed,
  readValue,
  showString,
  showTermSeed,
  showValue,
  showValueArg,
} from '../compiler/seed-syntax.ts';
import { OPS, OP_NAMES, type Term, TERM_LIMITS, mk, termDepth, termToJson } from '../compiler/terms.ts';
import { Bool, Int, Str, type Type, Unit, either, list, map, pair, record, showTypeSeed, typeEquals, variant } from '../compiler/types.ts';
import { INT_MAX, INT_MIN, PMap, type Value, isValueOf, left, right, tagged, valueEquals, valueFromJson, valueToJson } from '../compiler/values.ts';
import { arbString, arbType, arbTypedValue, arbUntypedTerm, arbValue } from './arbitraries.ts';

const RUNS = { numRuns: 500 };

function read(t: Type, text: string): Value {
  const r = readValue(t, text);
  if (!r.ok) throw new Error(`readValue(${showTypeSeed(t)}, ${JSON.stringify(text)}) failed: ${r.message}`);
  return r.value;
}

function expectNoParse(t: Type, text: string, messagePart?: string): void {
  const r = readValue(t, text);
  expect(r.ok, `${JSON.stringify(text.slice(0, 60))} should not parse`).toBe(false);
  if (!r.ok && messagePart !== undefined) expect(r.message).toContain(messagePart);
}

const intMap = (entries: Array<[bigint, string]>) => PMap.fromEntries(Int, entries);

describe('Show of values: the exact strings of WIRE.md and SEMANTICS.md', () => {
  const cases: Array<[string, Type, Value, string]> = [
    ['unit', Unit, null, '()'],
    ['zero', Int, 0n, '0'],
    ['negative', Int, -1n, '-1'],
    ['INT_MIN', Int, INT_MIN, '-9223372036854775808'],
    ['INT_MAX', Int, INT_MAX, '9223372036854775807'],
    ['True', Bool, true, 'True'],
    ['quote in a string', Str, 'a"b', '"a\\"b"'],
    ['pair, no spaces', pair(Int, Bool), [1n, true], '(1,True)'],
    ['pair, components at precedence 0', pair(Int, either(Unit, Int)), [-1n, left(null)], '(-1,Left ())'],
    ['Left ()', either(Unit, Unit), left(null), 'Left ()'],
    ['Right (Left 2)', either(Unit, either(Int, Unit)), right(left(2n)), 'Right (Left 2)'],
    ['Left (-1)', either(Int, Unit), left(-1n), 'Left (-1)'],
    ['Left (1,True)', either(pair(Int, Bool), Unit), left([1n, true]), 'Left (1,True)'],
    ['list', list(Int), [1n, -2n, 3n], '[1,-2,3]'],
    ['empty list', list(Int), [], '[]'],
    ['list of Eithers', list(either(Int, Unit)), [left(-1n), right(null)], '[Left (-1),Right ()]'],
    ['map in key order', map(Int, Str), intMap([[2n, 'b'], [1n, 'a']]), 'fromList [(1,"a"),(2,"b")]'],
    ['empty map', map(Int, Str), intMap([]), 'fromList []'],
    ['map as an argument', either(map(Int, Str), Unit), left(intMap([])), 'Left (fromList [])'],
    ['record in field order', record({ decrementing: Bool, count: Int }), { count: 3n, decrementing: false }, '{count = 3, decrementing = False}'],
    ['record field at precedence 0', record({ x: Int }), { x: -1n }, '{x = -1}'],
    ['record without fields', record({}), {}, '{}'],
    ['record as an argument is atomic', either(record({ x: Int }), Unit), left({ x: 1n }), 'Left {x = 1}'],
    ['variant', variant({ Incr: Int, Read: Unit }), tagged('Incr', 5n), 'Incr 5'],
    ['variant with unit payload', variant({ Incr: Int, Read: Unit }), tagged('Read', null), 'Read ()'],
    ['variant negative payload', variant({ Incr: Int, Read: Unit }), tagged('Incr', -5n), 'Incr (-5)'],
    ['variant Either payload', variant({ Push: either(Unit, Int) }), tagged('Push', left(null)), 'Push (Left ())'],
  ];
  for (const [name, t, v, text] of cases) {
    it(`${name}: ${text}`, () => {
      expect(showValue(t, v)).toBe(text);
      expect(valueEquals(t, read(t, text), v)).toBe(true);
    });
  }

  it('prints constructor applications and negative numbers in parentheses as arguments, nothing else', () => {
    expect(showValueArg(Int, -3n)).toBe('(-3)');
    expect(showValueArg(Int, 3n)).toBe('3');
    expect(showValueArg(either(Unit, Unit), left(null))).toBe('(Left ())');
    expect(showValueArg(map(Int, Int), PMap.empty(Int))).toBe('(fromList [])');
    expect(showValueArg(pair(Int, Int), [-1n, 2n])).toBe('(-1,2)');
    expect(showValueArg(list(Int), [-1n])).toBe('[-1]');
    expect(showValueArg(record({ x: Int }), { x: -1n })).toBe('{x = -1}');
    expect(showValueArg(Str, 'Left ()')).toBe('"Left ()"');
  });
});

describe('Show of strings: Haskell escapes', () => {
  it('escapes quotes, backslashes and the single-letter controls', () => {
    expect(showString('"\\\n\t\r\x07\b\f\v')).toBe('"\\"\\\\\\n\\t\\r\\a\\b\\f\\v"');
  });

  it('names the other control characters, and DEL', () => {
    const names = ['NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'a', 'b', 't', 'n', 'v', 'f', 'r', 'SO', 'SI', 'DLE', 'DC1', 'DC2', 'DC3', 'DC4',
      'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US'];
    for (let c = 0; c < 0x20; c++) expect(showString(String.fromCharCode(c))).toBe(`"\\${names[c]}"`);
    expect(showString('\x7f')).toBe('"\\DEL"');
  });

  it('prints code points above 0x7F in decimal, astral ones whole, with \\& before a digit', () => {
    expect(showString('λ')).toBe('"\\955"');
    expect(showString('λ1')).toBe('"\\955\\&1"');
    expect(showString('λa')).toBe('"\\955a"');
    expect(showString('😀')).toBe('"\\128512"');
    expect(showString('\u{10ffff}9')).toBe('"\\1114111\\&9"');
    expect(showString('\x801')).toBe('"\\128\\&1"');
    expect(showString('é\x00')).toBe('"\\233\\NUL"');
  });

  it('separates \\SO from a following H, and only then', () => {
    expect(showString('\x0eH')).toBe('"\\SO\\&H"');
    expect(showString('\x0eI')).toBe('"\\SOI"');
    expect(showString('\x01')).toBe('"\\SOH"');
    expect(read(Str, '"\\SOH"')).toBe('\x01');
    expect(read(Str, '"\\SO\\&H"')).toBe('\x0eH');
  });

  it('copies printable ASCII unchanged', () => {
    expect(showString("hello, world! (x) [1] {y} '")).toBe("\"hello, world! (x) [1] {y} '\"");
  });
});

describe('Read accepts more than Show prints', () => {
  const accepted: Array<[string, Type, string, Value]> = [
    ['spaces around tokens', pair(Int, list(Bool)), ' ( 1 , [ True , False ] ) ', [1n, [true, false]]],
    ['tabs, newlines, CRs', pair(Int, Int), '\t(\r\n1\n,2)\n', [1n, 2n]],
    ['redundant parentheses around an Int', Int, '((3))', 3n],
    ['negative in parentheses standing alone', Int, '(-3)', -3n],
    ['negative standing alone', Int, '-3', -3n],
    ['space after the minus', Int, '- 3', -3n],
    ['leading zeros', Int, '007', 7n],
    ['INT_MIN', Int, '-9223372036854775808', INT_MIN],
    ['INT_MAX in parentheses', Int, '(9223372036854775807)', INT_MAX],
    ['parenthesised application', either(Unit, Unit), '(Left ())', left(null)],
    ['parentheses around unit', either(Unit, Unit), 'Left ((()))', left(null)],
    ['no space before an argument in parentheses', either(Unit, Unit), 'Left()', left(null)],
    ['parenthesised negative argument', either(Int, Unit), 'Left ((-3))', left(-3n)],
    ['parentheses around a pair', pair(Int, Int), '(((1,2)))', [1n, 2n]],
    ['parentheses around a pair component', pair(Int, Int), '((1),(2))', [1n, 2n]],
    ['pairs of units in parentheses', pair(pair(Unit, Unit), Unit), '(((((),())),()))', [[null, null], null]],
    ['list elements in parentheses', list(either(Int, Unit)), '[(Left 1),((Right ()))]', [left(1n), right(null)]],
    ['record fields in any order', record({ count: Int, flag: Bool }), '{ flag = True , count = -2 }', { count: -2n, flag: true }],
    ['record in parentheses', record({ x: Int }), '(({x=1}))', { x: 1n }],
    ['fromList argument in parentheses', map(Int, Int), 'fromList ([((1),2)])', PMap.fromEntries(Int, [[1n, 2n]])],
    ['fromList: later entries win', map(Int, Int), 'fromList [(1,2),(1,3)]', PMap.fromEntries(Int, [[1n, 3n]])],
    ['map as argument in parentheses', either(map(Int, Int), Unit), 'Left ( fromList [ ( 1 , 2 ) ] )', left(PMap.fromEntries(Int, [[1n, 2n]]))],
    ['variant application in parentheses', variant({ Incr: Int }), '(Incr (5))', tagged('Incr', 5n)],
    ['hex escape in upper case', Str, '"\\x3A\\x3a"', '::'],
    ['\\& is empty', Str, '"\\&a\\&\\&b\\&"', 'ab'],
    ['raw non-ASCII and control characters', Str, '"λ😀\x01\n"', 'λ😀\x01\n'],
  ];
  for (const [name, t, text, v] of accepted) {
    it(`${name}: ${JSON.stringify(text)}`, () => {
      const got = read(t, text);
      expect(isValueOf(t, got)).toBe(true);
      expect(valueEquals(t, got, v), `${showValue(t, got)} vs ${showValue(t, v)}`).toBe(true);
    });
  }

  it('reads every escape form', () => {
    expect(read(Str, '"\\x41\\o101\\^A\\^_\\65\\&5\\SOH\\DEL\\1114111"')).toBe('AA\x01\x1fA5\x01\x7f\u{10ffff}');
    expect(read(Str, '"\\n\\t\\r\\a\\b\\f\\v\\"\\\\"')).toBe('\n\t\r\x07\b\f\v"\\');
    expect(read(Str, '"\\NUL\\STX\\ETX\\EOT\\ENQ\\ACK\\SO\\SI\\DLE\\DC1\\DC2\\DC3\\DC4\\NAK\\SYN\\ETB\\CAN\\EM\\SUB\\ESC\\FS\\GS\\RS\\US"')).toBe(
      '\x00\x02\x03\x04\x05\x06\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f',
    );
    expect(read(Str, '"\\955\\&1"')).toBe('λ1');
    expect(read(Str, '"\\9551"')).toBe(String.fromCodePoint(9551));
  });
});

describe('Read rejects', () => {
  const rejected: Array<[string, Type, string, string?]> = [
    ['a negative argument without parentheses', either(Int, Unit), 'Left -3', 'negative number'],
    ['an application as an argument without parentheses', either(either(Unit, Unit), Unit), 'Left Left ()', 'needs parentheses'],
    ['fromList as an argument without parentheses', either(map(Int, Int), Unit), 'Left fromList []', 'needs parentheses'],
    ['a variant as an argument without parentheses', either(variant({ A: Unit }), Unit), 'Left A ()', 'needs parentheses'],
    ['Int past INT_MAX', Int, '9223372036854775808', 'signed 64-bit'],
    ['Int past INT_MIN', Int, '-9223372036854775809', 'signed 64-bit'],
    ['a huge Int', Int, '1' + '0'.repeat(400), 'signed 64-bit'],
    ['Bool in lower case', Bool, 'true'],
    ['Bool as a number', Bool, '1'],
    ['an identifier that only starts like True', Bool, 'Truex'],
    ['trailing text', Int, '3 4', 'end of input'],
    ['trailing text after an application', either(Unit, Unit), 'Left () x', 'end of input'],
    ['an unclosed parenthesis', Int, '((3)', '`)`'],
    ['an extra closing parenthesis', Int, '(3))', 'end of input'],
    ['a three-tuple for a pair', pair(Int, Int), '(1,2,3)'],
    ['a missing record field', record({ a: Int, b: Int }), '{a = 1}', 'field b'],
    ['a record field twice', record({ a: Int }), '{a = 1, a = 2}', 'each field once'],
    ['an unknown record field', record({ a: Int }), '{a = 1, c = 2}'],
    ['an unknown case', variant({ A: Unit }), 'B ()'],
    ['Left for a variant', variant({ A: Unit }), 'Left ()'],
    ['an unterminated string', Str, '"abc', 'end of the string'],
    ['an unknown escape', Str, '"\\q"', 'escape'],
    ['a GHC-only escape name', Str, '"\\BEL"', 'escape'],
    ['\\^ outside A.._', Str, '"\\^a"'],
    ['a code point past 0x10FFFF', Str, '"\\1114112"', '1114111'],
    ['a hex escape without digits', Str, '"\\xg"'],
    ['hexadecimal Int', Int, '0x10'],
    ['a plus sign', Int, '+3'],
    ['empty text', Unit, ''],
    ['only spaces', Int, '   '],
    ['a string for an Int', Int, '"3"'],
    ['a lone minus', Int, '-'],
    ['minus before parentheses', Int, '-(3)'],
    ['a map without fromList', map(Int, Int), '[(1,2)]'],
    ['a map entry that is not a pair', map(Int, Int), 'fromList [1]'],
  ];
  for (const [name, t, text, part] of rejected) {
    it(`${name}: ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)}`, () => expectNoParse(t, text, part));
  }

  it('says where, what it expected and what it found', () => {
    const r = readValue(either(Int, Unit), 'Left\n  -3');
    expect(r).toEqual({ ok: false, message: 'line 2, column 3: expected `(` (a negative number as an argument needs parentheses), found `-`' });
    const s = readValue(record({ a: Int }), '{a = 1');
    expect(s).toEqual({ ok: false, message: 'line 1, column 7: expected `,` or `}`, found end of input' });
  });
});

describe('nesting', () => {
  it('reads a value inside 100,000 redundant parentheses, and refuses an unbalanced one, without recursion', () => {
    const deep = 100_000;
    expect(read(Int, '('.repeat(deep) + '-1' + ')'.repeat(deep))).toBe(-1n);
    expect(read(either(Int, Unit), 'Left ' + '('.repeat(deep) + '-1' + ')'.repeat(deep))).toEqual(left(-1n));
    expectNoParse(Int, '('.repeat(deep) + '1' + ')'.repeat(deep - 1), '`)`');
    expectNoParse(Int, '('.repeat(deep));
  });

  it('refuses text nested 100,000 deep beyond its type cleanly', () => {
    const deep = 100_000;
    expectNoParse(list(Int), '['.repeat(deep) + ']'.repeat(deep));
    expectNoParse(either(Unit, Unit), 'Left ('.repeat(deep) + '()' + ')'.repeat(deep));
    expectNoParse(pair(Int, Int), '(1,'.repeat(deep) + '2' + ')'.repeat(deep));
  });

  it('refuses types and terms nested 100,000 deep with a SeedSyntaxError', () => {
    const deep = 100_000;
    expect(() => parseTypeSeed('UTList ('.repeat(deep) + 'UTInt' + ')'.repeat(deep))).toThrow(SeedSyntaxError);
    expect(() => parseTypeSeed('('.repeat(deep) + 'UTInt' + ')'.repeat(deep))).toThrow(SeedSyntaxError);
    expect(() => parseTermSeed('ComposeU IdU ('.repeat(deep) + 'IdU' + ')'.repeat(deep))).toThrow(/levels of nesting/);
    expect(() => parseTermSeed('('.repeat(deep) + 'IdU' + ')'.repeat(deep))).toThrow(SeedSyntaxError);
    expect(() => parseTermSeed('IdU :.&& '.repeat(deep) + 'IdU')).toThrow(/at most 2000 deep/);
    expect(() => parseTermSeed('RecordU [("a",'.repeat(deep) + 'IdU' + ')]'.repeat(deep))).toThrow(SeedSyntaxError);
  });

  it('parses and prints a term exactly as deep as TERM_LIMITS allows, and refuses one level more', () => {
    let text = 'ComposeU IdU IdU';
    for (let d = 2; d < TERM_LIMITS.maxDepth; d++) text = `ComposeU IdU (${text})`;
    const term = parseTermSeed(text);
    expect(termDepth(term)).toBe(TERM_LIMITS.maxDepth);
    expect(showTermSeed(term)).toBe(text);
    expect(() => parseTermSeed(`SecondU (${text})`)).toThrow(/at most 2000 deep \(this one is 2001\)/);
    let records = 'IdU';
    for (let d = 1; d < TERM_LIMITS.maxDepth; d++) records = `RecordU [("a",${records})]`;
    expect(showTermSeed(parseTermSeed(records))).toBe(records);
    expect(MAX_TERM_NESTING).toBeGreaterThan(2 * TERM_LIMITS.maxDepth);
  });
});

describe('Ty_', () => {
  it('prints and parses the types of WIRE.md', () => {
    expect(showTypeSeed(pair(Int, Bool))).toBe('UTPair UTInt UTBool');
    expect(showTypeSeed(either(Unit, either(Int, Unit)))).toBe('UTEither UTUnit (UTEither UTInt UTUnit)');
    expect(typeEquals(parseTypeSeed('UTPair UTInt UTBool'), pair(Int, Bool))).toBe(true);
    expect(typeEquals(parseTypeSeed('UTEither UTUnit (UTEither UTInt UTUnit)'), either(Unit, either(Int, Unit)))).toBe(true);
  });

  it('parses lists, maps, records and variants, with redundant parentheses and spaces', () => {
    const t = parseTypeSeed(' ( UTMap  (UTList UTString) ((UTRecord ([ ( ("b") , UTBool ) , ("a",UTVariant [("Incr",UTInt)]) ]))) ) ');
    expect(typeEquals(t, map(list(Str), record({ a: variant({ Incr: Int }), b: Bool })))).toBe(true);
    expect(showTypeSeed(t)).toBe('UTMap (UTList UTString) (UTRecord [("a",UTVariant [("Incr",UTInt)]),("b",UTBool)])');
  });

  const bad: Array<[string, RegExp]> = [
    ['UTPair UTInt', /line 1, column 13: expected a type/],
    ['UTList UTList UTInt', /needs parentheses/],
    ['UTInteger', /expected a type/],
    ['UTRecord [("a",UTInt),("a",UTBool)]', /duplicate record field a/],
    ['UTVariant []', /at least one case/],
    ['UTRecord [("not a name",UTInt)]', /invalid record field name/],
    ['UTInt UTInt', /end of input/],
    ['(UTInt', /`\)`/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${text}`, () => {
      expect(() => parseTypeSeed(text)).toThrow(SeedSyntaxError);
      expect(() => parseTypeSeed(text)).toThrow(message);
    });
  }
});

describe('terms', () => {
  const v1Text =
    'ComposeU (ComposeU (ShowU (UTEither UTInt UTUnit)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU))) (ReadU (UTEither UTUnit UTUnit))';
  const v1: Term = mk('Compose', {
    left: mk('Compose', {
      left: mk('Show', { type: either(Int, Unit) }),
      right: mk('Case', {
        left: mk('Get', {}),
        right: mk('Compose', { left: mk('Compose', { left: mk('Put', {}), right: mk('Incr', {}) }), right: mk('Get', {}) }),
      }),
    }),
    right: mk('Read', { type: either(Unit, Unit) }),
  });

  it('reads and prints the counter v1 machine of WIRE.md byte for byte', () => {
    expect(termToJson(parseTermSeed(v1Text))).toEqual(termToJson(v1));
    expect(showTermSeed(v1)).toBe(v1Text);
  });

  it('prints the examples of WIRE.md', () => {
    const fanout = mk('Fanout', { left: mk('Id', {}), right: mk('Bool', { value: false }) });
    expect(showTermSeed(mk('Int', { value: -1n }))).toBe('IntU (-1)');
    expect(showTermSeed(mk('Compose', { left: mk('Put', {}), right: mk('Int', { value: 0n }) }))).toBe('ComposeU PutU (IntU 0)');
    expect(showTermSeed(fanout)).toBe('(:.&&) IdU (BoolU False)');
    expect(
      showTermSeed(mk('Compose', { left: mk('Put', {}), right: mk('Fanout', { left: mk('Int', { value: 0n }), right: mk('Bool', { value: false }) }) })),
    ).toBe('ComposeU PutU ((:.&&) (IntU 0) (BoolU False))');
  });

  it('reads the fan-out prefix and infix (left-associative), with spaces inside the section', () => {
    const expected = termToJson(mk('Fanout', { left: mk('Id', {}), right: mk('Bool', { value: false }) }));
    expect(termToJson(parseTermSeed('(:.&&) IdU (BoolU False)'))).toEqual(expected);
    expect(termToJson(parseTermSeed('( :.&& ) IdU (BoolU False)'))).toEqual(expected);
    expect(termToJson(parseTermSeed('IdU :.&& BoolU False'))).toEqual(expected);
    expect(termToJson(parseTermSeed('((IdU)):.&&(BoolU False)'))).toEqual(expected);
    const chain = parseTermSeed('FstU :.&& SndU :.&& IdU');
    expect(showTermSeed(chain)).toBe('(:.&&) ((:.&&) FstU SndU) IdU');
    expect(showTermSeed(parseTermSeed('ComposeU PutU (IntU 0 :.&& BoolU False)'))).toBe('ComposeU PutU ((:.&&) (IntU 0) (BoolU False))');
  });

  it('prints every kind of field: terms lists, types, ints, strings, names, values', () => {
    const cases: Array<[Term, string]> = [
      [mk('Record', { fields: { flag: mk('Bool', { value: false }), count: mk('Id', {}) } }), 'RecordU [("count",IdU),("flag",BoolU False)]'],
      [mk('Match', { cases: { Incr: mk('Fanout', { left: mk('Id', {}), right: mk('Id', {}) }) } }), 'MatchU [("Incr",(:.&&) IdU IdU)]'],
      [mk('Unleft', { body: mk('Id', {}), type: list(Int) }), 'UnleftU IdU (UTList UTInt)'],
      [mk('MapEmpty', { key: Str, type: record({ a: Int }) }), 'MapEmptyU UTString (UTRecord [("a",UTInt)])'],
      [mk('Int', { value: INT_MIN }), 'IntU (-9223372036854775808)'],
      [mk('Fail', { message: 'no "way"\n', type: Unit }), 'FailU "no \\"way\\"\\n" UTUnit'],
      [mk('Field', { name: 'count' }), 'FieldU "count"'],
      [mk('Inject', { name: 'Incr', type: variant({ Incr: Int }) }), 'InjectU "Incr" (UTVariant [("Incr",UTInt)])'],
      [mk('Const', { type: either(Int, Unit), value: left(-5n) }), 'ConstU (UTEither UTInt UTUnit) (Left (-5))'],
      [mk('Const', { type: Int, value: -5n }), 'ConstU UTInt (-5)'],
      [mk('Const', { type: Str, value: 'x' }), 'ConstU UTString "x"'],
      [mk('Const', { type: map(Int, Bool), value: PMap.fromEntries(Int, [[1n, true]]) }), 'ConstU (UTMap UTInt UTBool) (fromList [(1,True)])'],
    ];
    for (const [term, text] of cases) {
      expect(showTermSeed(term)).toBe(text);
      expect(termToJson(parseTermSeed(text))).toEqual(termToJson(term));
    }
  });

  it('knows every op of the catalogue by its seed name', () => {
    for (const op of OP_NAMES) {
      if (OPS[op].fields.length === 0) expect(termToJson(parseTermSeed(OPS[op].seed))).toEqual({ op });
    }
  });

  const bad: Array<[string, RegExp, boolean]> = [
    ['ComposeU IdU', /line 1, column 13: expected a combinator .* found end of input/, true],
    ['ComposeU Id', /found `Id`/, true],
    ['IntU -1', /negative number/, false],
    ['IntU 9223372036854775808', /signed 64-bit/, false],
    ['ComposeU ComposeU IdU IdU IdU', /needs parentheses/, false],
    ['ComposeU (:.&&) IdU IdU IdU', /needs parentheses/, false],
    ['FooU', /expected a combinator/, false],
    ['FstU SndU', /end of input/, false],
    ['RecordU [("a",IdU),("a",FstU)]', /each name once/, false],
    ['RecordU [("no name",IdU)]', /a name like/, false],
    ['ConstU UTInt True', /an Int/, false],
    ['IdU :.&&& IdU', /the only operator/, false],
    ['IdU :.&', /`:.&&`/, true],
    ['(IdU', /`\)`/, true],
    ['', /found end of input/, true],
  ];
  for (const [text, message, incomplete] of bad) {
    it(`refuses ${JSON.stringify(text)}${incomplete ? ' as incomplete' : ''}`, () => {
      let error: unknown;
      try {
        parseTermSeed(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SeedSyntaxError);
      expect((error as SeedSyntaxError).message).toMatch(message);
      expect((error as SeedSyntaxError).incomplete).toBe(incomplete);
    });
  }

  it('gives line and column on later lines', () => {
    try {
      parseTermSeed('ComposeU\n  (ComposeU IdU\n     Bad)');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SeedSyntaxError);
      const s = e as SeedSyntaxError;
      expect([s.line, s.column, s.offset, s.found]).toEqual([3, 6, 30, '`Bad`']);
    }
  });
});

// ---------------------------------------------------------------------------
// Noisy printers: what a human or another Haskell program might send. Extra
// whitespace, redundant parentheses, other escapes, shuffled record fields,
// overridden map entries, the infix fan-out.

type Rng = () => number;

function rngFrom(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ws = (rnd: Rng) => ['', '', '', ' ', '  ', '\n', '\t', '\r\n'][Math.floor(rnd() * 8)];
const ws1 = (rnd: Rng) => ' ' + ws(rnd);

function wrap(text: string, needed: boolean, rnd: Rng): string {
  let n = needed ? 1 : 0;
  if (rnd() < 0.2) n += 1 + Math.floor(rnd() * 2);
  for (let i = 0; i < n; i++) text = '(' + ws(rnd) + text + ws(rnd) + ')';
  return text;
}

function noisyString(s: string, rnd: Rng): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (rnd() < 0.1) out += '\\&';
    const r = rnd();
    if (r < 0.4 && c !== 0x22 && c !== 0x5c) out += ch;
    else if (r < 0.55) out += '\\x' + (rnd() < 0.5 ? c.toString(16) : c.toString(16).toUpperCase()) + '\\&';
    else if (r < 0.7) out += '\\o' + c.toString(8) + '\\&';
    else if (r < 0.85) out += '\\' + c + '\\&';
    else if (c >= 1 && c < 0x20) out += '\\^' + String.fromCharCode(c + 0x40);
    else out += showString(ch).slice(1, -1) + '\\&';
  }
  return out + '"';
}

function noisyValue(t: Type, v: Value, arg: boolean, rnd: Rng): string {
  switch (t.kind) {
    case 'Unit':
      return wrap('(' + ws(rnd) + ')', false, rnd);
    case 'Int': {
      const n = v as bigint;
      const digits = (rnd() < 0.1 ? '00' : '') + (n < 0n ? -n : n).toString();
      return wrap(n < 0n ? '-' + ws(rnd) + digits : digits, arg && n < 0n, rnd);
    }
    case 'Bool':
      return wrap(v ? 'True' : 'False', false, rnd);
    case 'String':
      return wrap(noisyString(v as string, rnd), false, rnd);
    case 'Pair': {
      const [a, b] = v as readonly [Value, Value];
      return wrap('(' + ws(rnd) + noisyValue(t.fst, a, false, rnd) + ws(rnd) + ',' + ws(rnd) + noisyValue(t.snd, b, false, rnd) + ws(rnd) + ')', false, rnd);
    }
    case 'Either':
    case 'Variant': {
      const x = v as { tag: string; value: Value };
      const payload = t.kind === 'Either' ? (x.tag === 'Left' ? t.left : t.right) : t.cases.find((c) => c.name === x.tag)!.type;
      return wrap(x.tag + ws1(rnd) + noisyValue(payload, x.value, true, rnd), arg, rnd);
    }
    case 'List':
      return wrap('[' + ws(rnd) + (v as Value[]).map((e) => noisyValue(t.elem, e, false, rnd)).join(ws(rnd) + ',' + ws(rnd)) + ws(rnd) + ']', false, rnd);
    case 'Map': {
      const entries = (v as PMap).entries();
      // An entry overridden by a later one with the same key must not change the map.
      if (entries.length >= 2 && rnd() < 0.3) entries.unshift([entries[1][0], entries[0][1]]);
      const shown = entries.map(([k, x]) =>
        wrap('(' + ws(rnd) + noisyValue(t.key, k, false, rnd) + ws(rnd) + ',' + ws(rnd) + noisyValue(t.value, x, false, rnd) + ws(rnd) + ')', false, rnd),
      );
      return wrap('fromList' + ws1(rnd) + wrap('[' + ws(rnd) + shown.join(ws(rnd) + ',' + ws(rnd)) + ws(rnd) + ']', false, rnd), arg, rnd);
    }
    case 'Record': {
      const r = v as Record<string, Value>;
      const fields = [...t.fields].sort(() => rnd() - 0.5);
      const shown = fields.map((f) => f.name + ws(rnd) + '=' + ws(rnd) + noisyValue(f.type, r[f.name], false, rnd));
      return wrap('{' + ws(rnd) + shown.join(ws(rnd) + ',' + ws(rnd)) + ws(rnd) + '}', false, rnd);
    }
    default:
      throw new Error(`unhandled kind ${(t satisfies never as Type).kind}`);
  }
}

function noisyType(t: Type, arg: boolean, rnd: Rng): string {
  const app = (name: string, ...args: Type[]) => wrap(name + args.map((a) => ws1(rnd) + noisyType(a, true, rnd)).join(''), arg, rnd);
  const named = (name: string, fields: readonly { name: string; type: Type }[]) =>
    wrap(
      name + ws1(rnd) +
        wrap('[' + ws(rnd) + fields.map((f) => wrap('(' + wrap(showString(f.name), false, rnd) + ws(rnd) + ',' + ws(rnd) + noisyType(f.type, false, rnd) + ')', false, rnd)).join(',') + ']', false, rnd),
      arg,
      rnd,
    );
  switch (t.kind) {
    case 'Unit':
      return wrap('UTUnit', false, rnd);
    case 'Int':
      return wrap('UTInt', false, rnd);
    case 'Bool':
      return wrap('UTBool', false, rnd);
    case 'String':
      return wrap('UTString', false, rnd);
    case 'Pair':
      return app('UTPair', t.fst, t.snd);
    case 'Either':
      return app('UTEither', t.left, t.right);
    case 'List':
      return app('UTList', t.elem);
    case 'Map':
      return app('UTMap', t.key, t.value);
    case 'Record':
      return named('UTRecord', t.fields);
    case 'Variant':
      return named('UTVariant', t.cases);
    default:
      throw new Error(`unhandled kind ${(t satisfies never as Type).kind}`);
  }
}

/** `mode`: 'top' (precedence 0, infix allowed), 'application' (an operand of the infix), 'argument'. */
function noisyTerm(term: Term, mode: 'top' | 'application' | 'argument', rnd: Rng): string {
  const spec = OPS[term.op];
  const fields = term as unknown as Record<string, unknown>;
  if (spec.fields.length === 0) return wrap(spec.seed, false, rnd);
  if (term.op === 'Fanout' && rnd() < 0.5) {
    const infix = noisyTerm(term.left, 'top', rnd) + ws(rnd) + ':.&&' + ws(rnd) + noisyTerm(term.right, 'application', rnd);
    return wrap(infix, mode !== 'top', rnd);
  }
  let text = term.op === 'Fanout' && rnd() < 0.5 ? '(' + ws(rnd) + ':.&&' + ws(rnd) + ')' : spec.seed;
  for (const [name, kind] of spec.fields) {
    const v = fields[name];
    text += ws1(rnd);
    switch (kind) {
      case 'term':
        text += noisyTerm(v as Term, 'argument', rnd);
        break;
      case 'terms':
        text += wrap(
          '[' + Object.entries(v as Record<string, Term>).map(([n, sub]) => wrap('(' + wrap(noisyString(n, rnd), false, rnd) + ',' + ws(rnd) + noisyTerm(sub, 'top', rnd) + ws(rnd) + ')', false, rnd)).join(ws(rnd) + ',') + ']',
          false,
          rnd,
        );
        break;
      case 'type':
        text += noisyType(v as Type, true, rnd);
        break;
      case 'int':
        text += noisyValue(Int, v as bigint, true, rnd);
        break;
      case 'bool':
        text += noisyValue(Bool, v as boolean, true, rnd);
        break;
      case 'string':
      case 'name':
        text += noisyValue(Str, v as string, true, rnd);
        break;
      case 'value':
        text += noisyValue(fields.type as Type, v as Value, true, rnd);
        break;
      default:
        throw new Error(`unhandled field kind ${kind satisfies never}`);
    }
  }
  return wrap(text, mode === 'argument', rnd);
}

// ---------------------------------------------------------------------------

describe('properties', () => {
  it('readValue reads back what showValue prints, for every type', () => {
    fc.assert(
      fc.property(arbTypedValue(), ({ type, value }) => {
        const text = showValue(type, value);
        const back = readValue(type, text);
        expect(back.ok, `${text}: ${back.ok ? '' : back.message}`).toBe(true);
        if (!back.ok) return;
        expect(isValueOf(type, back.value)).toBe(true);
        expect(valueEquals(type, back.value, value)).toBe(true);
        expect(showValue(type, back.value)).toBe(text);
        const asArgument = readValue(either(type, Unit), 'Left ' + showValueArg(type, value));
        expect(asArgument.ok && valueEquals(type, (asArgument.value as { value: Value }).value, value)).toBe(true);
      }),
      RUNS,
    );
  });

  it('readValue accepts extra whitespace, redundant parentheses, other escapes, any field order', () => {
    fc.assert(
      fc.property(arbTypedValue(), fc.integer(), ({ type, value }, seed) => {
        const text = ws(rngFrom(seed)) + noisyValue(type, value, false, rngFrom(seed)) + ws(rngFrom(seed + 1));
        const back = readValue(type, text);
        expect(back.ok, `${JSON.stringify(text)}: ${back.ok ? '' : back.message}`).toBe(true);
        if (back.ok) expect(valueEquals(type, back.value, value)).toBe(true);
      }),
      RUNS,
    );
  });

  it('strings round-trip, including every control character, escapes before digits and astral characters', () => {
    fc.assert(
      fc.property(arbString, (s) => {
        expect(read(Str, showString(s))).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('the JSON value form round-trips, through JSON text', () => {
    fc.assert(
      fc.property(arbTypedValue(), ({ type, value }) => {
        const json = JSON.parse(JSON.stringify(valueToJson(type, value)));
        expect(valueEquals(type, valueFromJson(type, json), value)).toBe(true);
      }),
      RUNS,
    );
  });

  it('the canonical layout round-trips', () => {
    fc.assert(
      fc.property(arbTypedValue(), ({ type, value }) => {
        const back = decodeValue(type, encodeValue(type, value));
        expect(isValueOf(type, back)).toBe(true);
        expect(valueEquals(type, back, value)).toBe(true);
      }),
      RUNS,
    );
  });

  it('Ty_ round-trips, also with noise', () => {
    fc.assert(
      fc.property(arbType(), fc.integer(), (type, seed) => {
        expect(typeEquals(parseTypeSeed(showTypeSeed(type)), type)).toBe(true);
        const noisy = noisyType(type, false, rngFrom(seed));
        expect(typeEquals(parseTypeSeed(noisy), type), noisy).toBe(true);
      }),
      RUNS,
    );
  });

  it('terms round-trip through the seed syntax, also with noise and the infix fan-out', () => {
    fc.assert(
      fc.property(arbUntypedTerm(), fc.integer(), (term, seed) => {
        const text = showTermSeed(term);
        const back = parseTermSeed(text);
        expect(termToJson(back)).toEqual(termToJson(term));
        expect(showTermSeed(back)).toBe(text);
        const noisy = noisyTerm(term, 'top', rngFrom(seed));
        expect(termToJson(parseTermSeed(noisy)), noisy).toEqual(termToJson(term));
      }),
      RUNS,
    );
  });

  it('damaged text never throws from readValue, and whatever parses is a value of the type', () => {
    fc.assert(
      fc.property(arbTypedValue(), fc.nat(), fc.nat(), fc.constantFrom('', '(', ')', ',', '-', '"', '\\', ' ', '[', ']', '{', '}', 'x', '0'), ({ type, value }, at, cut, insert) => {
        const text = showValue(type, value);
        const i = at % (text.length + 1);
        const damaged = text.slice(0, i) + insert + text.slice(i + (cut % 3));
        const r = readValue(type, damaged);
        if (r.ok) expect(isValueOf(type, r.value)).toBe(true);
        else expect(r.message).toMatch(/^line \d+, column \d+: expected .+, found .+$/s);
      }),
      RUNS,
    );
  });

  it('damaged types and terms only ever throw SeedSyntaxError', () => {
    fc.assert(
      fc.property(arbUntypedTerm(), arbType(), fc.nat(), fc.nat(), fc.constantFrom('', '(', ')', ',', ':', '"', '[', ']', 'U', '-'), (term, type, at, cut, insert) => {
        for (const [text, parse] of [
          [showTermSeed(term), parseTermSeed],
          [showTypeSeed(type), parseTypeSeed],
        ] as const) {
          const i = at % (text.length + 1);
          const damaged = text.slice(0, i) + insert + text.slice(i + (cut % 4));
          try {
            parse(damaged);
          } catch (e) {
            expect(e).toBeInstanceOf(SeedSyntaxError);
          }
        }
      }),
      RUNS,
    );
  });

  it('random text never throws from any reader', () => {
    fc.assert(
      fc.property(arbType({ maxDepth: 2 }), fc.string({ unit: fc.constantFrom('(', ')', ' ', ',', '[', ']', '{', '}', '"', '\\', '-', '1', 'L', 'Left', 'Right', 'UTInt', 'IdU', ':.&&', '=', 'a'), maxLength: 30 }), (type, text) => {
        const r = readValue(type, text);
        if (r.ok) expect(isValueOf(type, r.value)).toBe(true);
        for (const parse of [parseTermSeed, parseTypeSeed]) {
          try {
            parse(text);
          } catch (e) {
            expect(e).toBeInstanceOf(SeedSyntaxError);
          }
        }
      }),
      RUNS,
    );
  });

  it('arbValue gives well-formed values and arbType every kind of type', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(arbType({ maxDepth: 2 }).chain((t) => fc.tuple(fc.constant(t), arbValue(t))), ([t, v]) => {
        kinds.add(t.kind);
        expect(isValueOf(t, v)).toBe(true);
      }),
      RUNS,
    );
    expect([...kinds].sort()).toEqual(['Bool', 'Either', 'Int', 'List', 'Map', 'Pair', 'Record', 'String', 'Unit', 'Variant']);
  });
});
