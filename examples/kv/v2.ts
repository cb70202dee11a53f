// kv v2: every entry carries a version; PUT and CAS bump it; `VERSION k` reads it.
//
//   "VERSION greeting"
//     parse   ();                             String               -> Either String CommandV2   Right (Version "greeting")
//     store   Map String {value, version};    Either String CommandV2 -> Either String Reply    Right (Number ("VERSION",2))
//     render  (unchanged from v1)                                                                "VERSION 2"
//
// The upgrade from v1 changes two stages at once, because the command type
// between them changes: parse learns VERSION and produces CommandV2, and store
// takes CommandV2 with a new state type. Neither half works with the other's
// old version, so both are swapped between the same two items. The reply type
// is unchanged (`VERSION n` is a labelled `Number`, like `SIZE n`), so render
// stays as it is. Every v1 command keeps its v1 reply.
//
// Migrations (terms `(); old state -> new state`, run once at the upgrade):
//   parse:  Id on ()
//   store:  MapToList >>> ListMap (Second {value = Id, version = 1}) >>> MapFromList
//           every existing entry becomes version 1, as if it had just been PUT;
//           its inverse (for a rollback) keeps each value and drops the version.

import {
  caseOf,
  consume,
  distr,
  type Either,
  equal,
  erase,
  fanout,
  field,
  fst,
  id,
  ifThenElse,
  incr,
  inject,
  int,
  listMap,
  mapFromList,
  type MapOf,
  mapOf,
  mapToList,
  match,
  merge,
  type Pair,
  pipe,
  record,
  second,
  snd,
  type Str,
  type T,
  ty,
  type TypeOf,
  type Unit,
} from '../../compiler/edsl.ts';
import { type P, sm } from '../../compiler/pipeline.ts';
import type { UpgradeRequest } from '../../compiler/upgrade.ts';
import { command, commandLine, oneWord, text } from './lines.ts';
import {
  Answer,
  CasArgs,
  deleteCommand,
  getCommand,
  insertKey,
  isKey,
  keysCommand,
  lookupKey,
  renderStage,
  Reply,
  unitReply,
  sizeCommand,
  StateV1,
  v1Commands,
} from './v1.ts';

// ---------------------------------------------------------------------------
// Types.

export const Entry = ty.record({ value: ty.string, version: ty.int });
export type Entry = TypeOf<typeof Entry>;

/** The store's state in v2: key => {value, version}. */
export const StateV2 = ty.map(ty.string, Entry);
export type StateV2 = TypeOf<typeof StateV2>;

export const CommandV2 = ty.variant({
  Get: ty.string,
  Put: ty.pair(ty.string, ty.string),
  Delete: ty.string,
  Cas: CasArgs,
  Size: ty.unit,
  Keys: ty.string,
  Version: ty.string,
});
export type CommandV2 = TypeOf<typeof CommandV2>;

export const ParsedV2 = ty.either(ty.string, CommandV2);
export type ParsedV2 = TypeOf<typeof ParsedV2>;

// ---------------------------------------------------------------------------
// parse v2: the v1 commands, now building CommandV2, plus VERSION.

export const parseV2: T<Unit, Str, ParsedV2> = commandLine(
  {
    ...v1Commands<CommandV2>({
      get: inject('Get', CommandV2),
      put: inject('Put', CommandV2),
      delete: inject('Delete', CommandV2),
      cas: inject('Cas', CommandV2),
      size: inject('Size', CommandV2),
      keys: inject('Keys', CommandV2),
    }),
    VERSION: command(oneWord(isKey), 'VERSION takes one key', inject('Version', CommandV2)),
  },
  CommandV2,
);

// ---------------------------------------------------------------------------
// store v2.

type Store = MapOf<Str, Entry>;

/** The version a write of this key gets: 1 for a new key, one more than the stored version otherwise. */
const nextVersion: T<Store, Str, bigint> = pipe(
  lookupKey<Entry>(),
  caseOf(pipe(consume<Store, Unit>(), int<Store>(1)), pipe(field<Store, Entry, 'version'>('version'), incr())),
  merge(),
);

/** PUT k v: stores v at the next version. */
const putV2: T<Store, Pair<Str, Str>, Reply> = pipe(
  fanout(id<Store, Pair<Str, Str>>(), pipe(fst<Store, Str, Str>(), nextVersion)),
  fanout(pipe(fst(), fst()), record({ value: pipe(fst<Store, Pair<Str, Str>, bigint>(), snd()), version: snd<Store, Pair<Str, Str>, bigint>() })),
  insertKey<Entry>(),
  unitReply<Store, Unit>('Ok'),
);

/** CAS k old new: compares with the stored value; on success stores new at the next version. */
const casV2: T<Store, CasArgs, Reply> = pipe(
  fanout(id<Store, CasArgs>(), pipe(field<Store, CasArgs, 'key'>('key'), lookupKey<Entry>())),
  distr<Store, CasArgs, Either<Unit, Entry>>(),
  caseOf(
    unitReply<Store, Pair<CasArgs, Unit>>('NotFound'),
    pipe(
      fanout(
        id<Store, Pair<CasArgs, Entry>>(),
        pipe(fanout(pipe(fst(), field<Store, CasArgs, 'expected'>('expected')), pipe(snd(), field<Store, Entry, 'value'>('value'))), equal()),
      ),
      ifThenElse(
        pipe(
          fanout(
            pipe(fst(), field<Store, CasArgs, 'key'>('key')),
            record({
              value: pipe(fst<Store, CasArgs, Entry>(), field<Store, CasArgs, 'value'>('value')),
              version: pipe(snd<Store, CasArgs, Entry>(), field<Store, Entry, 'version'>('version'), incr()),
            }),
          ),
          insertKey<Entry>(),
          unitReply<Store, Unit>('Ok'),
        ),
        pipe(snd(), field<Store, Entry, 'value'>('value'), inject('CasFailed', Reply)),
      ),
    ),
  ),
  merge(),
);

/** VERSION k: `Number ("VERSION", n)` or `NotFound`. */
const versionV2: T<Store, Str, Reply> = pipe(
  lookupKey<Entry>(),
  caseOf(
    unitReply<Store, Unit>('NotFound'),
    pipe(field<Store, Entry, 'version'>('version'), fanout(text<Store, bigint>('VERSION'), id<Store, bigint>()), inject('Number', Reply)),
  ),
  merge(),
);

export const storeV2Core: T<StateV2, CommandV2, Reply> = match({
  Get: getCommand<Entry>(field('value')),
  Put: putV2,
  Delete: deleteCommand<Entry>(),
  Cas: casV2,
  Size: sizeCommand<Entry>(),
  Keys: keysCommand<Entry>(),
  Version: versionV2,
});

export const storeV2: T<StateV2, ParsedV2, Answer> = caseOf(id(), storeV2Core);

// ---------------------------------------------------------------------------
// Migrations.

/** Store state v1 to v2: every entry, in one pass, becomes version 1. One fuel step per entry. */
export const storeMigrationV1toV2: T<Unit, StateV1, StateV2> = pipe(
  mapToList<Unit, Str, Str>(),
  listMap(second<Unit, Str, Str, Entry>(record({ value: id<Unit, Str>(), version: pipe(consume<Unit, Str>(), int<Unit>(1)) }))),
  mapFromList(),
);

/** parse has no state: its migration is the identity on (). */
export const parseMigrationV1toV2: T<Unit, Unit, Unit> = id();

// ---------------------------------------------------------------------------
// The pipeline and the upgrade.

export const emptyStoreV2: StateV2 = mapOf(ty.string, Entry);

export const parseStageV2 = sm('parse', { state: ty.unit, initial: null, input: ty.string, output: ParsedV2 }, parseV2);
export const storeStageV2 = sm('store', { state: StateV2, initial: emptyStoreV2, input: ParsedV2, output: Answer }, storeV2);

/** v2 deployed from scratch: parse >>> store >>> render, render unchanged. */
export const kvV2: P<Str, Str> = parseStageV2.then(storeStageV2).then(renderStage);

export const parseV2Term = erase(parseV2);
export const storeV2Term = erase(storeV2);
export const storeMigrationV1toV2Term = erase(storeMigrationV1toV2);
export const parseMigrationV1toV2Term = erase(parseMigrationV1toV2);

/** Store state v2 back to v1, for a rollback: every entry keeps its value and loses its version. */
export const storeMigrationV2toV1: T<Unit, StateV2, StateV1> = pipe(
  mapToList<Unit, Str, Entry>(),
  listMap(second<Unit, Str, Entry, Str>(field('value'))),
  mapFromList(),
);
export const storeMigrationV2toV1Term = erase(storeMigrationV2toV1);

/**
 * The upgrade v1 => v2 as one request: both stages change in the same cut,
 * since parse v2's output is store v2's input. Each carries its inverse, so
 * the upgrade can be rolled back (the versions are then lost).
 */
export const upgradeV1toV2: UpgradeRequest = {
  stages: [
    {
      stage: 'parse',
      oldState: ty.unit.type,
      newState: ty.unit.type,
      newInput: ty.string.type,
      newOutput: ParsedV2.type,
      newStateMachine: parseV2Term,
      stateMigration: parseMigrationV1toV2Term,
      inverseMigration: parseMigrationV1toV2Term,
    },
    {
      stage: 'store',
      oldState: StateV1.type,
      newState: StateV2.type,
      newInput: ParsedV2.type,
      newOutput: Answer.type,
      newStateMachine: storeV2Term,
      stateMigration: storeMigrationV1toV2Term,
      inverseMigration: storeMigrationV2toV1Term,
    },
  ],
};
