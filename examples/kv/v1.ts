// kv v1: a key-value store over text lines, as a three-stage pipeline.
//
//   "PUT greeting hello world"
//     parse   ();              String             -> Either String Command   Right (Put ("greeting","hello world"))
//     store   Map String String; Either String Command -> Either String Reply  Right (Ok ())      state: greeting => hello world
//     render  ();              Either String Reply -> String                  "OK"
//
// The stages have different jobs and different state: parse and render are
// stateless text codecs, store alone holds the data. Split this way, each can
// be upgraded on its own (a friendlier error text is a render upgrade, and the
// store never restarts), and an upgrade that changes the command type changes
// parse and store together (see v2.ts). A parse error is `Left message`: store
// passes it through untouched and render prints `ERROR message`.
//
// Commands and replies (docs/examples.md has the full table):
//   GET k             VALUE v | NOT_FOUND
//   PUT k v           OK                   (v is the rest of the line, spaces kept)
//   DELETE k          OK | NOT_FOUND
//   CAS k old new     OK | NOT_FOUND | CAS_FAILED current   (old is one word; new is the rest of the line)
//   SIZE              SIZE n
//   KEYS [prefix]     KEYS k1 k2 …         (ascending; all keys without a prefix)
//   anything else     ERROR unknown command "FOO" | ERROR <usage>

import {
  type Bool,
  bool,
  caseOf,
  consume,
  distr,
  type Either,
  equal,
  erase,
  fanout,
  field,
  fst,
  get,
  id,
  ifThenElse,
  inject,
  type List,
  type MapOf,
  mapDelete,
  mapInsert,
  mapKeys,
  mapLookup,
  mapOf,
  mapSize,
  match,
  merge,
  type Pair,
  pipe,
  put,
  record,
  showInt,
  snd,
  type Str,
  type T,
  ty,
  type TypeOf,
  type Unit,
} from '../../compiler/edsl.ts';
import { type P, sm } from '../../compiler/pipeline.ts';
import { anyWord, command, commandLine, concatOf, joinWords, nonEmpty, noArgs, oneWord, optional, restOfLine, text, withPrefix, word } from './lines.ts';

// ---------------------------------------------------------------------------
// Types.

/** The store's state: key => value. */
export const StateV1 = ty.map(ty.string, ty.string);
export type StateV1 = TypeOf<typeof StateV1>;

/** CAS's arguments. */
export const CasArgs = ty.record({ key: ty.string, expected: ty.string, value: ty.string });
export type CasArgs = TypeOf<typeof CasArgs>;

export const CommandV1 = ty.variant({
  Get: ty.string,
  Put: ty.pair(ty.string, ty.string),
  Delete: ty.string,
  Cas: CasArgs,
  Size: ty.unit,
  Keys: ty.string,
});
export type CommandV1 = TypeOf<typeof CommandV1>;

/** What parse gives: `Left error` or `Right command`. */
export const ParsedV1 = ty.either(ty.string, CommandV1);
export type ParsedV1 = TypeOf<typeof ParsedV1>;

/**
 * The store's replies. `Number` is a labelled number (`SIZE 3`), so a later
 * version can answer a new numeric command without a new render stage.
 */
export const Reply = ty.variant({
  Ok: ty.unit,
  Value: ty.string,
  NotFound: ty.unit,
  Number: ty.pair(ty.string, ty.int),
  Keys: ty.list(ty.string),
  CasFailed: ty.string,
});
export type Reply = TypeOf<typeof Reply>;

/** What store gives: a parse error passed through, or a reply. */
export const Answer = ty.either(ty.string, Reply);
export type Answer = TypeOf<typeof Answer>;

// ---------------------------------------------------------------------------
// parse: String -> Either String Command (no state).

/** How to build each v1 command, for a command type that has them all (v1's, or a later one's). */
export interface V1Builders<C> {
  readonly get: T<Unit, Str, C>;
  readonly put: T<Unit, Pair<Str, Str>, C>;
  readonly delete: T<Unit, Str, C>;
  readonly cas: T<Unit, CasArgs, C>;
  readonly size: T<Unit, Unit, C>;
  readonly keys: T<Unit, Str, C>;
}

/** A key is one non-empty word (so keys never hold spaces, and `KEYS a b c` is unambiguous). */
export const isKey = nonEmpty<Unit>();

/** The v1 command words and their argument parsers. */
export function v1Commands<C>(build: V1Builders<C>): Record<string, T<Unit, List<Str>, Either<Str, C>>> {
  const casArgs: T<Unit, Pair<Str, Pair<Str, Str>>, CasArgs> = record({
    key: fst<Unit, Str, Pair<Str, Str>>(),
    expected: pipe(snd<Unit, Str, Pair<Str, Str>>(), fst()),
    value: pipe(snd<Unit, Str, Pair<Str, Str>>(), snd()),
  });
  return {
    GET: command(oneWord(isKey), 'GET takes one key', build.get),
    PUT: command(word(isKey, restOfLine()), 'PUT needs a key and a value', build.put),
    DELETE: command(oneWord(isKey), 'DELETE takes one key', build.delete),
    CAS: command(word(isKey, word(anyWord<Unit>(), restOfLine())), 'CAS needs a key, an expected value and a new value', pipe(casArgs, build.cas)),
    SIZE: command(noArgs(), 'SIZE takes no arguments', build.size),
    KEYS: command(optional(oneWord(anyWord<Unit>()), text('')), 'KEYS takes at most one prefix', build.keys),
  };
}

export const parseV1: T<Unit, Str, ParsedV1> = commandLine(
  v1Commands<CommandV1>({
    get: inject('Get', CommandV1),
    put: inject('Put', CommandV1),
    delete: inject('Delete', CommandV1),
    cas: inject('Cas', CommandV1),
    size: inject('Size', CommandV1),
    keys: inject('Keys', CommandV1),
  }),
  CommandV1,
);

// ---------------------------------------------------------------------------
// store: the data. Pieces generic in the value type V are shared with v2.

type Store<V> = MapOf<Str, V>;

/** The stored value of a key, `Left ()` when absent. */
export const lookupKey = <V>(): T<Store<V>, Str, Either<Unit, V>> => pipe(fanout(pipe(consume(), get()), id()), mapLookup());
/** Stores `(key, value)`. */
export const insertKey = <V>(): T<Store<V>, Pair<Str, V>, Unit> => pipe(fanout(pipe(consume(), get()), id()), mapInsert(), put());
/** Removes a key. */
export const deleteKey = <V>(): T<Store<V>, Str, Unit> => pipe(fanout(pipe(consume(), get()), id()), mapDelete(), put());

/** `Ok ()` or `NotFound ()`, whatever the input. */
export const unitReply = <S, A>(name: 'Ok' | 'NotFound'): T<S, A, Reply> => pipe(consume(), inject(name, Reply));

/** GET k: `Value v` or `NotFound`; `valueText` reads the text out of a stored value. */
export const getCommand = <V>(valueText: T<Store<V>, V, Str>): T<Store<V>, Str, Reply> =>
  pipe(lookupKey<V>(), caseOf(unitReply<Store<V>, Unit>('NotFound'), pipe(valueText, inject('Value', Reply))), merge());

/** Is the key there? */
export const hasKey = <V>(): T<Store<V>, Str, Bool> => pipe(lookupKey<V>(), caseOf(bool<Store<V>, Unit>(false), bool<Store<V>, V>(true)), merge());

/** DELETE k: `Ok` when it was there, `NotFound` otherwise. */
export const deleteCommand = <V>(): T<Store<V>, Str, Reply> =>
  pipe(fanout(id<Store<V>, Str>(), hasKey<V>()), ifThenElse(pipe(deleteKey<V>(), unitReply<Store<V>, Unit>('Ok')), unitReply<Store<V>, Str>('NotFound')));

/** SIZE: `Number ("SIZE", n)`. */
export const sizeCommand = <V>(): T<Store<V>, Unit, Reply> => pipe(get<Store<V>>(), mapSize(), fanout(text('SIZE'), id()), inject('Number', Reply));

/** KEYS prefix: `Keys [k…]`, ascending. */
export const keysCommand = <V>(): T<Store<V>, Str, Reply> =>
  pipe(fanout(pipe(consume(), get<Store<V>>(), mapKeys()), id<Store<V>, Str>()), withPrefix(), inject('Keys', Reply));

/** CAS in v1: swap when the current value is the expected one. */
const casV1: T<StateV1, CasArgs, Reply> = pipe(
  fanout(id<StateV1, CasArgs>(), pipe(field<StateV1, CasArgs, 'key'>('key'), lookupKey<Str>())),
  distr<StateV1, CasArgs, Either<Unit, Str>>(),
  caseOf(
    unitReply<StateV1, Pair<CasArgs, Unit>>('NotFound'),
    pipe(
      fanout(id<StateV1, Pair<CasArgs, Str>>(), pipe(fanout(pipe(fst(), field<StateV1, CasArgs, 'expected'>('expected')), snd()), equal())),
      ifThenElse(
        pipe(fst(), fanout(field<StateV1, CasArgs, 'key'>('key'), field<StateV1, CasArgs, 'value'>('value')), insertKey<Str>(), unitReply<StateV1, Unit>('Ok')),
        pipe(snd(), inject('CasFailed', Reply)),
      ),
    ),
  ),
  merge(),
);

/** The store on commands. */
export const storeV1Core: T<StateV1, CommandV1, Reply> = match({
  Get: getCommand<Str>(id()),
  Put: pipe(insertKey<Str>(), unitReply<StateV1, Unit>('Ok')),
  Delete: deleteCommand<Str>(),
  Cas: casV1,
  Size: sizeCommand<Str>(),
  Keys: keysCommand<Str>(),
});

/** Parse errors pass through untouched. */
export const storeV1: T<StateV1, ParsedV1, Answer> = caseOf(id(), storeV1Core);

// ---------------------------------------------------------------------------
// render: Either String Reply -> String (no state).

export const renderReply: T<Unit, Reply, Str> = match({
  Ok: text('OK'),
  Value: concatOf(text('VALUE '), id()),
  NotFound: text('NOT_FOUND'),
  Number: concatOf(fst(), text(' '), pipe(snd(), showInt())),
  Keys: pipe(fanout(text('KEYS'), id()), joinWords()),
  CasFailed: concatOf(text('CAS_FAILED '), id()),
});

export const render: T<Unit, Answer, Str> = pipe(caseOf(concatOf(text('ERROR '), id()), renderReply), merge());

// ---------------------------------------------------------------------------
// The pipeline.

export const emptyStoreV1: StateV1 = mapOf(ty.string, ty.string);

export const parseStageV1 = sm('parse', { state: ty.unit, initial: null, input: ty.string, output: ParsedV1 }, parseV1);
export const storeStageV1 = sm('store', { state: StateV1, initial: emptyStoreV1, input: ParsedV1, output: Answer }, storeV1);
export const renderStage = sm('render', { state: ty.unit, initial: null, input: Answer, output: ty.string }, render);

/** parse >>> store >>> render: text lines in, text lines out. */
export const kvV1: P<Str, Str> = parseStageV1.then(storeStageV1).then(renderStage);

export const parseV1Term = erase(parseV1);
export const storeV1Term = erase(storeV1);
export const renderTerm = erase(render);
