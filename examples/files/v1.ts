// files v1: a session protocol in the spirit of FTP over one shared file tree.
// Every client has its own working directory; all of them see the same files.
//
//   (7, Connect ())            parse => (7, Connect ())           fs => Silent ()          sessions: 7 => {cwd = "/"}
//   (7, Data "mkdir docs")     parse => (7, Data (Right (Mkdir "docs")))  fs => Reply (Right (Ok ()))  render => Reply "OK"
//   (7, Data "cd docs")        … => Reply "OK"                                         sessions: 7 => {cwd = "/docs"}
//   (8, Connect ()), (8, Data "pwd")   … => Reply "OK /"    (8 has its own working directory)
//   (7, Disconnect ())         fs => Silent ()                                          sessions: 7 gone
//
// Stages (the session convention is compiler/sessions.ts):
//   parse   ();       (Int, <Connect, Data: String, Disconnect>)         -> (Int, <…, Data: Either String CommandV1, …>)
//   fs      StateV1;  (Int, <…, Data: Either String CommandV1, …>)        -> <Reply: Either String FsReply, Silent: ()>
//   render  ();       <Reply: Either String FsReply, Silent: ()>          -> <Reply: String, Silent: ()>
//
// Commands and replies (docs/examples.md has the full table):
//   pwd             OK /docs
//   ls              OK docs/ notes.txt            (entries in name order, directories marked with "/"; an empty directory: OK)
//   cd DIR          OK | ERROR no such directory: DIR      (DIR: a name, a/b, .., /, or /an/absolute/path)
//   mkdir NAME      OK | ERROR already exists: NAME
//   put NAME TEXT   OK | ERROR is a directory: NAME         (TEXT is the rest of the line, spaces kept)
//   get NAME        OK TEXT | ERROR no such file: NAME | ERROR is a directory: NAME

import {
  caseOf,
  constant,
  consume,
  distr,
  type Either,
  erase,
  fanout,
  field,
  first,
  fst,
  get,
  id,
  ifThenElse,
  inject,
  inLeft,
  type Int,
  type List,
  listMap,
  mapDelete,
  mapInsert,
  mapLookup,
  type MapOf,
  mapOf,
  match,
  merge,
  type Pair,
  pipe,
  put,
  record,
  setField,
  snd,
  type Str,
  type T,
  ty,
  type Ty,
  type TypeOf,
  type Unit,
} from '../../compiler/edsl.ts';
import { type P, sm } from '../../compiler/pipeline.ts';
import { mapData, mapReply, onSession, reply, type SessionInput, type SessionOutput, sessionTy, silent } from '../../compiler/sessions.ts';
import { checkedCommand, command, commandLine, concatOf, joinWords, noArgs, nonEmpty, oneWord, restOfLine, text, word } from '../kv/lines.ts';
import { Answer, emptyTree, failWith, FsReply, ok, resolvePath, Tree, type TreeAccess, treeCommands, validName } from './tree.ts';

// ---------------------------------------------------------------------------
// Types.

/** One connection's session: its working directory. */
export const SessionV1 = ty.record({ cwd: ty.string });
export type SessionV1 = TypeOf<typeof SessionV1>;

export const StateV1 = ty.record({ sessions: ty.map(ty.int, SessionV1), tree: Tree });
export type StateV1 = TypeOf<typeof StateV1>;

export const CommandV1 = ty.variant({
  Cd: ty.string,
  Pwd: ty.unit,
  Ls: ty.unit,
  Get: ty.string,
  Put: ty.pair(ty.string, ty.string),
  Mkdir: ty.string,
});
export type CommandV1 = TypeOf<typeof CommandV1>;

export const ParsedV1 = ty.either(ty.string, CommandV1);
export type ParsedV1 = TypeOf<typeof ParsedV1>;

export const Input = sessionTy.input(ty.string);
export const Output = sessionTy.output(ty.string);

// ---------------------------------------------------------------------------
// parse: one line to a command, inside the session item.

/** How to build each v1 command, for a command type that has them all (v1's, or a later one's). */
export interface V1Builders<C> {
  readonly cd: T<Unit, Str, C>;
  readonly pwd: T<Unit, Unit, C>;
  readonly ls: T<Unit, Unit, C>;
  readonly get: T<Unit, Str, C>;
  readonly put: T<Unit, Pair<Str, Str>, C>;
  readonly mkdir: T<Unit, Str, C>;
}

/** A command on one name, refused with `bad name: x` unless the name is valid. */
export const named = <C>(build: T<Unit, Str, C>): T<Unit, Str, Either<Str, C>> => pipe(validName<Unit>(), caseOf(id<Unit, Str>(), build));

/** The v1 command words and their argument parsers. */
export function v1Commands<C>(build: V1Builders<C>, commandType: Ty<C>): Record<string, T<Unit, List<Str>, Either<Str, C>>> {
  // put: check the name, keep the text.
  const putNamed: T<Unit, Pair<Str, Str>, Either<Str, C>> = pipe(
    fanout(snd<Unit, Str, Str>(), pipe(fst<Unit, Str, Str>(), validName())),
    distr<Unit, Str, Either<Str, Str>>(),
    caseOf(snd<Unit, Str, Str>(), pipe(fanout(snd<Unit, Str, Str>(), fst<Unit, Str, Str>()), build.put)),
  );
  return {
    cd: command(oneWord(nonEmpty()), 'cd takes one directory', build.cd),
    pwd: command(noArgs(), 'pwd takes no arguments', build.pwd),
    ls: command(noArgs(), 'ls takes no arguments', build.ls),
    get: checkedCommand(oneWord(nonEmpty()), 'get takes one name', named(build.get), commandType),
    put: checkedCommand(word(nonEmpty(), restOfLine()), 'put needs a name and a text', putNamed, commandType),
    mkdir: checkedCommand(oneWord(nonEmpty()), 'mkdir takes one name', named(build.mkdir), commandType),
  };
}

export const parseLineV1: T<Unit, Str, ParsedV1> = commandLine(
  v1Commands(
    {
      cd: inject('Cd', CommandV1),
      pwd: inject('Pwd', CommandV1),
      ls: inject('Ls', CommandV1),
      get: inject('Get', CommandV1),
      put: inject('Put', CommandV1),
      mkdir: inject('Mkdir', CommandV1),
    },
    CommandV1,
  ),
  CommandV1,
);

export const parseV1: T<Unit, SessionInput<Str>, SessionInput<ParsedV1>> = mapData(parseLineV1, ParsedV1);

// ---------------------------------------------------------------------------
// fs: the tree and the sessions.

type Sessions<Session> = MapOf<Int, Session>;

/** Reading and writing a record state's `sessions` and `tree` fields, for a state of either version. */
export interface StateFields<S, Session> {
  readonly tree: TreeAccess<S>;
  readonly lookupSession: T<S, Int, Either<Unit, Session>>;
  readonly setSession: T<S, Pair<Int, Session>, Unit>;
  readonly dropSession: T<S, Int, Unit>;
}

const fieldsV1 = ((): StateFields<StateV1, SessionV1> => {
  const sessions: T<StateV1, Unit, Sessions<SessionV1>> = pipe(get<StateV1>(), field('sessions'));
  const writeSessions: T<StateV1, Sessions<SessionV1>, Unit> = pipe(fanout(pipe(consume(), get<StateV1>()), id()), setField('sessions'), put());
  return {
    tree: { read: pipe(get<StateV1>(), field('tree')), write: pipe(fanout(pipe(consume(), get<StateV1>()), id<StateV1, Tree>()), setField('tree'), put()) },
    lookupSession: pipe(fanout(pipe(consume(), sessions), id<StateV1, Int>()), mapLookup()),
    setSession: pipe(fanout(pipe(consume(), sessions), id<StateV1, Pair<Int, SessionV1>>()), mapInsert(), writeSessions),
    dropSession: pipe(fanout(pipe(consume(), sessions), id<StateV1, Int>()), mapDelete(), writeSessions),
  };
})();

/**
 * A Data item: a parse error goes back as it is; a command runs with the
 * connection's session. The runtime sends Connect before any Data, so a
 * missing session means the convention was broken: `ERROR no session`.
 */
export function dataHandler<S, Session, C>(
  fields: StateFields<S, Session>,
  run: T<S, Pair<Pair<Int, Session>, C>, Answer>,
): T<S, Pair<Int, Either<Str, C>>, SessionOutput<Answer>> {
  const noSession = constant<S, Pair<Pair<Int, C>, Unit>, Answer>(Answer, { tag: 'Left', value: 'no session' });
  const withSession: T<S, Pair<Int, C>, Answer> = pipe(
    fanout(id<S, Pair<Int, C>>(), pipe(fst<S, Int, C>(), fields.lookupSession)),
    distr<S, Pair<Int, C>, Either<Unit, Session>>(),
    caseOf(noSession, pipe(fanout(fanout(pipe(fst<S, Pair<Int, C>, Session>(), fst()), snd<S, Pair<Int, C>, Session>()), pipe(fst(), snd())), run)),
    merge(),
  );
  return pipe(distr<S, Int, Either<Str, C>>(), caseOf(pipe(snd<S, Int, Str>(), inLeft<S, Str, FsReply>(FsReply)), withSession), merge(), reply(Answer));
}

const tree = treeCommands(fieldsV1.tree);

/** `(ctx, x)` to `(cwd, x)`, for the commands that only need the working directory. */
const withCwd = <X>(): T<StateV1, Pair<Pair<Int, SessionV1>, X>, Pair<Str, X>> => first(pipe(snd<StateV1, Int, SessionV1>(), field('cwd')));

/** cd DIR: moves this session only. */
const cdV1: T<StateV1, Pair<Pair<Int, SessionV1>, Str>, Answer> = pipe(
  fanout(id<StateV1, Pair<Pair<Int, SessionV1>, Str>>(), pipe(withCwd<Str>(), resolvePath())),
  fanout(id<StateV1, Pair<Pair<Pair<Int, SessionV1>, Str>, Str>>(), pipe(snd(), tree.isDirectory)),
  ifThenElse(
    pipe(fanout(pipe(fst(), fst(), fst()), pipe(snd(), record({ cwd: id<StateV1, Str>() }))), fieldsV1.setSession, ok()),
    pipe(fst(), snd(), failWith('no such directory: ')),
  ),
);

/** Every command, given `((id, session), command)`. */
const commandsV1: T<StateV1, Pair<Pair<Int, SessionV1>, CommandV1>, Answer> = pipe(
  distr(),
  match({
    Cd: cdV1,
    Pwd: pipe(withCwd<Unit>(), tree.pwd),
    Ls: pipe(withCwd<Unit>(), tree.ls),
    Get: pipe(withCwd<Str>(), tree.get),
    Put: pipe(withCwd<Pair<Str, Str>>(), tree.put),
    Mkdir: pipe(withCwd<Str>(), tree.mkdir),
  }),
);

export const fsV1: T<StateV1, SessionInput<ParsedV1>, SessionOutput<Answer>> = onSession({
  connect: pipe(fanout(id<StateV1, Int>(), record({ cwd: text<StateV1, Int>('/') })), fieldsV1.setSession, silent(Answer)),
  data: dataHandler(fieldsV1, commandsV1),
  disconnect: pipe(fieldsV1.dropSession, silent(Answer)),
});

// ---------------------------------------------------------------------------
// render: the answer as one line. Shared by every version.

export const renderAnswer: T<Unit, Answer, Str> = pipe(
  caseOf(
    concatOf(text('ERROR '), id()),
    match({
      Ok: text('OK'),
      Text: concatOf(text('OK '), id()),
      Listing: pipe(listMap(match({ Dir: concatOf(id(), text('/')), File: id<Unit, Str>() })), fanout(text('OK'), id()), joinWords()),
    }),
  ),
  merge(),
);

export const render: T<Unit, SessionOutput<Answer>, SessionOutput<Str>> = mapReply(renderAnswer, ty.string);

// ---------------------------------------------------------------------------
// The pipeline.

export const initialStateV1: StateV1 = { sessions: mapOf(ty.int, SessionV1), tree: emptyTree };

export const parseStageV1 = sm('parse', { state: ty.unit, initial: null, input: Input, output: sessionTy.input(ParsedV1) }, parseV1);
export const fsStageV1 = sm('fs', { state: StateV1, initial: initialStateV1, input: sessionTy.input(ParsedV1), output: sessionTy.output(Answer) }, fsV1);
export const renderStage = sm('render', { state: ty.unit, initial: null, input: sessionTy.output(Answer), output: Output }, render);

/** parse >>> fs >>> render: session items of text lines in, replies out. */
export const filesV1: P<SessionInput<Str>, SessionOutput<Str>> = parseStageV1.then(fsStageV1).then(renderStage);

export const parseV1Term = erase(parseV1);
export const fsV1Term = erase(fsV1);
export const renderTerm = erase(render);
