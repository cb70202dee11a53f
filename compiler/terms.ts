// Untyped combinator terms: plain, serialisable data (the seed's `U`, extended).
//
//   Compose(Show(Int), Compose(Incr, Read(Int)))        -- runs right first
//   JSON: {"op":"Compose","left":{"op":"Show","type":"Int"},
//          "right":{"op":"Compose","left":{"op":"Incr"},"right":{"op":"Read","type":"Int"}}}
//   seed: ComposeU (ShowU UTInt) (ComposeU IncrU (ReadU UTInt))
//
// `OPS` below is the one catalogue of combinators: each entry lists its
// fields in seed-argument order, with the kind of each field. Every generic
// walk (JSON codec, seed codec, hashing, children) is driven by it, so a new
// combinator is added here first and the exhaustive switches in the
// typechecker, interpreter and lowering then point at what must learn it.
// The meaning and type of every op is in docs/language.md.

import type { Type } from './types.ts';
import { typeFromJson, typeToJson, TypeSyntaxError } from './types.ts';
import { type Json, type Value, valueFromJson, valueToJson } from './values.ts';

/** What a field of a term holds. */
export type FieldKind =
  | 'term' // a sub-term
  | 'terms' // named sub-terms, { name: term } (records, match)
  | 'type' // a type
  | 'int' // a 64-bit integer literal (bigint)
  | 'bool' // a boolean literal
  | 'string' // a text literal
  | 'name' // a field or case name
  | 'value'; // a literal value, of the type held in this op's `type` field

export interface OpSpec {
  readonly fields: ReadonlyArray<readonly [name: string, kind: FieldKind]>;
  /** Constructor name in seed syntax (Haskell Show of `U`). */
  readonly seed: string;
  /** The op's type, as documentation: `s` state, `->` from input to output. */
  readonly signature: string;
}

const op = <const F extends ReadonlyArray<readonly [string, FieldKind]>>(signature: string, seed: string, ...fields: F) => ({ signature, seed, fields });

export const OPS = {
  // --- the seed prototype's combinators (WIRE.md) ---
  Id: op('a -> a', 'IdU'),
  Compose: op('(b -> c) after (a -> b): runs right, then left', 'ComposeU', ['left', 'term'], ['right', 'term']),
  Fst: op('(a, b) -> a', 'FstU'),
  Snd: op('(a, b) -> b', 'SndU'),
  Int: op('() -> Int', 'IntU', ['value', 'int']),
  Copy: op('a -> (a, a)', 'CopyU'),
  First: op('(a, c) -> (b, c)  given f: a -> b', 'FirstU', ['body', 'term']),
  Second: op('(a, b) -> (a, c)  given g: b -> c', 'SecondU', ['body', 'term']),
  Case: op('Either a b -> Either c d  given left: a -> c, right: b -> d', 'CaseU', ['left', 'term'], ['right', 'term']),
  Fanout: op('a -> (b, c)  given left: a -> b, right: a -> c (left runs first)', '(:.&&)', ['left', 'term'], ['right', 'term']),
  Incr: op('Int -> Int', 'IncrU'),
  Decr: op('Int -> Int', 'DecrU'),
  Consume: op('a -> ()', 'ConsumeU'),
  Get: op('() -> s', 'GetU'),
  Put: op('s -> ()', 'PutU'),
  If: op('(a, Bool) -> b  given onTrue, onFalse: a -> b', 'IfU', ['onTrue', 'term'], ['onFalse', 'term']),
  Bool: op('a -> Bool', 'BoolU', ['value', 'bool']),
  Not: op('Bool -> Bool', 'NotU'),
  Read: op('String -> t', 'ReadU', ['type', 'type']),
  Show: op('t -> String', 'ShowU', ['type', 'type']),
  Eq: op('(a, a) -> Either () ()  (Left () when equal)', 'EqU'),
  Unleft: op('a -> b  given body: Either a c -> Either b c and the loop type c (one fuel step per iteration)', 'UnleftU', ['body', 'term'], ['type', 'type']),

  // --- arithmetic and comparison ---
  Add: op('(Int, Int) -> Int', 'AddU'),
  Sub: op('(Int, Int) -> Int', 'SubU'),
  Mul: op('(Int, Int) -> Int', 'MulU'),
  Div: op('(Int, Int) -> Int  (truncates; division by zero is an item error)', 'DivU'),
  Mod: op('(Int, Int) -> Int  (remainder, sign of the dividend)', 'ModU'),
  Neg: op('Int -> Int', 'NegU'),
  Lt: op('(a, a) -> Bool', 'LtU'),
  Le: op('(a, a) -> Bool', 'LeU'),
  Gt: op('(a, a) -> Bool', 'GtU'),
  Ge: op('(a, a) -> Bool', 'GeU'),
  Equal: op('(a, a) -> Bool', 'EqualU'),
  And: op('(Bool, Bool) -> Bool', 'AndU'),
  Or: op('(Bool, Bool) -> Bool', 'OrU'),

  // --- strings (code points) ---
  Concat: op('(String, String) -> String', 'ConcatU'),
  StrLength: op('String -> Int', 'StrLengthU'),
  Slice: op('(String, (Int, Int)) -> String  (from, to: code point indices, clamped)', 'SliceU'),
  Split: op('(String, String) -> List String  (text, separator)', 'SplitU'),
  ParseInt: op('String -> Either () Int', 'ParseIntU'),
  ShowInt: op('Int -> String', 'ShowIntU'),

  // --- sums ---
  InLeft: op('a -> Either a r  given the right type r', 'InLeftU', ['type', 'type']),
  InRight: op('b -> Either l b  given the left type l', 'InRightU', ['type', 'type']),
  Merge: op('Either a a -> a', 'MergeU'),
  Distr: op('(a, Either b c) -> Either (a, b) (a, c); (a, <n: t, …>) -> <n: (a, t), …>', 'DistrU'),

  // --- lists ---
  Nil: op('a -> List e  given the element type e', 'NilU', ['type', 'type']),
  Cons: op('(e, List e) -> List e', 'ConsU'),
  Uncons: op('List e -> Either () (e, List e)', 'UnconsU'),
  ListLength: op('List e -> Int', 'ListLengthU'),
  Append: op('(List e, List e) -> List e', 'AppendU'),
  Reverse: op('List e -> List e', 'ReverseU'),
  ListMap: op('List a -> List b  given body: a -> b (one fuel step per element)', 'ListMapU', ['body', 'term']),
  Fold: op('(b, List a) -> b  given body: (b, a) -> b (one fuel step per element)', 'FoldU', ['body', 'term']),

  // --- ordered maps ---
  MapEmpty: op('a -> Map k v  given k and v', 'MapEmptyU', ['key', 'type'], ['type', 'type']),
  MapInsert: op('(Map k v, (k, v)) -> Map k v', 'MapInsertU'),
  MapLookup: op('(Map k v, k) -> Either () v', 'MapLookupU'),
  MapDelete: op('(Map k v, k) -> Map k v', 'MapDeleteU'),
  MapSize: op('Map k v -> Int', 'MapSizeU'),
  MapKeys: op('Map k v -> List k', 'MapKeysU'),
  MapToList: op('Map k v -> List (k, v)', 'MapToListU'),
  MapFromList: op('List (k, v) -> Map k v  (later entries win)', 'MapFromListU'),

  // --- named records and variants ---
  Record: op('a -> {n: b, …}  given fields n: a -> b (run in name order)', 'RecordU', ['fields', 'terms']),
  Field: op('{n: t, …} -> t', 'FieldU', ['name', 'name']),
  SetField: op('({n: t, …}, t) -> {n: t, …}', 'SetFieldU', ['name', 'name']),
  Inject: op('t -> <n: t, …>  given the variant type', 'InjectU', ['name', 'name'], ['type', 'type']),
  Match: op('<n: t, …> -> r  given cases n: t -> r', 'MatchU', ['cases', 'terms']),

  // --- constants and failure ---
  Const: op('a -> t  given the type t and a value of it', 'ConstU', ['type', 'type'], ['value', 'value']),
  Fail: op('a -> t  given a message and t: always an item error', 'FailU', ['message', 'string'], ['type', 'type']),
} as const satisfies Record<string, OpSpec>;

export type Op = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as Op[];

/** The TypeScript shape of a term with op `O`, derived from the catalogue. */
type FieldValue<K extends FieldKind> = K extends 'term'
  ? Term
  : K extends 'terms'
    ? { readonly [name: string]: Term }
    : K extends 'type'
      ? Type
      : K extends 'int'
        ? bigint
        : K extends 'bool'
          ? boolean
          : K extends 'value'
            ? Value
            : string;

type FieldsOf<F> = F extends readonly [infer First, ...infer Rest]
  ? First extends readonly [infer N extends string, infer K extends FieldKind]
    ? { readonly [P in N]: FieldValue<K> } & FieldsOf<Rest>
    : never
  : unknown;

export type TermOf<O extends Op> = { readonly op: O } & FieldsOf<(typeof OPS)[O]['fields']>;
export type Term = { [O in Op]: TermOf<O> }[Op];

/** Builds a term; `mk('Compose', { left, right })`. */
export function mk<O extends Op>(o: O, fields: Omit<TermOf<O>, 'op'>): TermOf<O> {
  return { op: o, ...fields } as TermOf<O>;
}

export function isOp(name: string): name is Op {
  return Object.prototype.hasOwnProperty.call(OPS, name);
}

/**
 * The direct sub-terms of a term with the label a path uses for each
 * (`left`, `right`, `body`, `onTrue`, `field count`, `case Incr`).
 */
export function children(t: Term): Array<[label: string, sub: Term]> {
  const out: Array<[string, Term]> = [];
  for (const [name, kind] of OPS[t.op].fields) {
    const v = (t as unknown as Record<string, unknown>)[name];
    if (kind === 'term') out.push([name, v as Term]);
    else if (kind === 'terms') {
      const word = t.op === 'Match' ? 'case' : 'field';
      for (const [n, sub] of Object.entries(v as Record<string, Term>).sort(byKey)) out.push([`${word} ${n}`, sub]);
    }
  }
  return out;
}

const byKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Number of nodes; iterative, so a deep term cannot overflow the stack. A
 * shared sub-term counts once per use, so counting stops past `limit`.
 */
export function termSize(t: Term, limit = Number.MAX_SAFE_INTEGER): number {
  let n = 0;
  const todo: Term[] = [t];
  while (todo.length > 0 && n <= limit) {
    const x = todo.pop()!;
    n++;
    for (const [, sub] of children(x)) todo.push(sub);
  }
  return n;
}

/** Depth (longest path from the root, which counts 1); iterative, and stops after visiting `limit` nodes. */
export function termDepth(t: Term, limit = Number.MAX_SAFE_INTEGER): number {
  let max = 0;
  let visited = 0;
  const todo: Array<[Term, number]> = [[t, 1]];
  while (todo.length > 0 && visited++ <= limit) {
    const [x, d] = todo.pop()!;
    if (d > max) max = d;
    for (const [, sub] of children(x)) todo.push([sub, d + 1]);
  }
  return max;
}

// ---------------------------------------------------------------------------
// JSON form: {"op": "Compose", "left": …, "right": …}; ints as JSON numbers
// (or decimal strings past ±2^53-1), types in their JSON form, values in the
// JSON form of the op's `type` field.

export class TermSyntaxError extends Error {
  override name = 'TermSyntaxError';
}

/** Limits on terms that come from outside; past them a term is refused with an error, never a stack overflow. */
export const TERM_LIMITS = { maxDepth: 2000, maxNodes: 1_000_000 } as const;

export function termToJson(t: Term): Json {
  const out: Record<string, Json> = { op: t.op };
  for (const [name, kind] of OPS[t.op].fields) {
    const v = (t as unknown as Record<string, unknown>)[name];
    switch (kind) {
      case 'term':
        out[name] = termToJson(v as Term);
        break;
      case 'terms':
        out[name] = Object.fromEntries(Object.entries(v as Record<string, Term>).sort(byKey).map(([n, sub]) => [n, termToJson(sub)]));
        break;
      case 'type':
        out[name] = typeToJson(v as Type) as Json;
        break;
      case 'int': {
        const n = v as bigint;
        out[name] = n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
        break;
      }
      case 'bool':
      case 'string':
      case 'name':
        out[name] = v as Json;
        break;
      case 'value':
        out[name] = valueToJson((t as unknown as { type: Type }).type, v as Value);
        break;
      default:
        throw new Error(`unhandled field kind ${kind satisfies never}`);
    }
  }
  return out;
}

export function termFromJson(json: unknown, path = 'term', depth = 1): Term {
  if (depth > TERM_LIMITS.maxDepth) throw new TermSyntaxError(`${path}: term nested deeper than ${TERM_LIMITS.maxDepth}`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TermSyntaxError(`${path}: a term is an object like {"op": "Id"}, got ${JSON.stringify(json)}`);
  }
  const obj = json as Record<string, unknown>;
  const name = obj.op;
  if (typeof name !== 'string' || !isOp(name)) {
    throw new TermSyntaxError(`${path}: unknown op ${JSON.stringify(name)}`);
  }
  const spec = OPS[name];
  const out: Record<string, unknown> = { op: name };
  for (const key of Object.keys(obj)) {
    if (key !== 'op' && !spec.fields.some(([n]) => n === key)) throw new TermSyntaxError(`${path}: ${name} has no field ${JSON.stringify(key)}`);
  }
  for (const [field, kind] of spec.fields) {
    const v = obj[field];
    const at = `${path}.${field}`;
    if (v === undefined) throw new TermSyntaxError(`${path}: ${name} needs field ${JSON.stringify(field)}`);
    try {
      switch (kind) {
        case 'term':
          out[field] = termFromJson(v, at, depth + 1);
          break;
        case 'terms': {
          if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TermSyntaxError(`${at}: expected an object of name: term`);
          const subs: Record<string, Term> = {};
          for (const [n, sub] of Object.entries(v as Record<string, unknown>)) subs[n] = termFromJson(sub, `${at}.${n}`, depth + 1);
          out[field] = subs;
          break;
        }
        case 'type':
          out[field] = typeFromJson(v, at);
          break;
        case 'int':
          if (typeof v === 'number' && Number.isSafeInteger(v)) out[field] = BigInt(v);
          else if (typeof v === 'string' && /^-?[0-9]+$/.test(v) && BigInt.asIntN(64, BigInt(v)) === BigInt(v)) out[field] = BigInt(v);
          else throw new TermSyntaxError(`${at}: expected a 64-bit integer, got ${JSON.stringify(v)}`);
          break;
        case 'bool':
          if (typeof v !== 'boolean') throw new TermSyntaxError(`${at}: expected true or false`);
          out[field] = v;
          break;
        case 'string':
        case 'name':
          if (typeof v !== 'string') throw new TermSyntaxError(`${at}: expected a string`);
          out[field] = v;
          break;
        case 'value':
          out[field] = valueFromJson(out.type as Type, v, at);
          break;
        default:
          throw new Error(`unhandled field kind ${kind satisfies never}`);
      }
    } catch (e) {
      if (e instanceof TermSyntaxError) throw e;
      if (e instanceof TypeSyntaxError) throw new TermSyntaxError(e.message);
      throw new TermSyntaxError(`${at}: ${(e as Error).message}`);
    }
  }
  return out as Term;
}
