// The files example: session items through parse >>> fs >>> render, on the
// reference interpreter and on the Wasm engine alike. Scripted sessions with exact replies (one client,
// two interleaved clients with their own working directories, disconnects,
// Unicode names, every error), a live upgrade v1 => v2 with clients connected
// across it, and a seeded random run of several clients against a model.

import { describe, expect, it } from 'vitest';
import { ty } from '../compiler/edsl.ts';
import type { Engine, Machine } from '../compiler/engine.ts';
import { interpreter } from '../compiler/interpret.ts';
import { checkPipeline, formatPipelineErrors, type PipelineSpec, pipelineFromJson, pipelineToJson } from '../compiler/pipeline.ts';
import { replyPayload, sessionEvent, sessionInput, sessionItem, sessionOutput, sessionTy } from '../compiler/sessions.ts';
import type { Typed } from '../compiler/typecheck.ts';
import { Int, showType, Str, typeEquals, Unit } from '../compiler/types.ts';
import { type DeployedStage, deployedStage, initialVersion, planUpgrade, type UpgradePlanOk, type UpgradeRequest } from '../compiler/upgrade.ts';
import type { PMap, RecordValue, Value } from '../compiler/values.ts';
import { wasmEngine } from '../compiler/wasm-engine.ts';
import { filesV1, filesV2, upgradeV1toV2 } from '../examples/files/index.ts';

/** Runs a term with unit state once, as a migration runs, on the given engine. */
function runOnce(engine: Engine, typed: Typed, input: Value): Value {
  const r = engine.load({ typed, stateType: Unit, initialState: null }).step(input);
  if (!r.ok) throw new Error(`${r.error.code} ${r.error.message}`);
  return r.output;
}

const ENGINES: readonly Engine[] = [interpreter, wasmEngine];

// ---------------------------------------------------------------------------
// A pipeline deployed on the interpreter, one machine per stage; upgrades are
// planned by planUpgrade and applied between two items, as the runtime does.

class Deployment {
  private stages: Array<{ name: string; machine: Machine; deployed: DeployedStage }>;

  constructor(
    spec: PipelineSpec,
    private readonly engine: Engine,
  ) {
    const check = checkPipeline(spec);
    if (!check.ok) throw new Error(formatPipelineErrors(check.errors));
    this.stages = check.stages.map(({ spec: s, typed }) => ({
      name: s.name,
      machine: engine.load({ typed, stateType: s.stateType, initialState: s.initialState }),
      deployed: deployedStage(s.name, initialVersion(s, '2026-01-01T00:00:00Z')),
    }));
  }

  send(item: Value): Value {
    let value = item;
    for (const s of this.stages) {
      const r = s.machine.step(value);
      if (!r.ok) throw new Error(`stage ${s.name} failed on ${JSON.stringify(value, bigints)}: ${r.error.code} ${r.error.message}`);
      value = r.output;
    }
    return value;
  }

  state(name: string): Value {
    const s = this.stages.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no stage ${name}`);
    return s.machine.getState();
  }

  upgrade(request: UpgradeRequest): UpgradePlanOk {
    const plan = planUpgrade(this.deployed(), request);
    if (!plan.ok) throw new Error(`${plan.code} ${plan.reason}`);
    for (const p of plan.stages) {
      const s = this.stages[p.index];
      const migrated = runOnce(this.engine, p.migration, s.machine.getState());
      s.machine = this.engine.load({ typed: p.machine, stateType: p.stateType, initialState: migrated });
      s.deployed = { name: p.name, stateType: p.stateType, inputType: p.inputType, outputType: p.outputType, term: p.term, hash: p.hash, version: p.version };
    }
    return plan;
  }

  deployed(): DeployedStage[] {
    return this.stages.map((s) => s.deployed);
  }

  // --- the session convention, as a line server would drive it -------------

  /** Connect and Disconnect are answered Silent: the runtime writes nothing. */
  connect(id: number): void {
    expect(this.send(sessionItem.connect(BigInt(id)))).toEqual({ tag: 'Silent', value: null });
  }
  disconnect(id: number): void {
    expect(this.send(sessionItem.disconnect(BigInt(id)))).toEqual({ tag: 'Silent', value: null });
  }
  /** One line from client `id`; the reply line written back to it. */
  line(id: number, text: string): string {
    const reply = replyPayload(this.send(sessionItem.data(BigInt(id), text)));
    if (typeof reply !== 'string') throw new Error(`no reply line to ${JSON.stringify(text)}`);
    return reply;
  }

  /** Runs [client, line, expected reply] steps, and `connect`/`disconnect` steps, checking every reply. */
  script(steps: ReadonlyArray<readonly [number, string, string] | readonly ['connect' | 'disconnect', number]>): void {
    const got: Array<readonly unknown[]> = [];
    for (const s of steps) {
      if (s.length === 3) got.push([s[0], s[1], this.line(s[0], s[1])]);
      else if (s[0] === 'connect') this.connect(s[1]);
      else this.disconnect(s[1]);
    }
    expect(got).toEqual(steps.filter((s) => s.length === 3));
  }

  sessions(): Array<[Value, Value]> {
    return ((this.state('fs') as RecordValue).sessions as PMap).entries();
  }
  tree(): Array<[Value, Array<[Value, Value]>]> {
    return ((this.state('fs') as RecordValue).tree as PMap).entries().map(([path, dir]) => [path, (dir as PMap).entries()]);
  }
}

const bigints = (_k: string, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x);

// ---------------------------------------------------------------------------

describe('files pipelines typecheck', () => {
  it('v1 is parse >>> fs >>> render over the session convention', () => {
    const check = checkPipeline(filesV1.spec);
    if (!check.ok) throw new Error(formatPipelineErrors(check.errors));
    expect(check.stages.map((s) => s.spec.name)).toEqual(['parse', 'fs', 'render']);
    expect(typeEquals(check.input, sessionInput(Str))).toBe(true);
    expect(typeEquals(check.output, sessionOutput(Str))).toBe(true);
    expect(showType(check.input)).toBe('(Int, <Connect: (), Data: String, Disconnect: ()>)');
    expect(showType(check.output)).toBe('<Reply: String, Silent: ()>');
    expect(showType(check.stages[1].spec.stateType)).toBe(
      '{sessions: Map Int {cwd: String}, tree: Map String (Map String <Dir: (), File: String>)}',
    );
  });

  it('v2 checks too, differs in parse and fs only, and both survive their JSON form', () => {
    const check = checkPipeline(filesV2.spec);
    if (!check.ok) throw new Error(formatPipelineErrors(check.errors));
    expect(filesV2.spec.stages[2]).toEqual(filesV1.spec.stages[2]);
    expect(showType(check.stages[1].spec.stateType)).toBe(
      '{sessions: Map Int {cwd: String, previous: String}, tree: Map String (Map String <Dir: (), File: String>)}',
    );
    for (const p of [filesV1, filesV2]) expect(pipelineFromJson(JSON.parse(JSON.stringify(pipelineToJson(p.spec))))).toEqual(p.spec);
  });

  it('the EDSL witnesses are the session types', () => {
    expect(typeEquals(sessionTy.input(ty.string).type, sessionInput(Str))).toBe(true);
    expect(typeEquals(sessionTy.event(ty.int).type, sessionEvent(Int))).toBe(true);
    expect(typeEquals(sessionTy.output(ty.int).type, sessionOutput(Int))).toBe(true);
  });
});

for (const engine of ENGINES) {
  describe(`files v1 sessions on ${engine.name}`, () => {
    it('one client: pwd, ls, mkdir, cd, put, get with exact replies', () => {
      const d = new Deployment(filesV1.spec, engine);
      d.script([
        ['connect', 1],
        [1, 'pwd', 'OK /'],
        [1, 'ls', 'OK'],
        [1, 'mkdir docs', 'OK'],
        [1, 'put readme.txt read me first', 'OK'],
        [1, 'ls', 'OK docs/ readme.txt'],
        [1, 'get readme.txt', 'OK read me first'],
        [1, 'cd docs', 'OK'],
        [1, 'pwd', 'OK /docs'],
        [1, 'ls', 'OK'],
        [1, 'put notes.txt  two  spaces ', 'OK'],
        [1, 'get notes.txt', 'OK  two  spaces '],
        [1, 'put notes.txt replaced', 'OK'],
        [1, 'get notes.txt', 'OK replaced'],
        [1, 'put empty ', 'OK'],
        [1, 'get empty', 'OK '],
        [1, 'mkdir old', 'OK'],
        [1, 'cd old', 'OK'],
        [1, 'pwd', 'OK /docs/old'],
        [1, 'cd ..', 'OK'],
        [1, 'ls', 'OK empty notes.txt old/'],
        [1, 'cd old/', 'ERROR no such directory: old/'],
        [1, 'cd /', 'OK'],
        [1, 'cd docs/old', 'OK'],
        [1, 'pwd', 'OK /docs/old'],
        [1, 'cd /docs', 'OK'],
        [1, 'cd ..', 'OK'],
        [1, 'cd ..', 'OK'],
        [1, 'pwd', 'OK /'],
        ['disconnect', 1],
      ]);
      expect(d.tree()).toEqual([
        ['/', [['docs', { tag: 'Dir', value: null }], ['readme.txt', { tag: 'File', value: 'read me first' }]]],
        [
          '/docs',
          [
            ['empty', { tag: 'File', value: '' }],
            ['notes.txt', { tag: 'File', value: 'replaced' }],
            ['old', { tag: 'Dir', value: null }],
          ],
        ],
        ['/docs/old', []],
      ]);
    });

    it('two clients interleaved: each has its own working directory over one shared tree', () => {
      const d = new Deployment(filesV1.spec, engine);
      d.script([
        ['connect', 1],
        ['connect', 2],
        [1, 'mkdir a', 'OK'],
        [2, 'mkdir b', 'OK'],
        [1, 'cd a', 'OK'],
        [2, 'cd b', 'OK'],
        [1, 'pwd', 'OK /a'],
        [2, 'pwd', 'OK /b'],
        [1, 'put x.txt from one', 'OK'],
        [2, 'put x.txt from two', 'OK'],
        [1, 'get x.txt', 'OK from one'],
        [2, 'get x.txt', 'OK from two'],
        [2, 'cd /a', 'OK'],
        [2, 'get x.txt', 'OK from one'],
        [1, 'pwd', 'OK /a'],
        [2, 'put x.txt overwritten by two', 'OK'],
        [1, 'get x.txt', 'OK overwritten by two'],
        [1, 'cd ..', 'OK'],
        [1, 'ls', 'OK a/ b/'],
        [2, 'pwd', 'OK /a'],
      ]);
      expect(d.sessions()).toEqual([
        [1n, { cwd: '/' }],
        [2n, { cwd: '/a' }],
      ]);
    });

    it('disconnect drops the session; the files stay; a new connection starts at /', () => {
      const d = new Deployment(filesV1.spec, engine);
      d.script([
        ['connect', 1],
        ['connect', 2],
        [1, 'mkdir keep', 'OK'],
        [1, 'cd keep', 'OK'],
        [1, 'put f still here', 'OK'],
        ['disconnect', 1],
        [2, 'get keep/f', 'ERROR bad name: keep/f'],
        [2, 'cd keep', 'OK'],
        [2, 'get f', 'OK still here'],
        ['connect', 3],
        [3, 'pwd', 'OK /'],
      ]);
      expect(d.sessions().map(([id]) => id)).toEqual([2n, 3n]);
      // A Data item for a connection the machine has no session for breaks the convention; it is refused, not crashed on.
      expect(d.line(1, 'pwd')).toBe('ERROR no session');
      d.disconnect(2);
      d.disconnect(3);
      expect(d.sessions()).toEqual([]);
    });

    it('Unicode names and paths, listed in code point order', () => {
      const d = new Deployment(filesV1.spec, engine);
      d.script([
        ['connect', 1],
        [1, 'mkdir 日本語', 'OK'],
        [1, 'mkdir Ärger', 'OK'],
        [1, 'put résumé.txt curriculum vitæ', 'OK'],
        [1, 'put 🎉 party', 'OK'],
        [1, 'put zebra z', 'OK'],
        [1, 'ls', 'OK résumé.txt zebra Ärger/ 日本語/ 🎉'],
        [1, 'cd 日本語', 'OK'],
        [1, 'mkdir ファイル', 'OK'],
        [1, 'cd ファイル', 'OK'],
        [1, 'pwd', 'OK /日本語/ファイル'],
        [1, 'put 名前.txt 内容 です', 'OK'],
        [1, 'get 名前.txt', 'OK 内容 です'],
        [1, 'cd ..', 'OK'],
        [1, 'pwd', 'OK /日本語'],
        [1, 'cd /', 'OK'],
        [1, 'get résumé.txt', 'OK curriculum vitæ'],
        [1, 'get 🎉', 'OK party'],
        [1, 'cd /日本語/ファイル', 'OK'],
        [1, 'ls', 'OK 名前.txt'],
      ]);
    });

    it('bad commands and refused operations get ERROR lines and change nothing', () => {
      const d = new Deployment(filesV1.spec, engine);
      d.connect(1);
      d.line(1, 'mkdir dir');
      d.line(1, 'put file text');
      const before = [d.sessions(), d.tree()];
      d.script([
        [1, 'frob', 'ERROR unknown command "frob"'],
        [1, 'LS', 'ERROR unknown command "LS"'],
        [1, '', 'ERROR unknown command ""'],
        [1, 'rm file', 'ERROR unknown command "rm"'],
        [1, 'pwd now', 'ERROR pwd takes no arguments'],
        [1, 'ls dir', 'ERROR ls takes no arguments'],
        [1, 'cd', 'ERROR cd takes one directory'],
        [1, 'cd a b', 'ERROR cd takes one directory'],
        [1, 'cd ', 'ERROR cd takes one directory'],
        [1, 'cd nowhere', 'ERROR no such directory: nowhere'],
        [1, 'cd file', 'ERROR no such directory: file'],
        [1, 'cd /dir/', 'ERROR no such directory: /dir/'],
        [1, 'cd .', 'ERROR no such directory: .'],
        [1, 'get', 'ERROR get takes one name'],
        [1, 'get a b', 'ERROR get takes one name'],
        [1, 'get missing', 'ERROR no such file: missing'],
        [1, 'get dir', 'ERROR is a directory: dir'],
        [1, 'get ..', 'ERROR bad name: ..'],
        [1, 'get /file', 'ERROR bad name: /file'],
        [1, 'put', 'ERROR put needs a name and a text'],
        [1, 'put name', 'ERROR put needs a name and a text'],
        [1, 'put dir text', 'ERROR is a directory: dir'],
        [1, 'put a/b text', 'ERROR bad name: a/b'],
        [1, 'put . text', 'ERROR bad name: .'],
        [1, 'mkdir', 'ERROR mkdir takes one name'],
        [1, 'mkdir a b', 'ERROR mkdir takes one name'],
        [1, 'mkdir dir', 'ERROR already exists: dir'],
        [1, 'mkdir file', 'ERROR already exists: file'],
        [1, 'mkdir ..', 'ERROR bad name: ..'],
        [1, 'mkdir x/y', 'ERROR bad name: x/y'],
      ]);
      expect([d.sessions(), d.tree()]).toEqual(before);
    });
  });

  describe(`files upgrade v1 => v2 with clients connected on ${engine.name}`, () => {
    /** Three clients in different directories, 300 files, one client gone. */
    function busy(): Deployment {
      const d = new Deployment(filesV1.spec, engine);
      d.connect(1);
      d.connect(2);
      d.connect(3);
      d.connect(4);
      expect(d.line(1, 'mkdir home')).toBe('OK');
      expect(d.line(1, 'cd home')).toBe('OK');
      for (let i = 0; i < 300; i++) expect(d.line(1, `put f${i} content ${i}`)).toBe('OK');
      expect(d.line(2, 'mkdir tmp')).toBe('OK');
      expect(d.line(2, 'cd tmp')).toBe('OK');
      expect(d.line(2, 'put scratch s')).toBe('OK');
      expect(d.line(3, 'mkdir ünï')).toBe('OK');
      expect(d.line(3, 'cd ünï')).toBe('OK');
      d.disconnect(4);
      return d;
    }

    it('changes parse and fs in one cut; render stays; either half alone is refused', () => {
      const d = busy();
      const [parse, fs] = upgradeV1toV2.stages;
      const onlyParse = planUpgrade(d.deployed(), { stages: [parse] });
      expect(onlyParse.ok ? 'accepted' : onlyParse.code).toBe('UPG_OUTPUT_LINK');
      const onlyFs = planUpgrade(d.deployed(), { stages: [fs] });
      expect(onlyFs.ok ? 'accepted' : onlyFs.code).toBe('UPG_INPUT_LINK');
      const plan = d.upgrade(upgradeV1toV2);
      expect(plan.stages.map((s) => s.name)).toEqual(['parse', 'fs']);
      expect([plan.changesExternalInput, plan.changesExternalOutput, plan.hints]).toEqual([false, false, []]);
    });

    it('migrates every live session, keeps the tree, and the same clients carry on in v2', () => {
      const d = busy();
      const treeBefore = d.tree();
      d.upgrade(upgradeV1toV2);

      expect(d.sessions()).toEqual([
        [1n, { cwd: '/home', previous: '/home' }],
        [2n, { cwd: '/tmp', previous: '/tmp' }],
        [3n, { cwd: '/ünï', previous: '/ünï' }],
      ]);
      expect(d.tree()).toEqual(treeBefore);
      expect(treeBefore.find(([path]) => path === '/home')![1]).toHaveLength(300);

      d.script([
        [1, 'pwd', 'OK /home'],
        [2, 'pwd', 'OK /tmp'],
        [3, 'pwd', 'OK /ünï'],
        [1, 'get f299', 'OK content 299'],
        [1, 'cd -', 'OK'],
        [1, 'pwd', 'OK /home'],
        [1, 'cd /tmp', 'OK'],
        [1, 'get scratch', 'OK s'],
        [1, 'cd -', 'OK'],
        [1, 'pwd', 'OK /home'],
        [1, 'cd -', 'OK'],
        [1, 'pwd', 'OK /tmp'],
        [2, 'rm scratch', 'OK'],
        [1, 'get scratch', 'ERROR no such file: scratch'],
        [2, 'rm scratch', 'ERROR no such file: scratch'],
        [2, 'cd ..', 'OK'],
        [2, 'rm tmp', 'ERROR is a directory: tmp'],
        [2, 'rm a/b', 'ERROR bad name: a/b'],
        [2, 'rm', 'ERROR rm takes one name'],
        [2, 'cd nowhere', 'ERROR no such directory: nowhere'],
        [2, 'cd -', 'OK'],
        [2, 'pwd', 'OK /tmp'],
        [2, 'ls', 'OK'],
        [3, 'put ü ü', 'OK'],
        [3, 'ls', 'OK ü'],
        [3, 'frob', 'ERROR unknown command "frob"'],
        ['connect', 5],
        [5, 'cd -', 'OK'],
        [5, 'pwd', 'OK /'],
        [5, 'cd home', 'OK'],
        [5, 'rm f0', 'OK'],
        [5, 'get f0', 'ERROR no such file: f0'],
        ['disconnect', 5],
        ['disconnect', 1],
      ]);
      expect(d.sessions()).toEqual([
        [2n, { cwd: '/tmp', previous: '/' }],
        [3n, { cwd: '/ünï', previous: '/ünï' }],
      ]);
    });

    it('the inverse migration gives back a v1 state: sessions without previous, the tree as v2 left it', () => {
      const d = busy();
      const plan = d.upgrade(upgradeV1toV2);
      d.line(1, 'rm f7');
      d.line(2, 'cd /');
      const fs = plan.stages.find((s) => s.name === 'fs')!;
      const back = { output: runOnce(engine, fs.inverse!, d.state('fs')) };
      const v1 = back.output as RecordValue;
      expect((v1.sessions as PMap).entries()).toEqual([
        [1n, { cwd: '/home' }],
        [2n, { cwd: '/' }],
        [3n, { cwd: '/ünï' }],
      ]);
      expect((v1.tree as PMap).entries()).toEqual(((d.state('fs') as RecordValue).tree as PMap).entries());
      expect(d.tree().find(([path]) => path === '/home')![1]).toHaveLength(299);
    });
  });

  // ---------------------------------------------------------------------------
  // A seeded random run: several clients, random lines, connects and disconnects,
  // against a plain TypeScript model of the protocol (v1, then v2 after a live upgrade).

  function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  type ModelEntry = { dir: true } | { file: string };

  /** Code point order, as the machine's maps use. */
  const byCodePoint = (a: string, b: string): number => {
    const x = [...a].map((c) => c.codePointAt(0)!);
    const y = [...b].map((c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };

  class FilesModel {
    readonly dirs = new Map<string, Map<string, ModelEntry>>([['/', new Map()]]);
    readonly sessions = new Map<number, { cwd: string; previous: string }>();
    constructor(public version: 1 | 2) {}

    reply(id: number, line: string): string {
      const [word, ...args] = line.split(' ');
      const session = this.sessions.get(id);
      const badName = (n: string) => n === '' || n === '.' || n === '..' || n.includes('/');
      const child = (dir: string, n: string) => (dir === '/' ? `/${n}` : `${dir}/${n}`);
      const one = (usage: string, run: (n: string) => string) => {
        if (args.length !== 1 || args[0] === '') return `ERROR ${usage}`;
        if (badName(args[0])) return `ERROR bad name: ${args[0]}`;
        return session ? run(args[0]) : 'ERROR no session';
      };
      const here = () => this.dirs.get(session!.cwd)!;
      switch (word) {
        case 'pwd':
          if (args.length > 0) return 'ERROR pwd takes no arguments';
          return session ? `OK ${session.cwd}` : 'ERROR no session';
        case 'ls':
          if (args.length > 0) return 'ERROR ls takes no arguments';
          if (!session) return 'ERROR no session';
          return ['OK', ...[...here()].sort(([a], [b]) => byCodePoint(a, b)).map(([n, e]) => ('dir' in e ? `${n}/` : n))].join(' ');
        case 'cd': {
          if (args.length !== 1 || args[0] === '') return 'ERROR cd takes one directory';
          if (!session) return 'ERROR no session';
          const arg = args[0];
          const parent = (p: string) => p.split('/').slice(0, -1).join('/') || '/';
          const target = this.version === 2 && arg === '-' ? session.previous : arg === '..' ? parent(session.cwd) : arg.startsWith('/') ? arg : child(session.cwd, arg);
          if (!this.dirs.has(target)) return `ERROR no such directory: ${arg}`;
          this.sessions.set(id, { cwd: target, previous: session.cwd });
          return 'OK';
        }
        case 'get':
          return one('get takes one name', (n) => {
            const e = here().get(n);
            return e === undefined ? `ERROR no such file: ${n}` : 'dir' in e ? `ERROR is a directory: ${n}` : `OK ${e.file}`;
          });
        case 'mkdir':
          return one('mkdir takes one name', (n) => {
            if (here().has(n)) return `ERROR already exists: ${n}`;
            here().set(n, { dir: true });
            this.dirs.set(child(session!.cwd, n), new Map());
            return 'OK';
          });
        case 'put': {
          if (args.length < 2 || args[0] === '') return 'ERROR put needs a name and a text';
          if (badName(args[0])) return `ERROR bad name: ${args[0]}`;
          if (!session) return 'ERROR no session';
          const e = here().get(args[0]);
          if (e !== undefined && 'dir' in e) return `ERROR is a directory: ${args[0]}`;
          here().set(args[0], { file: args.slice(1).join(' ') });
          return 'OK';
        }
        case 'rm':
          if (this.version === 1) break;
          return one('rm takes one name', (n) => {
            const e = here().get(n);
            if (e === undefined) return `ERROR no such file: ${n}`;
            if ('dir' in e) return `ERROR is a directory: ${n}`;
            here().delete(n);
            return 'OK';
          });
      }
      return `ERROR unknown command "${word}"`;
    }
  }

  function randomLine(rand: () => number, version: 1 | 2): string {
    const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)];
    const names = ['a', 'b', 'ü', '日', '..', '.', 'a/b', ''];
    const dirs = ['a', 'b', 'ü', '..', '/', '/a', '/a/b', 'a/b', '-', ''];
    const texts = ['x', 'y z', '', 'λ'];
    const words = version === 2 ? ['pwd', 'ls', 'cd', 'mkdir', 'put', 'get', 'rm', 'nope'] : ['pwd', 'ls', 'cd', 'mkdir', 'put', 'get', 'nope'];
    const word = pick(words);
    const extra = rand() < 0.1;
    switch (word) {
      case 'cd':
        return extra ? 'cd a b' : `cd ${pick(dirs)}`;
      case 'put':
        return extra ? `put ${pick(names)}` : `put ${pick(names)} ${pick(texts)}`;
      case 'pwd':
      case 'ls':
        return extra ? `${word} x` : word;
      default:
        return extra ? `${word} a b` : `${word} ${pick(names)}`;
    }
  }

  describe(`files against a model (seeded) on ${engine.name}`, () => {
    it.each([1, 2, 3])('seed %i: clients come and go around a live upgrade', (seed) => {
      const rand = mulberry32(seed);
      const d = new Deployment(filesV1.spec, engine);
      const model = new FilesModel(1);
      let nextId = 1;
      const open: number[] = [];
      const run = (steps: number) => {
        for (let i = 0; i < steps; i++) {
          const r = rand();
          if (open.length === 0 || r < 0.05) {
            const id = nextId++;
            d.connect(id);
            model.sessions.set(id, { cwd: '/', previous: '/' });
            open.push(id);
          } else if (r < 0.08) {
            const id = open.splice(Math.floor(rand() * open.length), 1)[0];
            d.disconnect(id);
            model.sessions.delete(id);
          } else {
            const id = open[Math.floor(rand() * open.length)];
            const line = randomLine(rand, model.version);
            expect([seed, i, id, line, d.line(id, line)]).toEqual([seed, i, id, line, model.reply(id, line)]);
          }
        }
      };
      run(400);
      d.upgrade(upgradeV1toV2);
      model.version = 2;
      for (const s of model.sessions.values()) s.previous = s.cwd;
      run(400);
      expect(d.sessions().map(([id]) => Number(id))).toEqual([...model.sessions.keys()].sort((a, b) => a - b));
    });
  });
}
