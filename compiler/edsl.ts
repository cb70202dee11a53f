// The typed TypeScript EDSL: how users write state machines.
//
//   const m = machine(ty.int);                          // state type fixed once: Int
//   const counter = pipe(m.read(ty.either(ty.unit, ty.unit)),
//                        m.caseOf(m.get(), pipe(m.get(), m.incr(), m.put())),
//                        m.show(ty.either(ty.int, ty.unit)));
//     : T<bigint, string, string>
//   erase(counter)  =>  Compose(Compose(Show(..), Case(Get, Compose(Compose(Put, Incr), Get))), Read(..))
//
// `T<S, A, B>` wraps an untyped `Term` (compiler/terms.ts) and carries the
// state, input and output types as *invariant* phantom type parameters, so
// `tsc` checks composition the way GHC checks the seed's GADT `T s a b`:
// swapped pair components, swapped Either sides, unit where Int is expected,
// or a term written for another state type do not compile. The TypeScript
// types of values are those of compiler/values.ts (Int = bigint, Pair =
// readonly tuple, Either/variants = tagged objects, …).
//
// Types are tsc's business here: at run time builders check only values (Int
// literals, constants, map entries). `erase` gives the plain term; terms from
// anywhere else (the wire, JSON) go through `typecheck`.

import type { Op, Term } from './terms.ts';
import { mk } from './terms.ts';
import * as types from './types.ts';
import type { Type } from './types.ts';
import { INT_MAX, INT_MIN, isValueOf, PMap, type Value } from './values.ts';

// ---------------------------------------------------------------------------
// TypeScript types of smwasm values (as compiler/values.ts represents them).

export type Unit = null;
export type Int = bigint;
export type Bool = boolean;
export type Str = string;
export type Pair<A, B> = readonly [A, B];
export type Either<A, B> = { readonly tag: 'Left'; readonly value: A } | { readonly tag: 'Right'; readonly value: B };
export type List<A> = readonly A[];

declare const mapKeyPhantom: unique symbol;
declare const mapValuePhantom: unique symbol;
/** An ordered map from K to V: a `PMap` at run time, K and V only in its type. */
export type MapOf<K, V> = PMap & {
  readonly [mapKeyPhantom]: (k: K) => K;
  readonly [mapValuePhantom]: (v: V) => V;
};

/** The value type of a record with field types F: `{ readonly count: bigint }`. */
export type RecordOf<F> = { readonly [K in keyof F]: F[K] };
/** The value type of a variant with case payload types F: `{ tag: 'Incr'; value: bigint } | { tag: 'Read'; value: null }`. */
export type VariantOf<F> = { [K in keyof F & string]: { readonly tag: K; readonly value: F[K] } }[keyof F & string];

/** Anything tagged: Either values and variant values. */
export type Tagged = { readonly tag: string; readonly value: unknown };
/** The payload type of case K of a tagged union V. */
export type PayloadOf<V, K> = V extends { readonly tag: K; readonly value: infer X } ? X : never;
/** Either and variants share a TypeScript shape; a tag set of exactly Left and Right is an Either. */
export type IsEither<V extends Tagged> = [V['tag']] extends ['Left' | 'Right'] ? (['Left' | 'Right'] extends [V['tag']] ? true : false) : false;
/** `(a, <n: t, …>) -> <n: (a, t), …>` and `(a, Either b c) -> Either (a, b) (a, c)`, at the type level. */
export type Distributed<A, V> = V extends { readonly tag: infer K; readonly value: infer X } ? { readonly tag: K; readonly value: Pair<A, X> } : never;

// ---------------------------------------------------------------------------
// Type witnesses: a run-time `Type` paired with the TypeScript type of its values.

// Set by the classes' static blocks: only this module creates witnesses and terms.
let makeTy: <A>(type: Type) => Ty<A>;
let makeVariantTy: <A>(type: Type) => VariantTy<A>;
let makeT: <S, A, B>(term: Term) => T<S, A, B>;

/** A type witness: `type` is the smwasm type whose values have TypeScript type A. */
export class Ty<A> {
  declare private readonly witnessed: (a: A) => A;
  protected constructor(readonly type: Type) {}
  static {
    makeTy = <X>(type: Type) => new Ty<X>(type);
  }
}

/** A witness of a variant type (kept apart from Either, which has the same TypeScript shape). */
export class VariantTy<A> extends Ty<A> {
  declare private readonly variantWitness: true;
  static {
    makeVariantTy = <X>(type: Type) => new VariantTy<X>(type);
  }
}

/** The TypeScript value type a witness stands for: `TypeOf<typeof ty.int>` is `bigint`. */
export type TypeOf<W> = W extends Ty<infer A> ? A : never;

type NotLeftRightOnly<F> = [keyof F] extends ['Left' | 'Right']
  ? ['Left' | 'Right'] extends [keyof F]
    ? { readonly 'a variant of exactly Left and Right is an Either: use ty.either': never }
    : unknown
  : unknown;

export const ty = Object.freeze({
  unit: makeTy<Unit>(types.Unit),
  int: makeTy<Int>(types.Int),
  bool: makeTy<Bool>(types.Bool),
  string: makeTy<Str>(types.Str),
  pair: <A, B>(a: Ty<A>, b: Ty<B>): Ty<Pair<A, B>> => makeTy(types.pair(a.type, b.type)),
  either: <A, B>(a: Ty<A>, b: Ty<B>): Ty<Either<A, B>> => makeTy(types.either(a.type, b.type)),
  list: <A>(elem: Ty<A>): Ty<List<A>> => makeTy(types.list(elem.type)),
  map: <K, V>(key: Ty<K>, value: Ty<V>): Ty<MapOf<K, V>> => makeTy(types.map(key.type, value.type)),
  record: <F>(fields: { readonly [K in keyof F]: Ty<F[K]> }): Ty<RecordOf<F>> => makeTy(types.record(witnessTypes(fields))),
  variant: <F>(cases: { readonly [K in keyof F]: Ty<F[K]> } & NotLeftRightOnly<F>): VariantTy<VariantOf<F>> => {
    const names = Object.keys(cases).sort();
    if (names.length === 2 && names[0] === 'Left' && names[1] === 'Right') {
      throw new TypeError('a variant of exactly Left and Right is an Either: use ty.either');
    }
    return makeVariantTy(types.variant(witnessTypes(cases)));
  },
});

function witnessTypes(fields: object): Record<string, Type> {
  return Object.fromEntries(Object.entries(fields as Record<string, Ty<unknown>>).map(([name, w]) => [name, w.type]));
}

/** Builds a map value typed by its witnesses; later entries win. */
export function mapOf<K, V>(key: Ty<K>, value: Ty<V>, entries: Iterable<readonly [K, V]> = []): MapOf<K, V> {
  const list = [...entries] as unknown as Array<readonly [Value, Value]>;
  const mapType = types.map(key.type, value.type);
  const result = PMap.fromEntries(key.type, list);
  if (!isValueOf(mapType, result)) throw new TypeError(`mapOf: entries are not all values of ${types.showType(mapType)}`);
  return result as MapOf<K, V>;
}

// ---------------------------------------------------------------------------
// Typed terms.

/**
 * A state machine fragment with state S, input A and output B (the seed's `T s a b`).
 * The three parameters are invariant: `T<S, A, B>` is assignable to
 * `T<S2, A2, B2>` only when the types are the same.
 */
export class T<S, A, B> {
  declare private readonly state: (s: S) => S;
  declare private readonly input: (a: A) => A;
  declare private readonly output: (b: B) => B;

  private constructor(readonly term: Term) {}

  static {
    makeT = <S2, A2, B2>(term: Term) => new T<S2, A2, B2>(term);
  }

  /**
   * Forward composition, the seed's `>>>`: runs this, then `next`.
   * (A `then` method makes a T look like a promise to `await`; it is not one,
   * and says so rather than misbehaving.)
   */
  then<C>(next: T<S, B, C>): T<S, A, C> {
    if (!(next instanceof T)) throw new TypeError('T.then composes two terms (T is not a promise: do not await it)');
    return makeT(mk('Compose', { left: next.term, right: this.term }));
  }
}

/** The untyped term, exactly what the equivalent hand-built `mk` term would be. */
export function erase<S, A, B>(t: T<S, A, B>): Term {
  return t.term;
}

const leaf = <S, A, B>(o: 'Id' | 'Fst' | 'Snd' | 'Copy' | 'Incr' | 'Decr' | 'Consume' | 'Get' | 'Put' | 'Not' | 'Eq' | NullaryOp): T<S, A, B> =>
  makeT({ op: o } as Term);

type NullaryOp =
  | 'Add'
  | 'Sub'
  | 'Mul'
  | 'Div'
  | 'Mod'
  | 'Neg'
  | 'Lt'
  | 'Le'
  | 'Gt'
  | 'Ge'
  | 'Equal'
  | 'And'
  | 'Or'
  | 'Concat'
  | 'StrLength'
  | 'Slice'
  | 'Split'
  | 'ParseInt'
  | 'ShowInt'
  | 'Merge'
  | 'Distr'
  | 'Cons'
  | 'Uncons'
  | 'ListLength'
  | 'Append'
  | 'Reverse'
  | 'MapInsert'
  | 'MapLookup'
  | 'MapDelete'
  | 'MapSize'
  | 'MapKeys'
  | 'MapToList'
  | 'MapFromList';

// Extractors over a union of terms give the union of their parts (a mismatch then fails the invariance check).
type StateOf<X> = X extends T<infer S, infer _A, infer _B> ? S : never;
type InputOf<X> = X extends T<infer _S, infer A, infer _B> ? A : never;
type OutputOf<X> = X extends T<infer _S, infer _A, infer B> ? B : never;
/** The variant a set of match cases takes, read off the cases' input types. */
type VariantOfCases<Cs> = { [K in keyof Cs & string]: { readonly tag: K; readonly value: InputOf<Cs[K]> } }[keyof Cs & string];

// --- composition -----------------------------------------------------------

/** `compose(g, f)`: runs f, then g (the seed's `Compose g f`). */
export function compose<S, A, B, C>(g: T<S, B, C>, f: T<S, A, B>): T<S, A, C> {
  return f.then(g);
}

/**
 * Forward composition of a sequence, associated to the right like Haskell's
 * `>>>` (infixr): `pipe(f, g, h)` is `f >>> (g >>> h)`, whose term is
 * `Compose(Compose(h, g), f)` — the same tree the seed prints.
 */
export function pipe<S, A, B>(f: T<S, A, B>): T<S, A, B>;
export function pipe<S, A, B, C>(f: T<S, A, B>, g: T<S, B, C>): T<S, A, C>;
export function pipe<S, A, B, C, D>(f: T<S, A, B>, g: T<S, B, C>, h: T<S, C, D>): T<S, A, D>;
export function pipe<S, A, B, C, D, E>(f: T<S, A, B>, g: T<S, B, C>, h: T<S, C, D>, i: T<S, D, E>): T<S, A, E>;
export function pipe<S, A, B, C, D, E, F>(f: T<S, A, B>, g: T<S, B, C>, h: T<S, C, D>, i: T<S, D, E>, j: T<S, E, F>): T<S, A, F>;
export function pipe<S, A, B, C, D, E, F, G>(f: T<S, A, B>, g: T<S, B, C>, h: T<S, C, D>, i: T<S, D, E>, j: T<S, E, F>, k: T<S, F, G>): T<S, A, G>;
export function pipe<S, A, B, C, D, E, F, G, H>(
  f: T<S, A, B>,
  g: T<S, B, C>,
  h: T<S, C, D>,
  i: T<S, D, E>,
  j: T<S, E, F>,
  k: T<S, F, G>,
  l: T<S, G, H>,
): T<S, A, H>;
export function pipe<S, A, B, C, D, E, F, G, H, I>(
  f: T<S, A, B>,
  g: T<S, B, C>,
  h: T<S, C, D>,
  i: T<S, D, E>,
  j: T<S, E, F>,
  k: T<S, F, G>,
  l: T<S, G, H>,
  m: T<S, H, I>,
): T<S, A, I>;
export function pipe(...stages: Array<T<unknown, unknown, unknown>>): T<unknown, unknown, unknown> {
  if (stages.length === 0) throw new TypeError('pipe needs at least one term');
  let result = stages[stages.length - 1];
  for (let i = stages.length - 2; i >= 0; i--) result = stages[i].then(result);
  return result;
}

// --- the seed's combinators ------------------------------------------------

export const id = <S, A>(): T<S, A, A> => leaf('Id');
export const fst = <S, A, B>(): T<S, Pair<A, B>, A> => leaf('Fst');
export const snd = <S, A, B>(): T<S, Pair<A, B>, B> => leaf('Snd');
export const copy = <S, A>(): T<S, A, Pair<A, A>> => leaf('Copy');
export const consume = <S, A>(): T<S, A, Unit> => leaf('Consume');

/** The Int constant n (a bigint, or a number that is a safe integer); `() -> Int`. */
export function int<S>(n: bigint | number): T<S, Unit, Int> {
  const value = typeof n === 'bigint' ? n : Number.isSafeInteger(n) ? BigInt(n) : undefined;
  if (value === undefined) throw new RangeError(`int: ${n} is not an integer (use a bigint for numbers past ±2^53-1)`);
  if (value < INT_MIN || value > INT_MAX) throw new RangeError(`int: ${value} is outside the signed 64-bit range`);
  return makeT(mk('Int', { value }));
}

export const bool = <S, A>(value: boolean): T<S, A, Bool> => makeT(mk('Bool', { value }));
export const get = <S>(): T<S, Unit, S> => leaf('Get');
export const put = <S>(): T<S, S, Unit> => leaf('Put');
export const incr = <S>(): T<S, Int, Int> => leaf('Incr');
export const decr = <S>(): T<S, Int, Int> => leaf('Decr');
export const not = <S>(): T<S, Bool, Bool> => leaf('Not');

export const first = <S, A, B, C>(body: T<S, A, B>): T<S, Pair<A, C>, Pair<B, C>> => makeT(mk('First', { body: body.term }));
export const second = <S, A, B, C>(body: T<S, B, C>): T<S, Pair<A, B>, Pair<A, C>> => makeT(mk('Second', { body: body.term }));

/** `Left x` to `Left (f x)`, `Right y` to `Right (g y)` (the seed's `f `Case` g`). */
export const caseOf = <S, A, B, C, D>(f: T<S, A, C>, g: T<S, B, D>): T<S, Either<A, B>, Either<C, D>> =>
  makeT(mk('Case', { left: f.term, right: g.term }));

/** `(f x, g x)`, f first (the seed's `f :&&& g`). */
export const fanout = <S, A, B, C>(f: T<S, A, B>, g: T<S, A, C>): T<S, A, Pair<B, C>> => makeT(mk('Fanout', { left: f.term, right: g.term }));

/** `(x, flag)` to `onTrue x` or `onFalse x` (the seed's `If t f`). */
export const ifThenElse = <S, A, B>(onTrue: T<S, A, B>, onFalse: T<S, A, B>): T<S, Pair<A, Bool>, B> =>
  makeT(mk('If', { onTrue: onTrue.term, onFalse: onFalse.term }));

export const read = <S, A>(type: Ty<A>): T<S, Str, A> => makeT(mk('Read', { type: type.type }));
export const show = <S, A>(type: Ty<A>): T<S, A, Str> => makeT(mk('Show', { type: type.type }));

/** `Left ()` when the two are equal, `Right ()` otherwise. */
export const eq = <S, A>(): T<S, Pair<A, A>, Either<Unit, Unit>> => leaf('Eq');

/** Loops `body` from `Left x` until it answers `Left y`; `Right c` goes round again. One fuel step per iteration. */
export const unleft = <S, A, B, C>(body: T<S, Either<A, C>, Either<B, C>>, loop: Ty<C>): T<S, A, B> =>
  makeT(mk('Unleft', { body: body.term, type: loop.type }));

// --- arithmetic and comparison (Int is 64-bit two's complement, wrapping) --

export const add = <S>(): T<S, Pair<Int, Int>, Int> => leaf('Add');
export const sub = <S>(): T<S, Pair<Int, Int>, Int> => leaf('Sub');
export const mul = <S>(): T<S, Pair<Int, Int>, Int> => leaf('Mul');
export const div = <S>(): T<S, Pair<Int, Int>, Int> => leaf('Div');
export const mod = <S>(): T<S, Pair<Int, Int>, Int> => leaf('Mod');
export const neg = <S>(): T<S, Int, Int> => leaf('Neg');
export const lt = <S, A>(): T<S, Pair<A, A>, Bool> => leaf('Lt');
export const le = <S, A>(): T<S, Pair<A, A>, Bool> => leaf('Le');
export const gt = <S, A>(): T<S, Pair<A, A>, Bool> => leaf('Gt');
export const ge = <S, A>(): T<S, Pair<A, A>, Bool> => leaf('Ge');
export const equal = <S, A>(): T<S, Pair<A, A>, Bool> => leaf('Equal');
export const and = <S>(): T<S, Pair<Bool, Bool>, Bool> => leaf('And');
export const or = <S>(): T<S, Pair<Bool, Bool>, Bool> => leaf('Or');

// --- strings (indices and lengths in code points) --------------------------

export const concat = <S>(): T<S, Pair<Str, Str>, Str> => leaf('Concat');
export const strLength = <S>(): T<S, Str, Int> => leaf('StrLength');
/** `(text, (from, to))`: code points [from, to), both clamped to the text. */
export const slice = <S>(): T<S, Pair<Str, Pair<Int, Int>>, Str> => leaf('Slice');
/** `(text, separator)`. */
export const split = <S>(): T<S, Pair<Str, Str>, List<Str>> => leaf('Split');
export const parseInt = <S>(): T<S, Str, Either<Unit, Int>> => leaf('ParseInt');
export const showInt = <S>(): T<S, Int, Str> => leaf('ShowInt');

// --- sums --------------------------------------------------------------------

export const inLeft = <S, A, R>(right: Ty<R>): T<S, A, Either<A, R>> => makeT(mk('InLeft', { type: right.type }));
export const inRight = <S, L, B>(left: Ty<L>): T<S, B, Either<L, B>> => makeT(mk('InRight', { type: left.type }));
export const merge = <S, A>(): T<S, Either<A, A>, A> => leaf('Merge');
/** Distributes a pair over an Either or a variant in its second component. */
export const distr = <S, A, V extends Tagged>(): T<S, Pair<A, V>, Distributed<A, V>> => leaf('Distr');

// --- lists -------------------------------------------------------------------

export const nil = <S, A, E>(elem: Ty<E>): T<S, A, List<E>> => makeT(mk('Nil', { type: elem.type }));
export const cons = <S, E>(): T<S, Pair<E, List<E>>, List<E>> => leaf('Cons');
export const uncons = <S, E>(): T<S, List<E>, Either<Unit, Pair<E, List<E>>>> => leaf('Uncons');
export const listLength = <S, E>(): T<S, List<E>, Int> => leaf('ListLength');
export const append = <S, E>(): T<S, Pair<List<E>, List<E>>, List<E>> => leaf('Append');
export const reverse = <S, E>(): T<S, List<E>, List<E>> => leaf('Reverse');
export const listMap = <S, A, B>(body: T<S, A, B>): T<S, List<A>, List<B>> => makeT(mk('ListMap', { body: body.term }));
/** Left fold: `(acc, [x1, x2])` gives `body((body((acc, x1)), x2))`. */
export const fold = <S, A, B>(body: T<S, Pair<B, A>, B>): T<S, Pair<B, List<A>>, B> => makeT(mk('Fold', { body: body.term }));

// --- ordered maps ------------------------------------------------------------

export const mapEmpty = <S, A, K, V>(key: Ty<K>, value: Ty<V>): T<S, A, MapOf<K, V>> => makeT(mk('MapEmpty', { key: key.type, type: value.type }));
export const mapInsert = <S, K, V>(): T<S, Pair<MapOf<K, V>, Pair<K, V>>, MapOf<K, V>> => leaf('MapInsert');
export const mapLookup = <S, K, V>(): T<S, Pair<MapOf<K, V>, K>, Either<Unit, V>> => leaf('MapLookup');
export const mapDelete = <S, K, V>(): T<S, Pair<MapOf<K, V>, K>, MapOf<K, V>> => leaf('MapDelete');
export const mapSize = <S, K, V>(): T<S, MapOf<K, V>, Int> => leaf('MapSize');
export const mapKeys = <S, K, V>(): T<S, MapOf<K, V>, List<K>> => leaf('MapKeys');
export const mapToList = <S, K, V>(): T<S, MapOf<K, V>, List<Pair<K, V>>> => leaf('MapToList');
export const mapFromList = <S, K, V>(): T<S, List<Pair<K, V>>, MapOf<K, V>> => leaf('MapFromList');

// --- records and variants ----------------------------------------------------

/** The field terms of a record over input A: every field term has state S and input A. */
export type RecordFields<S, A, Fs> = { readonly [K in keyof Fs]: T<S, A, OutputOf<Fs[K]>> };
/** The cases of a match over variant V with result R: case K takes K's payload. */
export type MatchCases<S, V extends Tagged, Cs> = { readonly [K in V['tag']]: T<S, PayloadOf<V, K>, OutputOf<Cs[keyof Cs]>> };
type MatchOnVariant<V extends Tagged> = IsEither<V> extends true ? { readonly 'match takes a variant: use caseOf for Either': never } : unknown;
/** A case name the variant lacks is an error at that name (a constraint alone would allow extra keys). */
type NoExtraCases<Cs, V extends Tagged> = { readonly [K in Exclude<keyof Cs, V['tag']>]: 'not a case of the variant' };

/**
 * Builds a record, one term per field, all on the same input (run in field-name
 * order). S and A come from context (what precedes it in a pipe) or else from
 * the field terms themselves.
 */
export function record<Fs extends RecordFields<S, A, Fs>, S = StateOf<Fs[keyof Fs]>, A = InputOf<Fs[keyof Fs]>>(
  fields: Fs,
): T<S, A, { readonly [K in keyof Fs]: OutputOf<Fs[K]> }> {
  return makeT(mk('Record', { fields: sortedTerms(fields, 'record') }));
}

/** Field `name` of the record R (R comes from context); a name R lacks does not compile. */
export const field = <S, R, K extends keyof R & string>(name: K): T<S, R, R[K]> => makeT(mk('Field', { name }));

/** Replaces field `name`: `(record, new value) -> record`. */
export const setField = <S, R, K extends keyof R & string>(name: K): T<S, Pair<R, R[K]>, R> => makeT(mk('SetField', { name }));

/** Injects a payload as case `name` of the variant `variant`; a case the variant lacks does not compile. */
export const inject = <S, V extends Tagged, K extends V['tag']>(name: K, variant: VariantTy<V>): T<S, PayloadOf<V, K>, V> =>
  makeT(mk('Inject', { name, type: variant.type }));

/**
 * One term per case of the variant V, all with the same output type. V comes
 * from context (what precedes it in a pipe) or else from the cases' input types.
 * Against a known V, a missing, extra or misspelt case does not compile.
 */
export function match<Cs extends MatchCases<S, V, Cs>, S = StateOf<Cs[keyof Cs]>, V extends Tagged = VariantOfCases<Cs>>(
  cases: Cs & MatchOnVariant<V> & NoExtraCases<Cs, V>,
): T<S, V, OutputOf<Cs[keyof Cs]>> {
  return makeT(mk('Match', { cases: sortedTerms(cases, 'match') }));
}

function sortedTerms(named: object, what: 'record' | 'match'): Record<string, Term> {
  const entries = Object.entries(named as Record<string, unknown>);
  if (entries.length === 0) throw new TypeError(`${what} needs at least one ${what === 'record' ? 'field' : 'case'}`);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, Term> = {};
  for (const [name, t] of entries) {
    if (!(t instanceof T)) throw new TypeError(`${what}: ${name} is not a term`);
    out[name] = t.term;
  }
  return out;
}

// --- constants and failure ---------------------------------------------------

/** The constant `value` of type `type`, whatever the input. */
export function constant<S, A, V>(type: Ty<V>, value: V): T<S, A, V> {
  if (!isValueOf(type.type, value)) throw new TypeError(`constant: the value is not a value of ${types.showType(type.type)}`);
  return makeT(mk('Const', { type: type.type, value: value as Value }));
}

/** Always an item error with `message`; typed as any output so it fits anywhere. */
export const fail = <S, A, B>(message: string, type: Ty<B>): T<S, A, B> => makeT(mk('Fail', { message, type: type.type }));

// ---------------------------------------------------------------------------
// The same builders with the state type fixed once.

/**
 * Every builder with the state type fixed to S, so no call needs it again:
 * `const m = machine(ty.int); pipe(m.get(), m.incr(), m.put())`.
 * The members are plain functions: destructuring is fine.
 */
export class Builders<S> {
  constructor(
    /** The state type's witness, when one was given. */
    readonly state?: Ty<S>,
  ) {}

  readonly compose = <A, B, C>(g: T<S, B, C>, f: T<S, A, B>) => compose<S, A, B, C>(g, f);
  readonly pipe = pipe;
  readonly id = <A>() => id<S, A>();
  readonly fst = <A, B>() => fst<S, A, B>();
  readonly snd = <A, B>() => snd<S, A, B>();
  readonly copy = <A>() => copy<S, A>();
  readonly consume = <A>() => consume<S, A>();
  readonly int = (n: bigint | number) => int<S>(n);
  readonly bool = <A>(value: boolean) => bool<S, A>(value);
  readonly get = () => get<S>();
  readonly put = () => put<S>();
  readonly incr = () => incr<S>();
  readonly decr = () => decr<S>();
  readonly not = () => not<S>();
  readonly first = <A, B, C>(body: T<S, A, B>) => first<S, A, B, C>(body);
  readonly second = <A, B, C>(body: T<S, B, C>) => second<S, A, B, C>(body);
  readonly caseOf = <A, B, C, D>(f: T<S, A, C>, g: T<S, B, D>) => caseOf<S, A, B, C, D>(f, g);
  readonly fanout = <A, B, C>(f: T<S, A, B>, g: T<S, A, C>) => fanout<S, A, B, C>(f, g);
  readonly ifThenElse = <A, B>(onTrue: T<S, A, B>, onFalse: T<S, A, B>) => ifThenElse<S, A, B>(onTrue, onFalse);
  readonly read = <A>(type: Ty<A>) => read<S, A>(type);
  readonly show = <A>(type: Ty<A>) => show<S, A>(type);
  readonly eq = <A>() => eq<S, A>();
  readonly unleft = <A, B, C>(body: T<S, Either<A, C>, Either<B, C>>, loop: Ty<C>) => unleft<S, A, B, C>(body, loop);
  readonly add = () => add<S>();
  readonly sub = () => sub<S>();
  readonly mul = () => mul<S>();
  readonly div = () => div<S>();
  readonly mod = () => mod<S>();
  readonly neg = () => neg<S>();
  readonly lt = <A>() => lt<S, A>();
  readonly le = <A>() => le<S, A>();
  readonly gt = <A>() => gt<S, A>();
  readonly ge = <A>() => ge<S, A>();
  readonly equal = <A>() => equal<S, A>();
  readonly and = () => and<S>();
  readonly or = () => or<S>();
  readonly concat = () => concat<S>();
  readonly strLength = () => strLength<S>();
  readonly slice = () => slice<S>();
  readonly split = () => split<S>();
  readonly parseInt = () => parseInt<S>();
  readonly showInt = () => showInt<S>();
  readonly inLeft = <A, R>(right: Ty<R>) => inLeft<S, A, R>(right);
  readonly inRight = <L, B>(left: Ty<L>) => inRight<S, L, B>(left);
  readonly merge = <A>() => merge<S, A>();
  readonly distr = <A, V extends Tagged>() => distr<S, A, V>();
  readonly nil = <A, E>(elem: Ty<E>) => nil<S, A, E>(elem);
  readonly cons = <E>() => cons<S, E>();
  readonly uncons = <E>() => uncons<S, E>();
  readonly listLength = <E>() => listLength<S, E>();
  readonly append = <E>() => append<S, E>();
  readonly reverse = <E>() => reverse<S, E>();
  readonly listMap = <A, B>(body: T<S, A, B>) => listMap<S, A, B>(body);
  readonly fold = <A, B>(body: T<S, Pair<B, A>, B>) => fold<S, A, B>(body);
  readonly mapEmpty = <A, K, V>(key: Ty<K>, value: Ty<V>) => mapEmpty<S, A, K, V>(key, value);
  readonly mapInsert = <K, V>() => mapInsert<S, K, V>();
  readonly mapLookup = <K, V>() => mapLookup<S, K, V>();
  readonly mapDelete = <K, V>() => mapDelete<S, K, V>();
  readonly mapSize = <K, V>() => mapSize<S, K, V>();
  readonly mapKeys = <K, V>() => mapKeys<S, K, V>();
  readonly mapToList = <K, V>() => mapToList<S, K, V>();
  readonly mapFromList = <K, V>() => mapFromList<S, K, V>();
  readonly record = <Fs extends RecordFields<S, A, Fs>, A = InputOf<Fs[keyof Fs]>>(fields: Fs) => record<Fs, S, A>(fields);
  readonly field = <R, K extends keyof R & string>(name: K) => field<S, R, K>(name);
  readonly setField = <R, K extends keyof R & string>(name: K) => setField<S, R, K>(name);
  readonly inject = <V extends Tagged, K extends V['tag']>(name: K, variant: VariantTy<V>) => inject<S, V, K>(name, variant);
  readonly match = <Cs extends MatchCases<S, V, Cs>, V extends Tagged = VariantOfCases<Cs>>(cases: Cs & MatchOnVariant<V> & NoExtraCases<Cs, V>) => match<Cs, S, V>(cases);
  readonly constant = <A, V>(type: Ty<V>, value: V) => constant<S, A, V>(type, value);
  readonly fail = <A, B>(message: string, type: Ty<B>) => fail<S, A, B>(message, type);
}

/** Builders specialised to the state type S: `machine(ty.int)` or `machine<bigint>()`. */
export function machine<S>(state?: Ty<S>): Builders<S> {
  return new Builders<S>(state);
}

/** The builder that makes each op (every op in OPS has one). */
export const BUILDER_FOR_OP = {
  Id: 'id',
  Compose: 'compose',
  Fst: 'fst',
  Snd: 'snd',
  Int: 'int',
  Copy: 'copy',
  First: 'first',
  Second: 'second',
  Case: 'caseOf',
  Fanout: 'fanout',
  Incr: 'incr',
  Decr: 'decr',
  Consume: 'consume',
  Get: 'get',
  Put: 'put',
  If: 'ifThenElse',
  Bool: 'bool',
  Not: 'not',
  Read: 'read',
  Show: 'show',
  Eq: 'eq',
  Unleft: 'unleft',
  Add: 'add',
  Sub: 'sub',
  Mul: 'mul',
  Div: 'div',
  Mod: 'mod',
  Neg: 'neg',
  Lt: 'lt',
  Le: 'le',
  Gt: 'gt',
  Ge: 'ge',
  Equal: 'equal',
  And: 'and',
  Or: 'or',
  Concat: 'concat',
  StrLength: 'strLength',
  Slice: 'slice',
  Split: 'split',
  ParseInt: 'parseInt',
  ShowInt: 'showInt',
  InLeft: 'inLeft',
  InRight: 'inRight',
  Merge: 'merge',
  Distr: 'distr',
  Nil: 'nil',
  Cons: 'cons',
  Uncons: 'uncons',
  ListLength: 'listLength',
  Append: 'append',
  Reverse: 'reverse',
  ListMap: 'listMap',
  Fold: 'fold',
  MapEmpty: 'mapEmpty',
  MapInsert: 'mapInsert',
  MapLookup: 'mapLookup',
  MapDelete: 'mapDelete',
  MapSize: 'mapSize',
  MapKeys: 'mapKeys',
  MapToList: 'mapToList',
  MapFromList: 'mapFromList',
  Record: 'record',
  Field: 'field',
  SetField: 'setField',
  Inject: 'inject',
  Match: 'match',
  Const: 'constant',
  Fail: 'fail',
} as const satisfies { readonly [O in Op]: keyof Builders<unknown> };
