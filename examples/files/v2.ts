// files v2: `rm NAME` removes a file, and `cd -` returns to the directory a
// session was in before its last successful cd, so every session now also
// remembers its previous directory.
//
//   (7, Data "cd docs")   => Reply "OK"     session 7: {cwd = "/docs", previous = "/"}
//   (7, Data "cd -")      => Reply "OK"     session 7: {cwd = "/", previous = "/docs"}
//   (7, Data "rm a.txt")  => Reply "OK"     the file is gone for every session
//
// The upgrade from v1 changes parse (a new command) and fs (the new command and
// a new state type) in one cut; render is unchanged, since the reply type is.
// Its migration runs over every live session, so clients connected across the
// upgrade keep their working directory and carry on:
//   fs:     {sessions = MapToList >>> ListMap (Second {cwd = cwd, previous = cwd}) >>> MapFromList, tree = tree}
//   parse:  Id on ()
// The inverse (for a rollback) drops `previous` from every session.

import {
  consume,
  distr,
  erase,
  fanout,
  field,
  first,
  fst,
  get,
  id,
  ifThenElse,
  inject,
  type Int,
  listMap,
  mapDelete,
  mapFromList,
  mapInsert,
  mapLookup,
  type MapOf,
  mapOf,
  mapToList,
  match,
  pipe,
  put,
  record,
  second,
  setField,
  snd,
  type Pair,
  type Str,
  type T,
  ty,
  type TypeOf,
  type Unit,
} from '../../compiler/edsl.ts';
import { type P, sm } from '../../compiler/pipeline.ts';
import { mapData, onSession, type SessionInput, type SessionOutput, sessionTy, silent } from '../../compiler/sessions.ts';
import type { UpgradeRequest } from '../../compiler/upgrade.ts';
import { checkedCommand, commandLine, isText, nonEmpty, oneWord, text } from '../kv/lines.ts';
import { Answer, emptyTree, failWith, ok, resolvePath, Tree, treeCommands } from './tree.ts';
import { dataHandler, Input, named, renderStage, type StateFields, StateV1, v1Commands } from './v1.ts';

// ---------------------------------------------------------------------------
// Types.

/** A session remembers where it was before its last cd. */
export const SessionV2 = ty.record({ cwd: ty.string, previous: ty.string });
export type SessionV2 = TypeOf<typeof SessionV2>;

export const StateV2 = ty.record({ sessions: ty.map(ty.int, SessionV2), tree: Tree });
export type StateV2 = TypeOf<typeof StateV2>;

export const CommandV2 = ty.variant({
  Cd: ty.string,
  Pwd: ty.unit,
  Ls: ty.unit,
  Get: ty.string,
  Put: ty.pair(ty.string, ty.string),
  Mkdir: ty.string,
  Rm: ty.string,
});
export type CommandV2 = TypeOf<typeof CommandV2>;

export const ParsedV2 = ty.either(ty.string, CommandV2);
export type ParsedV2 = TypeOf<typeof ParsedV2>;

// ---------------------------------------------------------------------------
// parse v2: the v1 commands, now building CommandV2, plus rm.

export const parseLineV2: T<Unit, Str, ParsedV2> = commandLine(
  {
    ...v1Commands(
      {
        cd: inject('Cd', CommandV2),
        pwd: inject('Pwd', CommandV2),
        ls: inject('Ls', CommandV2),
        get: inject('Get', CommandV2),
        put: inject('Put', CommandV2),
        mkdir: inject('Mkdir', CommandV2),
      },
      CommandV2,
    ),
    rm: checkedCommand(oneWord(nonEmpty()), 'rm takes one name', named(inject('Rm', CommandV2)), CommandV2),
  },
  CommandV2,
);

export const parseV2: T<Unit, SessionInput<Str>, SessionInput<ParsedV2>> = mapData(parseLineV2, ParsedV2);

// ---------------------------------------------------------------------------
// fs v2.

type Ctx = Pair<Int, SessionV2>;

const fieldsV2 = ((): StateFields<StateV2, SessionV2> => {
  const sessions: T<StateV2, Unit, MapOf<Int, SessionV2>> = pipe(get<StateV2>(), field('sessions'));
  const writeSessions: T<StateV2, MapOf<Int, SessionV2>, Unit> = pipe(fanout(pipe(consume(), get<StateV2>()), id()), setField('sessions'), put());
  return {
    tree: { read: pipe(get<StateV2>(), field('tree')), write: pipe(fanout(pipe(consume(), get<StateV2>()), id<StateV2, Tree>()), setField('tree'), put()) },
    lookupSession: pipe(fanout(pipe(consume(), sessions), id<StateV2, Int>()), mapLookup()),
    setSession: pipe(fanout(pipe(consume(), sessions), id<StateV2, Pair<Int, SessionV2>>()), mapInsert(), writeSessions),
    dropSession: pipe(fanout(pipe(consume(), sessions), id<StateV2, Int>()), mapDelete(), writeSessions),
  };
})();

const tree = treeCommands(fieldsV2.tree);

const withCwd = <X>(): T<StateV2, Pair<Ctx, X>, Pair<Str, X>> => first(pipe(snd<StateV2, Int, SessionV2>(), field('cwd')));

/** `(ctx, dir)`: where `cd dir` goes: the previous directory for "-", else as in v1. */
const cdTarget: T<StateV2, Pair<Ctx, Str>, Str> = pipe(
  fanout(id<StateV2, Pair<Ctx, Str>>(), pipe(snd(), isText('-'))),
  ifThenElse(pipe(fst(), snd(), field<StateV2, SessionV2, 'previous'>('previous')), pipe(withCwd<Str>(), resolvePath())),
);

/** cd DIR or cd -: moves this session, remembering where it was. */
const cdV2: T<StateV2, Pair<Ctx, Str>, Answer> = pipe(
  fanout(id<StateV2, Pair<Ctx, Str>>(), cdTarget),
  fanout(id<StateV2, Pair<Pair<Ctx, Str>, Str>>(), pipe(snd(), tree.isDirectory)),
  ifThenElse(
    pipe(
      fanout(
        pipe(fst(), fst(), fst()),
        record({ cwd: snd<StateV2, Pair<Ctx, Str>, Str>(), previous: pipe(fst<StateV2, Pair<Ctx, Str>, Str>(), fst(), snd(), field<StateV2, SessionV2, 'cwd'>('cwd')) }),
      ),
      fieldsV2.setSession,
      ok(),
    ),
    pipe(fst(), snd(), failWith('no such directory: ')),
  ),
);

const commandsV2: T<StateV2, Pair<Ctx, CommandV2>, Answer> = pipe(
  distr(),
  match({
    Cd: cdV2,
    Pwd: pipe(withCwd<Unit>(), tree.pwd),
    Ls: pipe(withCwd<Unit>(), tree.ls),
    Get: pipe(withCwd<Str>(), tree.get),
    Put: pipe(withCwd<Pair<Str, Str>>(), tree.put),
    Mkdir: pipe(withCwd<Str>(), tree.mkdir),
    Rm: pipe(withCwd<Str>(), tree.rm),
  }),
);

export const fsV2: T<StateV2, SessionInput<ParsedV2>, SessionOutput<Answer>> = onSession({
  connect: pipe(fanout(id<StateV2, Int>(), record({ cwd: text<StateV2, Int>('/'), previous: text<StateV2, Int>('/') })), fieldsV2.setSession, silent(Answer)),
  data: dataHandler(fieldsV2, commandsV2),
  disconnect: pipe(fieldsV2.dropSession, silent(Answer)),
});

// ---------------------------------------------------------------------------
// Migrations.

/** fs state v1 to v2: every live session's previous directory starts as its working directory. One fuel step per session. */
export const fsMigrationV1toV2: T<Unit, StateV1, StateV2> = record({
  sessions: pipe(field('sessions'), mapToList(), listMap(second(record({ cwd: field('cwd'), previous: field('cwd') }))), mapFromList()),
  tree: field('tree'),
});

/** fs state v2 back to v1, for a rollback: sessions forget their previous directory; files removed by rm stay removed. */
export const fsMigrationV2toV1: T<Unit, StateV2, StateV1> = record({
  sessions: pipe(field('sessions'), mapToList(), listMap(second(record({ cwd: field('cwd') }))), mapFromList()),
  tree: field('tree'),
});

export const parseMigrationV1toV2: T<Unit, Unit, Unit> = id();

// ---------------------------------------------------------------------------
// The pipeline and the upgrade.

export const initialStateV2: StateV2 = { sessions: mapOf(ty.int, SessionV2), tree: emptyTree };

export const parseStageV2 = sm('parse', { state: ty.unit, initial: null, input: Input, output: sessionTy.input(ParsedV2) }, parseV2);
export const fsStageV2 = sm('fs', { state: StateV2, initial: initialStateV2, input: sessionTy.input(ParsedV2), output: sessionTy.output(Answer) }, fsV2);

/** v2 deployed from scratch: parse >>> fs >>> render, render unchanged. */
export const filesV2: P<SessionInput<Str>, SessionOutput<Str>> = parseStageV2.then(fsStageV2).then(renderStage);

export const parseV2Term = erase(parseV2);
export const fsV2Term = erase(fsV2);
export const fsMigrationV1toV2Term = erase(fsMigrationV1toV2);
export const fsMigrationV2toV1Term = erase(fsMigrationV2toV1);
export const parseMigrationV1toV2Term = erase(parseMigrationV1toV2);

/** The upgrade v1 => v2 as one request: parse and fs change in the same cut, each with its inverse. */
export const upgradeV1toV2: UpgradeRequest = {
  stages: [
    {
      stage: 'parse',
      oldState: ty.unit.type,
      newState: ty.unit.type,
      newInput: Input.type,
      newOutput: sessionTy.input(ParsedV2).type,
      newStateMachine: parseV2Term,
      stateMigration: parseMigrationV1toV2Term,
      inverseMigration: parseMigrationV1toV2Term,
    },
    {
      stage: 'fs',
      oldState: StateV1.type,
      newState: StateV2.type,
      newInput: sessionTy.input(ParsedV2).type,
      newOutput: sessionTy.output(Answer).type,
      newStateMachine: fsV2Term,
      stateMigration: fsMigrationV1toV2Term,
      inverseMigration: fsMigrationV2toV1Term,
    },
  ],
};
