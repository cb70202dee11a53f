// The typechecker: every op types as SEMANTICS.md says, the seed's counter machines and migration check,
// and every diagnostic code has a golden example whose printed report is reviewed by eye.
//
//   UPDATE_GOLDEN=1 npx vitest run test/typecheck.test.ts   rewrites test/golden/typecheck/*.txt and docs/type-errors.md

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, DIAGNOSTICS, type Diagnostic, type DiagnosticCode, formatDiagnostic, formatPath } from '../compiler/diagnostics.ts';
import { children, mk, OP_NAMES, OPS, type Op, type Term, TERM_LIMITS } from '../compiler/terms.ts';
import { inferType, type Typed, TypecheckError, type TypeEnv, TYPE_LIMITS, typecheck, typecheckMigration } from '../compiler/typecheck.ts';
import { Bool, Int, Str, type Type, Unit, either, list, map, pair, record, showType, typeEquals, variant } from '../compiler/types.ts';
import { PMap, type Value } from '../compiler/values.ts';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN_DIR = new URL('./golden/typecheck/', import.meta.url);
const DOCS_FILE = new URL('../docs/type-errors.md', import.meta.url);

// ---------------------------------------------------------------------------
// Term builders (plain `mk`, so these tests depend on nothing but the foundation).

const C = (left: Term, right: Term): Term => mk('Compose', { left, right });
/** `pipe(a, b, c)` runs a, then b, then c. */
const pipe = (...steps: Term[]): Term => steps.reduce((acc, s) => C(s, acc));
/** An op without fields. */
const op = (o: Op): Term => mk(o, {} as never) as unknown as Term;
const Id = op('Id');
const Fst = op('Fst');
const Snd = op('Snd');
const Get = op('Get');
const Put = op('Put');
const Incr = op('Incr');
const Decr = op('Decr');
const Consume = op('Consume');
const Not = op('Not');
const Copy = op('Copy');
const Merge = op('Merge');
const ShowInt = op('ShowInt');
const StrLength = op('StrLength');
const Read = (type: Type) => mk('Read', { type });
const Show = (type: Type) => mk('Show', { type });
const IntLit = (n: number | bigint) => mk('Int', { value: BigInt(n) });
const BoolLit = (value: boolean) => mk('Bool', { value });
const Case = (left: Term, right: Term) => mk('Case', { left, right });
const Fanout = (left: Term, right: Term) => mk('Fanout', { left, right });
const First = (body: Term) => mk('First', { body });
const Second = (body: Term) => mk('Second', { body });
const If = (onTrue: Term, onFalse: Term) => mk('If', { onTrue, onFalse });
const Inject = (name: string, type: Type) => mk('Inject', { name, type });
const Match = (cases: Record<string, Term>) => mk('Match', { cases });
const Record_ = (fields: Record<string, Term>) => mk('Record', { fields });
const Field = (name: string) => mk('Field', { name });
const SetField = (name: string) => mk('SetField', { name });
const Unleft = (body: Term, type: Type) => mk('Unleft', { body, type });

const UnitOrUnit = either(Unit, Unit);

// The seed's counter machines, exactly as WIRE.md prints them.
const counterV1 = C(C(Show(either(Int, Unit)), Case(Get, C(C(Put, Incr), Get))), Read(UnitOrUnit));
const counterV2 = C(
  C(Show(either(Unit, either(Int, Unit))), Case(C(Put, IntLit(0)), Case(Get, C(C(Put, Incr), Get)))),
  Read(either(Unit, UnitOrUnit)),
);
const counterV3 = C(
  C(
    Show(either(Unit, either(Unit, either(Int, Unit)))),
    Case(
      C(C(Put, Second(Not)), Get),
      Case(C(Put, Fanout(IntLit(0), BoolLit(false))), Case(C(Fst, Get), C(C(C(Put, Fanout(Id, C(C(Snd, Get), Consume))), If(Decr, Incr)), Get))),
    ),
  ),
  Read(either(Unit, either(Unit, UnitOrUnit))),
);
const migrationV3 = Fanout(Id, BoolLit(false));

// ---------------------------------------------------------------------------
// A readable, never-throwing rendering of terms for golden files and docs: `Compose(Incr, Read(Int))`.

function showTerm(t: Term): string {
  const fields = OPS[t.op].fields;
  if (fields.length === 0) return t.op;
  const parts = fields.map(([name, kind]) => {
    const v = (t as unknown as Record<string, unknown>)[name];
    switch (kind) {
      case 'term':
        return showTerm(v as Term);
      case 'terms':
        return `{${Object.keys(v as object)
          .sort()
          .map((k) => `${k}: ${showTerm((v as Record<string, Term>)[k])}`)
          .join(', ')}}`;
      case 'type':
        return showType(v as Type);
      case 'int':
        return String(v);
      case 'bool':
        return v ? 'True' : 'False';
      case 'string':
        return JSON.stringify(v);
      case 'name':
        return String(v);
      case 'value':
        return showLiteral(v);
      default:
        throw new Error(`unhandled field kind ${kind satisfies never}`);
    }
  });
  return `${t.op}(${parts.join(', ')})`;
}

function showLiteral(v: unknown): string {
  if (v === null) return '()';
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `[${v.map(showLiteral).join(',')}]`;
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------
// Every op, well typed: the example's output type is what SEMANTICS.md gives.

const Counter = variant({ Decr: Unit, Incr: Int, Reset: Unit });
const Note = record({ count: Int, text: Str });
const Dict = map(Str, Int);

interface OpCase {
  readonly term: Term;
  readonly input: Type;
  readonly output: Type;
  readonly state?: Type;
}

const OP_CASES: Record<Op, OpCase> = {
  Id: { term: Id, input: Int, output: Int },
  Compose: { term: C(ShowInt, Incr), input: Int, output: Str },
  Fst: { term: Fst, input: pair(Int, Bool), output: Int },
  Snd: { term: Snd, input: pair(Int, Bool), output: Bool },
  Int: { term: IntLit(-5), input: Unit, output: Int },
  Copy: { term: Copy, input: Str, output: pair(Str, Str) },
  First: { term: First(ShowInt), input: pair(Int, Bool), output: pair(Str, Bool) },
  Second: { term: Second(Not), input: pair(Int, Bool), output: pair(Int, Bool) },
  Case: { term: Case(ShowInt, Not), input: either(Int, Bool), output: either(Str, Bool) },
  Fanout: { term: Fanout(ShowInt, Incr), input: Int, output: pair(Str, Int) },
  Incr: { term: Incr, input: Int, output: Int },
  Decr: { term: Decr, input: Int, output: Int },
  Consume: { term: Consume, input: Dict, output: Unit },
  Get: { term: Get, input: Unit, output: Note, state: Note },
  Put: { term: Put, input: Note, output: Unit, state: Note },
  If: { term: If(Incr, Decr), input: pair(Int, Bool), output: Int },
  Bool: { term: BoolLit(true), input: Str, output: Bool },
  Not: { term: Not, input: Bool, output: Bool },
  Read: { term: Read(either(Unit, Int)), input: Str, output: either(Unit, Int) },
  Show: { term: Show(list(Int)), input: list(Int), output: Str },
  Eq: { term: op('Eq'), input: pair(Note, Note), output: UnitOrUnit },
  Unleft: { term: Unleft(pipe(Merge, ShowInt, mk('InLeft', { type: Int })), Int), input: Int, output: Str },
  Add: { term: op('Add'), input: pair(Int, Int), output: Int },
  Sub: { term: op('Sub'), input: pair(Int, Int), output: Int },
  Mul: { term: op('Mul'), input: pair(Int, Int), output: Int },
  Div: { term: op('Div'), input: pair(Int, Int), output: Int },
  Mod: { term: op('Mod'), input: pair(Int, Int), output: Int },
  Neg: { term: op('Neg'), input: Int, output: Int },
  Lt: { term: op('Lt'), input: pair(Str, Str), output: Bool },
  Le: { term: op('Le'), input: pair(Int, Int), output: Bool },
  Gt: { term: op('Gt'), input: pair(Counter, Counter), output: Bool },
  Ge: { term: op('Ge'), input: pair(Dict, Dict), output: Bool },
  Equal: { term: op('Equal'), input: pair(list(Bool), list(Bool)), output: Bool },
  And: { term: op('And'), input: pair(Bool, Bool), output: Bool },
  Or: { term: op('Or'), input: pair(Bool, Bool), output: Bool },
  Concat: { term: op('Concat'), input: pair(Str, Str), output: Str },
  StrLength: { term: StrLength, input: Str, output: Int },
  Slice: { term: op('Slice'), input: pair(Str, pair(Int, Int)), output: Str },
  Split: { term: op('Split'), input: pair(Str, Str), output: list(Str) },
  ParseInt: { term: op('ParseInt'), input: Str, output: either(Unit, Int) },
  ShowInt: { term: ShowInt, input: Int, output: Str },
  InLeft: { term: mk('InLeft', { type: Str }), input: Int, output: either(Int, Str) },
  InRight: { term: mk('InRight', { type: Str }), input: Int, output: either(Str, Int) },
  Merge: { term: Merge, input: either(Int, Int), output: Int },
  Distr: { term: op('Distr'), input: pair(Bool, either(Int, Str)), output: either(pair(Bool, Int), pair(Bool, Str)) },
  Nil: { term: mk('Nil', { type: Int }), input: Unit, output: list(Int) },
  Cons: { term: op('Cons'), input: pair(Int, list(Int)), output: list(Int) },
  Uncons: { term: op('Uncons'), input: list(Int), output: either(Unit, pair(Int, list(Int))) },
  ListLength: { term: op('ListLength'), input: list(Str), output: Int },
  Append: { term: op('Append'), input: pair(list(Int), list(Int)), output: list(Int) },
  Reverse: { term: op('Reverse'), input: list(Int), output: list(Int) },
  ListMap: { term: mk('ListMap', { body: ShowInt }), input: list(Int), output: list(Str) },
  Fold: { term: mk('Fold', { body: op('Add') }), input: pair(Int, list(Int)), output: Int },
  MapEmpty: { term: mk('MapEmpty', { key: Str, type: Int }), input: Unit, output: Dict },
  MapInsert: { term: op('MapInsert'), input: pair(Dict, pair(Str, Int)), output: Dict },
  MapLookup: { term: op('MapLookup'), input: pair(Dict, Str), output: either(Unit, Int) },
  MapDelete: { term: op('MapDelete'), input: pair(Dict, Str), output: Dict },
  MapSize: { term: op('MapSize'), input: Dict, output: Int },
  MapKeys: { term: op('MapKeys'), input: Dict, output: list(Str) },
  MapToList: { term: op('MapToList'), input: Dict, output: list(pair(Str, Int)) },
  MapFromList: { term: op('MapFromList'), input: list(pair(Str, Int)), output: Dict },
  Record: { term: Record_({ text: Id, count: StrLength }), input: Str, output: Note },
  Field: { term: Field('count'), input: Note, output: Int },
  SetField: { term: SetField('text'), input: pair(Note, Str), output: Note },
  Inject: { term: Inject('Incr', Counter), input: Int, output: Counter },
  Match: { term: Match({ Decr: IntLit(-1), Incr: Id, Reset: IntLit(0) }), input: Counter, output: Int },
  Const: { term: mk('Const', { type: pair(Int, list(Str)), value: [3n, ['a', 'b']] }), input: Bool, output: pair(Int, list(Str)) },
  Fail: { term: mk('Fail', { message: 'not yet', type: Counter }), input: Int, output: Counter },
};

/** Every node carries its types, children follow `children(term)`, and adjacent nodes agree on what flows between them. */
function assertWellFormed(typed: Typed): void {
  const todo: Typed[] = [typed];
  while (todo.length > 0) {
    const t = todo.pop()!;
    const subs = children(t.term);
    expect(t.children.map((c) => c.term)).toEqual(subs.map(([, s]) => s));
    for (let i = 0; i < subs.length; i++) expect(t.children[i].term).toBe(subs[i][1]);
    expect(t.input).toBeDefined();
    expect(t.output).toBeDefined();
    switch (t.term.op) {
      case 'Compose': {
        const [left, right] = t.children;
        expect(typeEquals(right.input, t.input)).toBe(true);
        expect(typeEquals(left.input, right.output)).toBe(true);
        expect(typeEquals(t.output, left.output)).toBe(true);
        break;
      }
      case 'Fanout':
      case 'Record':
        for (const c of t.children) expect(typeEquals(c.input, t.input)).toBe(true);
        break;
      default:
        break;
    }
    todo.push(...t.children);
  }
}

describe('typecheck: every op', () => {
  it('has a well-typed example for every op in OPS', () => {
    expect(Object.keys(OP_CASES).sort()).toEqual([...OP_NAMES].sort());
  });

  for (const name of OP_NAMES) {
    it(`${name}: ${OPS[name].signature}`, () => {
      const c = OP_CASES[name];
      const result = typecheck(c.term, { state: c.state ?? Int, input: c.input });
      if (!result.ok) throw new Error(formatDiagnostic(result.error));
      expect(showType(result.typed.output)).toBe(showType(c.output));
      expect(result.typed.input).toBe(c.input);
      assertWellFormed(result.typed);
    });
  }

  it('Distr on a variant pairs the first component with every case', () => {
    const out = inferType(op('Distr'), Unit, pair(Str, Counter));
    expect(showType(out)).toBe('<Decr: (String, ()), Incr: (String, Int), Reset: (String, ())>');
  });

  it('Match children follow the sorted case names, like children(term)', () => {
    const result = typecheck(Match({ Reset: IntLit(0), Incr: Id, Decr: IntLit(-1) }), { state: Unit, input: Counter });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.typed.children.map((c) => c.input)).toEqual([Unit, Int, Unit]);
  });
});

describe('typecheck: the seed counter', () => {
  const io = { input: Str, output: Str };

  it('v1 checks as Int; String -> String', () => {
    const result = typecheck(counterV1, { state: Int, ...io });
    expect(result.ok).toBe(true);
    if (result.ok) assertWellFormed(result.typed);
  });

  it('v2 checks as Int; String -> String', () => {
    expect(typecheck(counterV2, { state: Int, ...io }).ok).toBe(true);
  });

  it('v3 checks as (Int, Bool); String -> String, and not at the old state type', () => {
    expect(typecheck(counterV3, { state: pair(Int, Bool), ...io }).ok).toBe(true);
    const old = typecheck(counterV3, { state: Int, ...io });
    expect(old.ok).toBe(false);
    if (!old.ok) expect(old.error.code).toBe('SM102');
  });

  it('the v3 migration Fanout(Id, Bool False) checks as Int -> (Int, Bool)', () => {
    const result = typecheckMigration(migrationV3, Int, pair(Int, Bool));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(showType(result.typed.output)).toBe('(Int, Bool)');
      expect(result.typed.input).toBe(Int);
    }
  });

  it('a migration has no state of its own: Get reads ()', () => {
    const result = typecheckMigration(C(Get, Consume), Int, Int);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('SM203');
      expect(result.error.found).toEqual(Unit);
      expect(result.error.expectedBecause).toBe('the new state type');
    }
  });

  it('the output check compares the inferred output with the declared one', () => {
    const inferred = typecheck(counterV1, { state: Int, input: Str });
    expect(inferred.ok && showType(inferred.typed.output)).toBe('String');
    const wrong = typecheck(counterV1, { state: Int, input: Str, output: Int });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error.code).toBe('SM203');
      expect(wrong.error.path).toEqual([]);
      expect(wrong.error.found).toEqual(Str);
      expect(wrong.error.expected).toEqual(Int);
      expect(wrong.error.expectedBecause).toBe('the declared output');
    }
  });

  it('inferType answers the output type, or throws TypecheckError with the diagnostic', () => {
    expect(inferType(counterV1, Int, Str)).toEqual(Str);
    let caught: unknown;
    try {
      inferType(C(Incr, Read(Str)), Int, Str);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TypecheckError);
    expect((caught as TypecheckError).diagnostic.code).toBe('SM101');
    expect((caught as TypecheckError).message).toBe('SM101 Input type mismatch at Compose › left › Incr: Incr cannot take the value it is given.');
  });
});

describe('typecheck: diagnostics', () => {
  const fail = (term: Term, env: TypeEnv): Diagnostic => {
    const result = typecheck(term, env);
    if (result.ok) throw new Error(`expected ${showTerm(term)} to be ill-typed; it types as ${showType(result.typed.output)}`);
    return result.error;
  };

  it('codes are stable: the catalogue is exactly these codes', () => {
    expect(DIAGNOSTIC_CODES).toEqual([
      'SM001', 'SM002', 'SM003',
      'SM101', 'SM102', 'SM103', 'SM104', 'SM105', 'SM106', 'SM107', 'SM108',
      'SM201', 'SM202', 'SM203', 'SM204', 'SM205',
      'SM301', 'SM302', 'SM303', 'SM304', 'SM305', 'SM306', 'SM307', 'SM308', 'SM309',
      'SM401', 'SM402', 'SM403',
    ]);
    expect(DIAGNOSTICS.SM101.title).toBe('Input type mismatch');
  });

  it('paths name each step from the root: Case branches, Record fields, Match cases, If branches', () => {
    const inCase = fail(C(Case(Id, C(Put, BoolLit(false))), Read(UnitOrUnit)), { state: Int, input: Str });
    expect(formatPath(inCase.path)).toBe('Compose › left › Case › branch 2 › Compose › left › Put');
    expect(inCase.expectedBecause).toBe('the state type');
    const inRecord = fail(Record_({ count: Incr }), { state: Int, input: Str });
    expect(inRecord.path).toEqual(['Record', 'field count', 'Incr']);
    const inMatch = fail(Match({ Decr: IntLit(0), Incr: Not, Reset: IntLit(0) }), { state: Int, input: Counter });
    expect(inMatch.path).toEqual(['Match', 'case Incr', 'Not']);
    const inIf = fail(If(Id, Not), { state: Int, input: pair(Int, Bool) });
    expect(inIf.path).toEqual(['If', 'onFalse', 'Not']);
  });

  it('reports the first problem in evaluation order: Compose checks right before left', () => {
    const d = fail(C(Not, C(Incr, Read(Str))), { state: Int, input: Str });
    expect(d.path).toEqual(['Compose', 'right', 'Compose', 'left', 'Incr']);
  });

  it('says where the found value came from', () => {
    const d = fail(C(Incr, ShowInt), { state: Int, input: Int });
    expect(d.foundBecause).toBe('the output of right');
    expect(fail(Incr, { state: Int, input: Str }).foundBecause).toBe('the input type');
  });

  it('suggests the other projection: did you mean Snd?', () => {
    const d = fail(pipe(Fst, Incr), { state: Int, input: pair(Str, Int) });
    expect(d.code).toBe('SM101');
    expect(d.hint).toMatch(/^did you mean Snd\?/);
  });

  it('suggests consuming the input before Get', () => {
    expect(fail(Get, { state: Int, input: Str }).hint).toBe('Get takes (): discard the input first, as in Compose(Get, Consume).');
  });

  it('suggests a near field name', () => {
    const d = fail(Field('cuont'), { state: Int, input: Note });
    expect(d.code).toBe('SM301');
    expect(d.hint).toBe('did you mean Field(count)?');
  });

  it('reports the first case whose output differs', () => {
    const d = fail(Match({ Decr: IntLit(0), Incr: ShowInt, Reset: BoolLit(true) }), { state: Int, input: Counter });
    expect(d.code).toBe('SM202');
    expect(d.found).toEqual(Str);
    expect(d.foundBecause).toBe('the output of case Incr');
  });

  it('a term nested 100,000 deep gives SM001, not a stack overflow', () => {
    let t: Term = Id;
    for (let i = 0; i < 100_000; i++) t = First(t);
    const d = fail(t, { state: Int, input: Int });
    expect(d.code).toBe('SM001');
    expect(d.path).toEqual([]);
  });

  it('a term exactly at the depth limit checks, whatever the nesting op', () => {
    const depth = TERM_LIMITS.maxDepth;
    let composes: Term = Incr;
    for (let i = 1; i < depth; i++) composes = C(Id, composes);
    expect(typecheck(composes, { state: Int, input: Int }).ok).toBe(true);
    let records: Term = Incr;
    for (let levels = 1; levels + 2 <= depth; levels += 2) records = C(Field('x'), Record_({ x: records }));
    expect(typecheck(records, { state: Int, input: Int }).ok).toBe(true);
    expect(fail(C(Id, composes), { state: Int, input: Int }).code).toBe('SM001');
  });

  it('a shared sub-term that unfolds past the node limit gives SM002 at once', () => {
    let t: Term = Id;
    for (let i = 0; i < 60; i++) t = C(t, t); // 2^60 nodes written out, 61 objects
    const d = fail(t, { state: Int, input: Int });
    expect(d.code).toBe('SM002');
  });

  it('a chain that doubles its type past the size limit gives SM003', () => {
    let t: Term = Copy;
    for (let i = 0; i < 40; i++) t = C(Copy, t);
    const d = fail(t, { state: Int, input: Int });
    expect(d.code).toBe('SM003');
    expect(d.message).toBe(`The output of Copy is a type with more than ${TYPE_LIMITS.maxSize} parts written out.`);
  });

  it('Const values are checked against their type', () => {
    expect(fail(mk('Const', { type: Int, value: 'three' }), { state: Int, input: Unit }).code).toBe('SM401');
    expect(fail(mk('Const', { type: list(Int), value: [1n, true] }), { state: Int, input: Unit }).code).toBe('SM401');
    const m = PMap.fromEntries(Str, [['a', 1n]]);
    expect(typecheck(mk('Const', { type: Dict, value: m }), { state: Int, input: Unit }).ok).toBe(true);
  });

  it('never throws and always answers a catalogued code, for arbitrary terms', () => {
    fc.assert(
      fc.property(arbitraryTerm, arbitraryType, arbitraryType, (term, state, input) => {
        const result = typecheck(term, { state, input });
        if (result.ok) assertWellFormed(result.typed);
        else {
          expect(DIAGNOSTIC_CODES).toContain(result.error.code);
          expect(formatDiagnostic(result.error)).toMatch(/^SM\d{3} /);
        }
      }),
      { numRuns: 400, seed: 20240611 },
    );
  });
});

// ---------------------------------------------------------------------------
// Arbitrary (mostly ill-typed) terms, for the never-throws property.

const NAMES = ['count', 'text', 'Incr', 'Decr', 'x'];
const arbitraryType: fc.Arbitrary<Type> = fc.letrec<{ t: Type }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(Unit, Int, Bool, Str),
    fc.tuple(tie('t'), tie('t')).map(([a, b]) => pair(a, b)),
    fc.tuple(tie('t'), tie('t')).map(([a, b]) => either(a, b)),
    tie('t').map(list),
    fc.tuple(tie('t'), tie('t')).map(([a, b]) => map(a, b)),
    fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), tie('t')), { minLength: 1, maxLength: 3, selector: (f) => f[0] }).map((fs) => record(fs.map(([name, type]) => ({ name, type })))),
    fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), tie('t')), { minLength: 1, maxLength: 3, selector: (f) => f[0] }).map((fs) => variant(fs.map(([name, type]) => ({ name, type })))),
  ),
})).t;

const arbitraryValue: fc.Arbitrary<Value> = fc.oneof(fc.constant(null), fc.bigInt({ min: -5n, max: 5n }), fc.boolean(), fc.string({ maxLength: 3 }), fc.tuple(fc.bigInt({ min: 0n, max: 3n }), fc.boolean()));

const arbitraryTerm: fc.Arbitrary<Term> = fc.letrec<{ term: Term }>((tie) => ({
  term: fc.constantFrom(...OP_NAMES).chain((name): fc.Arbitrary<Term> => {
    const fields = OPS[name].fields;
    if (fields.length === 0) return fc.constant(op(name));
    const arbs = fields.map(([, kind]): fc.Arbitrary<unknown> => {
      switch (kind) {
        case 'term':
          return tie('term');
        case 'terms':
          return fc.dictionary(fc.constantFrom(...NAMES), tie('term'), { maxKeys: 3 });
        case 'type':
          return arbitraryType;
        case 'int':
          return fc.bigInt({ min: -3n, max: 3n });
        case 'bool':
          return fc.boolean();
        case 'string':
          return fc.string({ maxLength: 4 });
        case 'name':
          return fc.constantFrom(...NAMES);
        case 'value':
          return arbitraryValue;
        default:
          throw new Error(`unhandled field kind ${kind satisfies never}`);
      }
    });
    return fc.tuple(...arbs).map((vals) => mk(name, Object.fromEntries(fields.map(([f], i) => [f, vals[i]])) as never) as unknown as Term);
  }),
})).term;

// ---------------------------------------------------------------------------
// Golden reports: one ill-typed example per situation, at least one per code.

interface Example {
  readonly name: string;
  readonly code: DiagnosticCode;
  readonly term: Term;
  /** Shown instead of the term when the term is too big to print. */
  readonly described?: string;
  readonly env: TypeEnv;
  readonly migration?: boolean;
}

const deepTerm = (() => {
  let t: Term = Id;
  for (let i = 0; i < 100_000; i++) t = First(t);
  return t;
})();
const hugeTerm = (() => {
  let t: Term = Incr;
  for (let i = 0; i < 30; i++) t = C(t, t);
  return t;
})();
const doublingTerm = (() => {
  let t: Term = Copy;
  for (let i = 0; i < 15; i++) t = C(Copy, t);
  return t;
})();

const CounterState = record({ count: Int, decrementing: Bool });
const strIo = { state: Int, input: Str };

const EXAMPLES: readonly Example[] = [
  { name: 'sm001-term-too-deep', code: 'SM001', term: deepTerm, described: 'First(First(First(… 100000 levels … Id)))', env: { state: Int, input: Int } },
  { name: 'sm002-term-too-large', code: 'SM002', term: hugeTerm, described: 't30, where t0 = Incr and t(n+1) = Compose(tn, tn): 2^30 Incrs written out', env: { state: Int, input: Int } },
  { name: 'sm003-type-too-large', code: 'SM003', term: doublingTerm, described: 'Compose(Copy, Compose(Copy, … 16 Copies …))', env: { state: Int, input: Int } },
  { name: 'sm101-incr-on-string', code: 'SM101', term: C(ShowInt, Incr), env: strIo },
  { name: 'sm101-did-you-mean-snd', code: 'SM101', term: pipe(Read(pair(Str, Int)), Fst, Incr, ShowInt), env: strIo },
  { name: 'sm101-get-takes-unit', code: 'SM101', term: C(Show(Int), Get), env: strIo },
  { name: 'sm101-put-in-case-branch', code: 'SM101', term: C(C(Show(either(Unit, Int)), Case(C(Put, BoolLit(false)), Get)), Read(UnitOrUnit)), env: strIo },
  { name: 'sm101-put-not-the-state', code: 'SM101', term: pipe(Get, Fst, Incr, Put), env: { state: pair(Int, Bool), input: Unit } },
  { name: 'sm101-after-put', code: 'SM101', term: pipe(Get, Incr, Put, ShowInt), env: { state: Int, input: Unit } },
  { name: 'sm101-record-field', code: 'SM101', term: Record_({ count: Incr, text: Id }), env: strIo },
  { name: 'sm102-fst-on-either', code: 'SM102', term: C(Fst, Read(either(Unit, Int))), env: strIo },
  { name: 'sm102-match-on-either', code: 'SM102', term: Match({ Decr: IntLit(0), Incr: Id }), env: { state: Int, input: either(Unit, Int) } },
  { name: 'sm103-compare-string-with-int', code: 'SM103', term: C(op('Lt'), Fanout(Id, StrLength)), env: strIo },
  { name: 'sm104-cons-element', code: 'SM104', term: C(op('Cons'), Fanout(Id, mk('Nil', { type: Int }))), env: strIo },
  { name: 'sm105-map-key', code: 'SM105', term: C(op('MapLookup'), Fanout(C(Get, Consume), StrLength)), env: { state: Dict, input: Str } },
  { name: 'sm106-map-value', code: 'SM106', term: C(op('MapInsert'), Fanout(C(Get, Consume), Copy)), env: { state: Dict, input: Str } },
  { name: 'sm107-merge-sides', code: 'SM107', term: C(Merge, Read(either(Int, Str))), env: strIo },
  { name: 'sm108-set-field-value', code: 'SM108', term: C(SetField('count'), Fanout(C(Get, Consume), Id)), env: { state: CounterState, input: Str } },
  { name: 'sm201-if-branches', code: 'SM201', term: If(ShowInt, Incr), env: { state: Int, input: pair(Int, Bool) } },
  { name: 'sm202-match-cases', code: 'SM202', term: Match({ Decr: Consume, Incr: Incr, Reset: Consume }), env: { state: Int, input: Counter } },
  { name: 'sm203-declared-output', code: 'SM203', term: C(Case(Get, C(C(Put, Incr), Get)), Read(UnitOrUnit)), env: { ...strIo, output: Str } },
  { name: 'sm203-migration', code: 'SM203', term: Fanout(Id, C(IntLit(0), Consume)), env: { state: Unit, input: Int, output: pair(Int, Bool) }, migration: true },
  { name: 'sm204-fold-body', code: 'SM204', term: mk('Fold', { body: Snd }), env: { state: Int, input: pair(Int, list(Str)) } },
  { name: 'sm205-unleft-not-either', code: 'SM205', term: Unleft(Merge, Int), env: { state: Int, input: Int } },
  { name: 'sm205-unleft-loop-type', code: 'SM205', term: Unleft(Case(Incr, ShowInt), Int), env: { state: Int, input: Int } },
  { name: 'sm301-unknown-field', code: 'SM301', term: C(Field('cuont'), Get), env: { state: CounterState, input: Unit } },
  { name: 'sm302-empty-record', code: 'SM302', term: Record_({}), env: strIo },
  { name: 'sm303-invalid-field-name', code: 'SM303', term: Record_({ '2nd': Id }), env: strIo },
  { name: 'sm304-unknown-case', code: 'SM304', term: C(Inject('Incrr', Counter), Incr), env: { state: Int, input: Int } },
  { name: 'sm305-wrong-payload', code: 'SM305', term: Inject('Incr', Counter), env: strIo },
  { name: 'sm306-inject-not-variant', code: 'SM306', term: Inject('Incr', either(Unit, Int)), env: { state: Int, input: Int } },
  { name: 'sm307-missing-cases', code: 'SM307', term: Match({ Incr: Id }), env: { state: Int, input: Counter } },
  { name: 'sm308-extra-case', code: 'SM308', term: Match({ Decr: IntLit(-1), Incr: Id, Rest: IntLit(0) }), env: { state: Int, input: Counter } },
  { name: 'sm309-empty-match', code: 'SM309', term: Match({}), env: { state: Int, input: Counter } },
  { name: 'sm401-const-value', code: 'SM401', term: mk('Const', { type: pair(Int, Bool), value: [3n, 'yes'] }), env: strIo },
  { name: 'sm402-int-out-of-range', code: 'SM402', term: IntLit(1n << 63n), env: { state: Int, input: Unit } },
  { name: 'sm403-show-type', code: 'SM403', term: C(Show(Int), Read(Bool)), env: strIo },
];

function runExample(e: Example): Diagnostic {
  const result = e.migration ? typecheckMigration(e.term, e.env.input, e.env.output!) : typecheck(e.term, e.env);
  if (result.ok) throw new Error(`${e.name}: expected ${e.code}, but the term types as ${showType(result.typed.output)}`);
  return result.error;
}

function goldenText(e: Example, d: Diagnostic): string {
  const lines = [`term:   ${e.described ?? showTerm(e.term)}`];
  if (e.migration) lines.push(`from:   ${showType(e.env.input)}`, `to:     ${showType(e.env.output!)}`, '(a state migration)');
  else {
    lines.push(`state:  ${showType(e.env.state)}`, `input:  ${showType(e.env.input)}`);
    if (e.env.output !== undefined) lines.push(`output: ${showType(e.env.output)}`);
  }
  return `${lines.join('\n')}\n\n${formatDiagnostic(d)}\n`;
}

describe('golden diagnostics', () => {
  if (UPDATE) mkdirSync(GOLDEN_DIR, { recursive: true });

  it('every code has at least one example', () => {
    const covered = new Set(EXAMPLES.map((e) => e.code));
    expect(DIAGNOSTIC_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });

  it('no stale golden files', () => {
    if (UPDATE || !existsSync(GOLDEN_DIR)) return;
    const names = new Set(EXAMPLES.map((e) => `${e.name}.txt`));
    expect(readdirSync(GOLDEN_DIR).filter((f) => !names.has(f))).toEqual([]);
  });

  for (const e of EXAMPLES) {
    it(e.name, () => {
      const d = runExample(e);
      expect(d.code).toBe(e.code);
      const text = goldenText(e, d);
      const file = new URL(`${e.name}.txt`, GOLDEN_DIR);
      if (UPDATE) writeFileSync(file, text);
      else expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('docs/type-errors.md lists every code with its meaning and an example', () => {
    const text = catalogueDoc();
    if (UPDATE) writeFileSync(DOCS_FILE, text);
    else expect(text).toBe(readFileSync(DOCS_FILE, 'utf8'));
  });
});

function catalogueDoc(): string {
  const out: string[] = [
    '# Type errors',
    '',
    'When a machine or an upgrade is given to the typechecker as a term that does not fit its declared',
    'types, it answers one diagnostic: the first problem met, in evaluation order. Every diagnostic has a',
    'stable code (match on the code, never on the prose) and always prints in the same shape:',
    '',
    '```text',
    'SM101 Input type mismatch                    code and title',
    '  at: Compose › left › Incr                  where: the path from the root of the term',
    '',
    '  Incr cannot take the value it is given.    what is wrong',
    '',
    '  found (the output of right):               the type that arrived, and where it came from',
    '      String',
    '  expected (the input of Incr):              the type wanted, and where that expectation came from',
    '      Int',
    '',
    '  hint: ParseInt or Read(Int) turns a String into an Int.',
    '```',
    '',
    'Types print in the readable syntax: `()`, `Int`, `(Int, Bool)`, `Either () Int`, `List String`,',
    '`Map String Int`, `{count: Int}`, `<Incr: Int, Reset: ()>`. When an op wants a kind of value rather',
    'than one type, the expectation is a pattern with type variables: `(a, b)`, `List e`.',
    '',
    'Path labels: `left` and `right` of Compose (right runs first) and Fanout; `branch 1` and `branch 2`',
    'of Case; `onTrue` and `onFalse` of If; `body` of First, Second, Unleft, ListMap and Fold;',
    '`field count` of Record; `case Incr` of Match. "the whole term" means the root.',
    '',
    'Terms below are written `Op(field, …)`, as in `Compose(Show(Int), Compose(Incr, Read(Int)))`. The',
    'examples are the golden files of test/typecheck.test.ts; this page is regenerated with them',
    '(`UPDATE_GOLDEN=1 npx vitest run test/typecheck.test.ts`).',
    '',
    '| code | title | meaning |',
    '| --- | --- | --- |',
  ];
  for (const code of DIAGNOSTIC_CODES) out.push(`| [${code}](#${code.toLowerCase()}) | ${DIAGNOSTICS[code].title} | ${DIAGNOSTICS[code].meaning} |`);
  for (const code of DIAGNOSTIC_CODES) {
    const e = EXAMPLES.find((x) => x.code === code)!;
    out.push('', `## ${code}`, '', `**${DIAGNOSTICS[code].title}.** ${DIAGNOSTICS[code].meaning}`, '', '```text', goldenText(e, runExample(e)).trimEnd(), '```');
  }
  return `${out.join('\n')}\n`;
}
