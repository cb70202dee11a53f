// Line-protocol building blocks shared by the kv and files examples: a command
// line becomes its command word and argument words, the arguments are matched
// against the shape a command expects, and replies are joined back into a line.
//
//   commandLine({ GET: …, PUT: … }, Command)  on "PUT k hello  world"
//     words     =>  ["PUT", "k", "hello", "", "world"]
//     dispatch  =>  the PUT parser on ["k", "hello", "", "world"]
//   word(nonEmpty(), restOfLine())  on ["k", "hello", "", "world"]  =>  Right ("k", "hello  world")
//   joinWords                       on ("KEYS", ["a", "b"])         =>  "KEYS a b"
//
// Words are separated by exactly one space, so joining the trailing words with
// single spaces gives back the exact text after them: values keep their spaces.
// Everything here is generic in the state type S and never touches the state,
// so one parser serves a stage of any state type.

import {
  type Bool,
  bool,
  caseOf,
  concat,
  cons,
  constant,
  consume,
  distr,
  type Either,
  equal,
  fanout,
  fold,
  fst,
  id,
  ifThenElse,
  inLeft,
  inRight,
  type Int,
  int,
  type List,
  listLength,
  nil,
  lt,
  merge,
  not,
  or,
  type Pair,
  pipe,
  reverse,
  second,
  slice,
  snd,
  split,
  type Str,
  strLength,
  type T,
  type Ty,
  ty,
  uncons,
  type Unit,
} from '../../compiler/edsl.ts';

// ---------------------------------------------------------------------------
// Strings.

/** The string `s`, whatever the input. */
export const text = <S, A>(s: string): T<S, A, Str> => constant(ty.string, s);

/** The concatenation of string-valued terms run on the same input, left to right. */
export function concatOf<S, A>(first: T<S, A, Str>, ...rest: Array<T<S, A, Str>>): T<S, A, Str> {
  let result = first;
  for (const part of rest) result = pipe(fanout(result, part), concat());
  return result;
}

/** Is the input the string `s`? */
export const isText = <S>(s: string): T<S, Str, Bool> => pipe(fanout(id(), text(s)), equal());

/** Any word at all, the empty word included. */
export const anyWord = <S>(): T<S, Str, Bool> => bool(true);

/** A non-empty string. */
export const nonEmpty = <S>(): T<S, Str, Bool> => pipe(isText<S>(''), not());

/** `(text, prefix)`: does the text start with the prefix? */
export const startsWith = <S>(): T<S, Pair<Str, Str>, Bool> =>
  pipe(fanout(pipe(fanout(fst(), pipe(snd(), strLength(), fanout(pipe(consume(), int(0)), id()))), slice()), snd()), equal());

/** Does the input contain `part` (a non-empty string)? Splitting at it gives more than one piece exactly when it does. */
export function contains<S>(part: string): T<S, Str, Bool> {
  if (part === '') throw new TypeError('contains: the part must be non-empty');
  return pipe(fanout(id(), text(part)), split(), listLength(), fanout(pipe(consume(), int(1)), id<S, Int>()), lt());
}

/** True when any of the tests holds (all of them run: Or does not short-circuit). */
export function anyOf<S, A>(first: T<S, A, Bool>, ...rest: Array<T<S, A, Bool>>): T<S, A, Bool> {
  let result = first;
  for (const test of rest) result = pipe(fanout(result, test), or());
  return result;
}

/** Splits a line into words at each single space: `"a  b"` gives `["a", "", "b"]`. */
export const words = <S>(): T<S, Str, List<Str>> => pipe(fanout(id(), text(' ')), split());

/** `(first, rest)` joined with `separator`: `("", ["a", "b"])` joined with "/" gives `"/a/b"`. */
export const joinWith = <S>(separator: string): T<S, Pair<Str, List<Str>>, Str> => fold(concatOf(fst(), text(separator), snd()));

/** `(first, rest)` joined with single spaces: `("KEYS", ["a", "b"])` gives `"KEYS a b"`, `("KEYS", [])` gives `"KEYS"`. */
export const joinWords = <S>(): T<S, Pair<Str, List<Str>>, Str> => joinWith(' ');

/** Words joined with single spaces; no words give the empty string. */
export const unwords = <S>(): T<S, List<Str>, Str> => pipe(uncons(), caseOf(text<S, Unit>(''), joinWords()), merge());

// ---------------------------------------------------------------------------
// Sums.

/** Either a b to Either b a. */
export const swap = <S, A, B>(a: Ty<A>, b: Ty<B>): T<S, Either<A, B>, Either<B, A>> => pipe(caseOf(inRight<S, B, A>(b), inLeft<S, B, A>(a)), merge());

// ---------------------------------------------------------------------------
// Argument shapes: a term from the argument words to `Right x` when they have
// the shape and `Left ()` when they do not, with the witness of x so that
// shapes compose without their callers spelling out types.

export interface Args<S, X> {
  readonly match: T<S, List<Str>, Either<Unit, X>>;
  readonly type: Ty<X>;
}

/** No words at all. */
export function noArgs<S>(): Args<S, Unit> {
  return { match: pipe(uncons<S, Str>(), caseOf(id<S, Unit>(), consume()), swap(ty.unit, ty.unit)), type: ty.unit };
}

/** One or more words, joined back with single spaces: the exact text after the space that ends the previous word. */
export function restOfLine<S>(): Args<S, Str> {
  return { match: pipe(uncons<S, Str>(), caseOf(id<S, Unit>(), joinWords())), type: ty.string };
}

/**
 * One word that passes `valid`, followed by words of shape `then`:
 * `word(nonEmpty(), restOfLine())` matches `k hello world` as `("k", "hello world")`.
 */
export function word<S, X>(valid: T<S, Str, Bool>, then: Args<S, X>): Args<S, Pair<Str, X>> {
  const type = ty.pair(ty.string, then.type);
  const failed = inLeft<S, Unit, Pair<Str, X>>(type);
  // (w, ws): run `then` on ws and keep w beside its answer.
  const withRest: T<S, Pair<Str, List<Str>>, Either<Unit, Pair<Str, X>>> = pipe(
    second<S, Str, List<Str>, Either<Unit, X>>(then.match),
    distr<S, Str, Either<Unit, X>>(),
    caseOf(consume<S, Pair<Str, Unit>>(), id<S, Pair<Str, X>>()),
  );
  const checked: T<S, Pair<Str, List<Str>>, Either<Unit, Pair<Str, X>>> = pipe(
    fanout(id<S, Pair<Str, List<Str>>>(), pipe(fst<S, Str, List<Str>>(), valid)),
    ifThenElse(withRest, pipe(consume(), failed)),
  );
  return { match: pipe(uncons<S, Str>(), caseOf(failed, checked), merge()), type };
}

/** Exactly one word, which passes `valid`. */
export function oneWord<S>(valid: T<S, Str, Bool>): Args<S, Str> {
  const shape = word(valid, noArgs<S>());
  return { match: pipe(shape.match, caseOf(id<S, Unit>(), fst<S, Str, Unit>())), type: ty.string };
}

/** Words of shape `args`, or no words at all, which give `fallback`. */
export function optional<S, X>(args: Args<S, X>, fallback: T<S, Unit, X>): Args<S, X> {
  return {
    match: pipe(uncons<S, Str>(), caseOf(pipe(fallback, inRight<S, Unit, X>(ty.unit)), pipe(cons<S, Str>(), args.match)), merge()),
    type: args.type,
  };
}

// ---------------------------------------------------------------------------
// Commands.

/** A command's parser: argument words of shape `args` go to `build`; any other shape gives `Left usage`. */
export function command<S, X, C>(args: Args<S, X>, usage: string, build: T<S, X, C>): T<S, List<Str>, Either<Str, C>> {
  return pipe(args.match, caseOf(text<S, Unit>(usage), build));
}

/**
 * A command's parser whose `build` may still refuse the arguments with
 * `Left message` (a name that breaks a rule, say); a wrong shape gives `Left usage`.
 */
export function checkedCommand<S, X, C>(args: Args<S, X>, usage: string, build: T<S, X, Either<Str, C>>, commandType: Ty<C>): T<S, List<Str>, Either<Str, C>> {
  return pipe(args.match, caseOf(text<S, Unit>(usage), build), caseOf(inLeft<S, Str, C>(commandType), id<S, Either<Str, C>>()), merge());
}

/**
 * Runs the entry of `table` named by the first component on the second; a
 * name the table lacks goes to `otherwise`, name included.
 */
export function dispatch<S, X, R>(table: Readonly<Record<string, T<S, X, R>>>, otherwise: T<S, Pair<Str, X>, R>): T<S, Pair<Str, X>, R> {
  let result = otherwise;
  for (const [name, handler] of Object.entries(table).reverse()) {
    result = pipe(fanout(id<S, Pair<Str, X>>(), pipe(fst<S, Str, X>(), isText(name))), ifThenElse(pipe(snd<S, Str, X>(), handler), result));
  }
  return result;
}

/**
 * A line-protocol parser: the line's first word picks the command in
 * `table`, which gets the remaining words; an unknown first word gives
 * `Left "unknown command \"FOO\""`.
 */
export function commandLine<S, C>(table: Readonly<Record<string, T<S, List<Str>, Either<Str, C>>>>, commandType: Ty<C>): T<S, Str, Either<Str, C>> {
  const unknown: T<S, Pair<Str, List<Str>>, Either<Str, C>> = pipe(
    fst<S, Str, List<Str>>(),
    concatOf(text<S, Str>('unknown command "'), id<S, Str>(), text<S, Str>('"')),
    inLeft<S, Str, C>(commandType),
  );
  // Split at a non-empty separator never gives [], so this branch only keeps the term total.
  const noWords: T<S, Unit, Either<Str, C>> = pipe(text<S, Unit>('unknown command ""'), inLeft<S, Str, C>(commandType));
  return pipe(words<S>(), uncons<S, Str>(), caseOf(noWords, dispatch(table, unknown)), merge());
}

// ---------------------------------------------------------------------------
// Lists of words.

/** `(words, prefix)`: the words that start with the prefix, in their order. One fuel step per word. */
export function withPrefix<S>(): T<S, Pair<List<Str>, Str>, List<Str>> {
  // The fold carries (prefix, kept so far, newest first).
  const keep: T<S, Pair<Pair<Str, List<Str>>, Str>, List<Str>> = pipe(
    fanout(id(), pipe(fanout(snd<S, Pair<Str, List<Str>>, Str>(), pipe(fst(), fst())), startsWith())),
    ifThenElse(pipe(fanout(snd(), pipe(fst(), snd())), cons()), pipe(fst(), snd())),
  );
  const step: T<S, Pair<Pair<Str, List<Str>>, Str>, Pair<Str, List<Str>>> = fanout(pipe(fst(), fst()), keep);
  return pipe(fanout(pipe(snd(), fanout(id<S, Str>(), nil(ty.string))), fst()), fold(step), snd(), reverse());
}
