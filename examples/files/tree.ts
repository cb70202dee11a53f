// The shared file tree of the files example, and the commands that work on it
// relative to a working directory. Sessions live elsewhere (v1.ts, v2.ts):
// these terms only need to read and write the tree, so they are generic in the
// state type and reused unchanged by every version.
//
//   tree  Map String (Map String <Dir: (), File: String>)
//         "/"     => {docs: Dir (), readme: File "hi"}
//         "/docs" => {}
//   get   on ("/", "readme")  =>  Right (Text "hi")
//   ls    on ("/", ())        =>  Right (Listing [Dir "docs", File "readme"])
//   put   on ("/docs", ("a", "x y"))  =>  Right (Ok ()), tree: "/docs" => {a: File "x y"}
//
// Every directory is a key of the tree (its absolute path, "/" for the root)
// whose value holds its entries by name, so a directory's listing is one
// lookup, and `cd` checks a path with one lookup. A file's name is one path
// component: not empty, no "/", not "." or "..".

import {
  type Bool,
  bool,
  caseOf,
  consume,
  distr,
  type Either,
  fanout,
  fst,
  id,
  ifThenElse,
  inject,
  inLeft,
  inRight,
  type List,
  listMap,
  mapEmpty,
  mapInsert,
  mapDelete,
  mapLookup,
  mapOf,
  mapToList,
  match,
  merge,
  nil,
  type Pair,
  pipe,
  reverse,
  second,
  snd,
  split,
  type Str,
  type T,
  ty,
  type TypeOf,
  uncons,
  type Unit,
} from '../../compiler/edsl.ts';
import { anyOf, concatOf, contains, isText, joinWith, startsWith, text } from '../kv/lines.ts';

// ---------------------------------------------------------------------------
// Types.

/** What a name in a directory is. */
export const Entry = ty.variant({ Dir: ty.unit, File: ty.string });
export type Entry = TypeOf<typeof Entry>;

/** A directory's entries by name. */
export const Directory = ty.map(ty.string, Entry);
export type Directory = TypeOf<typeof Directory>;

/** Every directory by absolute path. */
export const Tree = ty.map(ty.string, Directory);
export type Tree = TypeOf<typeof Tree>;

/** One line of a listing. */
export const Listed = ty.variant({ Dir: ty.string, File: ty.string });
export type Listed = TypeOf<typeof Listed>;

export const FsReply = ty.variant({ Ok: ty.unit, Text: ty.string, Listing: ty.list(Listed) });
export type FsReply = TypeOf<typeof FsReply>;

/** `Left error` (from parsing or from the tree) or `Right reply`. */
export const Answer = ty.either(ty.string, FsReply);
export type Answer = TypeOf<typeof Answer>;

/** A tree with only the root, empty. */
export const emptyTree: Tree = mapOf(ty.string, Directory, [['/', mapOf(ty.string, Entry)]]);

// ---------------------------------------------------------------------------
// Answers.

/** `Left (prefix ++ x)`. */
export const failWith = <S>(prefix: string): T<S, Str, Answer> => pipe(concatOf(text<S, Str>(prefix), id<S, Str>()), inLeft<S, Str, FsReply>(FsReply));
export const ok = <S, A>(): T<S, A, Answer> => pipe(consume<S, A>(), inject('Ok', FsReply), inRight<S, Str, FsReply>(ty.string));
const answer = <S>(): T<S, FsReply, Answer> => inRight<S, Str, FsReply>(ty.string);

// ---------------------------------------------------------------------------
// Paths (no state).

/** A file or directory name: not empty, no "/", not "." or "..". `Left "bad name: x"` otherwise. */
export const validName = <S>(): T<S, Str, Either<Str, Str>> =>
  pipe(
    fanout(id<S, Str>(), anyOf(isText<S>(''), isText('.'), isText('..'), contains('/'))),
    ifThenElse(pipe(concatOf(text<S, Str>('bad name: '), id<S, Str>()), inLeft<S, Str, Str>(ty.string)), inRight<S, Str, Str>(ty.string)),
  );

/** `(dir, name)`: the path of name inside dir. */
export const childPath = <S>(): T<S, Pair<Str, Str>, Str> =>
  pipe(
    fanout(id<S, Pair<Str, Str>>(), pipe(fst<S, Str, Str>(), isText('/'))),
    ifThenElse(concatOf(text('/'), snd<S, Str, Str>()), concatOf(fst<S, Str, Str>(), text('/'), snd<S, Str, Str>())),
  );

/** The directory above a path; the root is its own parent. */
export const parentPath = <S>(): T<S, Str, Str> => {
  // "/a/b" splits into ["", "a", "b"]: drop the last part and join the rest with "/".
  const dropLast: T<S, List<Str>, List<Str>> = pipe(reverse(), uncons(), caseOf(nil<S, Unit, Str>(ty.string), pipe(snd<S, Str, List<Str>>(), reverse())), merge());
  const joined: T<S, List<Str>, Str> = pipe(uncons(), caseOf(text<S, Unit>(''), joinWith('/')), merge());
  return pipe(fanout(id<S, Str>(), text('/')), split(), dropLast, joined, fanout(id<S, Str>(), isText('')), ifThenElse(text('/'), id()));
};

/** `(cwd, dir)`: the absolute path `cd dir` means: `..` the parent, `/…` as is, anything else inside cwd. */
export const resolvePath = <S>(): T<S, Pair<Str, Str>, Str> =>
  pipe(
    fanout(id<S, Pair<Str, Str>>(), pipe(snd<S, Str, Str>(), isText('..'))),
    ifThenElse(
      pipe(fst(), parentPath()),
      pipe(fanout(id<S, Pair<Str, Str>>(), pipe(fanout(snd<S, Str, Str>(), text('/')), startsWith())), ifThenElse(snd(), childPath())),
    ),
  );

// ---------------------------------------------------------------------------
// The tree in a state S.

/** How a state holds its tree. */
export interface TreeAccess<S> {
  readonly read: T<S, Unit, Tree>;
  readonly write: T<S, Tree, Unit>;
}

const isRight = <S, A, B>(): T<S, Either<A, B>, Bool> => pipe(caseOf(bool<S, A>(false), bool<S, B>(true)), merge());

/** The commands on the tree, each `(cwd, arguments) -> Answer`, and a test for directories. */
export interface TreeCommands<S> {
  readonly isDirectory: T<S, Str, Bool>;
  readonly pwd: T<S, Pair<Str, Unit>, Answer>;
  readonly ls: T<S, Pair<Str, Unit>, Answer>;
  readonly get: T<S, Pair<Str, Str>, Answer>;
  readonly put: T<S, Pair<Str, Pair<Str, Str>>, Answer>;
  readonly mkdir: T<S, Pair<Str, Str>, Answer>;
  /** Removes a file (not a directory). */
  readonly rm: T<S, Pair<Str, Str>, Answer>;
}

export function treeCommands<S>(tree: TreeAccess<S>): TreeCommands<S> {
  /** Is there a directory at this path? */
  const isDirectory: T<S, Str, Bool> = pipe(fanout(pipe(consume(), tree.read), id<S, Str>()), mapLookup(), isRight());

  // A working directory is never removed, so a missing one only reads as empty.
  const directory: T<S, Str, Directory> = pipe(
    fanout(pipe(consume(), tree.read), id<S, Str>()),
    mapLookup(),
    caseOf(mapEmpty<S, Unit, Str, Entry>(ty.string, Entry), id<S, Directory>()),
    merge(),
  );

  /** `(cwd, name)`: the entry of that name in cwd. */
  const entry: T<S, Pair<Str, Str>, Either<Unit, Entry>> = pipe(fanout(pipe(fst<S, Str, Str>(), directory), snd<S, Str, Str>()), mapLookup());

  /** `(path, directory)`: stores a whole directory. */
  const storeDirectory: T<S, Pair<Str, Directory>, Unit> = pipe(fanout(pipe(consume(), tree.read), id<S, Pair<Str, Directory>>()), mapInsert(), tree.write);

  /** `(cwd, (name, entry))`: sets one entry of cwd. */
  const setEntry: T<S, Pair<Str, Pair<Str, Entry>>, Unit> = pipe(
    fanout(fst<S, Str, Pair<Str, Entry>>(), pipe(fanout(pipe(fst<S, Str, Pair<Str, Entry>>(), directory), snd<S, Str, Pair<Str, Entry>>()), mapInsert())),
    storeDirectory,
  );

  /** `(cwd, name)`: removes one entry of cwd. */
  const removeEntry: T<S, Pair<Str, Str>, Unit> = pipe(fanout(fst<S, Str, Str>(), pipe(fanout(pipe(fst<S, Str, Str>(), directory), snd<S, Str, Str>()), mapDelete())), storeDirectory);

  const listing: T<S, Directory, Answer> = pipe(
    mapToList(),
    listMap(pipe(distr<S, Str, Entry>(), match({ Dir: pipe(fst<S, Str, Unit>(), inject('Dir', Listed)), File: pipe(fst<S, Str, Str>(), inject('File', Listed)) }))),
    inject('Listing', FsReply),
    answer(),
  );

  /** `(cwd, name)`: is name a directory in cwd? */
  const isDirEntry: T<S, Pair<Str, Str>, Bool> = pipe(entry, caseOf(bool<S, Unit>(false), match({ Dir: bool<S, Unit>(true), File: bool<S, Str>(false) })), merge());

  const pwd: T<S, Pair<Str, Unit>, Answer> = pipe(fst<S, Str, Unit>(), inject('Text', FsReply), answer());

  const ls: T<S, Pair<Str, Unit>, Answer> = pipe(fst<S, Str, Unit>(), directory, listing);

  const get: T<S, Pair<Str, Str>, Answer> = pipe(
    fanout(snd<S, Str, Str>(), entry),
    distr<S, Str, Either<Unit, Entry>>(),
    caseOf(
      pipe(fst<S, Str, Unit>(), failWith('no such file: ')),
      pipe(distr<S, Str, Entry>(), match({ Dir: pipe(fst<S, Str, Unit>(), failWith('is a directory: ')), File: pipe(snd<S, Str, Str>(), inject('Text', FsReply), answer()) })),
    ),
    merge(),
  );

  const put: T<S, Pair<Str, Pair<Str, Str>>, Answer> = pipe(
    fanout(id<S, Pair<Str, Pair<Str, Str>>>(), pipe(fanout(fst<S, Str, Pair<Str, Str>>(), pipe(snd<S, Str, Pair<Str, Str>>(), fst())), isDirEntry)),
    ifThenElse(
      pipe(snd<S, Str, Pair<Str, Str>>(), fst(), failWith('is a directory: ')),
      pipe(second<S, Str, Pair<Str, Str>, Pair<Str, Entry>>(second(inject('File', Entry))), setEntry, ok()),
    ),
  );

  const mkdir: T<S, Pair<Str, Str>, Answer> = pipe(
    fanout(id<S, Pair<Str, Str>>(), pipe(entry, isRight())),
    ifThenElse(
      pipe(snd<S, Str, Str>(), failWith('already exists: ')),
      pipe(
        fanout(
          pipe(second<S, Str, Str, Pair<Str, Entry>>(fanout(id<S, Str>(), pipe(consume(), inject('Dir', Entry)))), setEntry),
          pipe(fanout(childPath<S>(), mapEmpty<S, Pair<Str, Str>, Str, Entry>(ty.string, Entry)), storeDirectory),
        ),
        ok(),
      ),
    ),
  );

  const rm: T<S, Pair<Str, Str>, Answer> = pipe(
    fanout(id<S, Pair<Str, Str>>(), entry),
    distr<S, Pair<Str, Str>, Either<Unit, Entry>>(),
    caseOf(
      pipe(fst<S, Pair<Str, Str>, Unit>(), snd(), failWith('no such file: ')),
      pipe(
        distr<S, Pair<Str, Str>, Entry>(),
        match({ Dir: pipe(fst<S, Pair<Str, Str>, Unit>(), snd(), failWith('is a directory: ')), File: pipe(fst<S, Pair<Str, Str>, Str>(), removeEntry, ok()) }),
      ),
    ),
    merge(),
  );

  return { isDirectory, pwd, ls, get, put, mkdir, rm };
}
