// The kv example: the three-stage pipeline checked by checkPipeline; then, on
// the reference interpreter and on the Wasm engine alike, scripted sessions
// with exact replies, a live upgrade v1 => v2 of a store holding 1,200 entries
// (every entry checked after the migration), and seeded random runs compared
// reply by reply with a plain TypeScript model.

import { describe, expect, it } from 'vitest';
import type { Engine, Machine } from '../compiler/engine.ts';
import { interpreter } from '../compiler/interpret.ts';
import { checkPipeline, formatPipelineErrors, type PipelineSpec, pipelineFromJson, pipelineToJson } from '../compiler/pipeline.ts';
import type { Typed } from '../compiler/typecheck.ts';
import { showType, Unit } from '../compiler/types.ts';
import { type DeployedStage, deployedStage, initialVersion, planUpgrade, type UpgradePlanOk, type UpgradeRequest } from '../compiler/upgrade.ts';
import type { PMap, Value } from '../compiler/values.ts';
import { wasmEngine } from '../compiler/wasm-engine.ts';
import { kvV1, kvV2, ParsedV1, ParsedV2, StateV2, upgradeV1toV2 } from '../examples/kv/index.ts';

/** Runs a term with unit state once, as a migration runs, on the given engine. */
function runOnce(engine: Engine, typed: Typed, input: Value): Value {
  const r = engine.load({ typed, stateType: Unit, initialState: null }).step(input);
  if (!r.ok) throw new Error(`${r.error.code} ${r.error.message}`);
  return r.output;
}

const ENGINES: readonly Engine[] = [interpreter, wasmEngine];

// ---------------------------------------------------------------------------
// A pipeline deployed on the interpreter, one machine per stage, as the
// runtime runs it: items flow through the stages in order, and an upgrade is
// planned by planUpgrade and applied between two items.

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
      if (!r.ok) throw new Error(`stage ${s.name} failed on ${JSON.stringify(value)}: ${r.error.code} ${r.error.message}`);
      value = r.output;
    }
    return value;
  }

  /** Sends each line and collects the replies. */
  session(lines: readonly string[]): Value[] {
    return lines.map((line) => this.send(line));
  }

  state(name: string): Value {
    return this.stage(name).machine.getState();
  }

  /** Plans the upgrade; when it is accepted, migrates every upgraded stage's state and swaps its machine. */
  upgrade(request: UpgradeRequest): UpgradePlanOk {
    const plan = planUpgrade(this.stages.map((s) => s.deployed), request);
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

  private stage(name: string) {
    const s = this.stages.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no stage ${name}`);
    return s;
  }
}

/** Runs a script of [line, expected reply] pairs and checks every reply. */
function expectSession(d: Deployment, script: ReadonlyArray<readonly [string, string]>): void {
  const replies = d.session(script.map(([line]) => line));
  expect(replies.map((reply, i) => [script[i][0], reply])).toEqual(script);
}

const entries = (state: Value): Array<[Value, Value]> => (state as PMap).entries();

// ---------------------------------------------------------------------------

describe('kv pipelines typecheck', () => {
  it('v1 is parse >>> store >>> render, String to String, every stage checked by checkPipeline', () => {
    const check = checkPipeline(kvV1.spec);
    if (!check.ok) throw new Error(formatPipelineErrors(check.errors));
    expect(check.stages.map((s) => s.spec.name)).toEqual(['parse', 'store', 'render']);
    expect(check.stages.map((s) => `${showType(s.spec.stateType)}; ${showType(s.spec.inputType)} -> ${showType(s.spec.outputType)}`)).toEqual([
      '(); String -> Either String <Cas: {expected: String, key: String, value: String}, Delete: String, Get: String, Keys: String, Put: (String, String), Size: ()>',
      'Map String String; Either String <Cas: {expected: String, key: String, value: String}, Delete: String, Get: String, Keys: String, Put: (String, String), Size: ()> -> Either String <CasFailed: String, Keys: List String, NotFound: (), Number: (String, Int), Ok: (), Value: String>',
      '(); Either String <CasFailed: String, Keys: List String, NotFound: (), Number: (String, Int), Ok: (), Value: String> -> String',
    ]);
  });

  it('v2 checks too, and differs from v1 in parse and store only', () => {
    const check = checkPipeline(kvV2.spec);
    if (!check.ok) throw new Error(formatPipelineErrors(check.errors));
    expect(kvV2.spec.stages[2]).toEqual(kvV1.spec.stages[2]);
    expect(kvV2.spec.stages[0].term).not.toEqual(kvV1.spec.stages[0].term);
    expect(kvV2.spec.stages[1].stateType).toEqual(StateV2.type);
  });

  it('both survive their JSON form', () => {
    for (const p of [kvV1, kvV2]) {
      const json = JSON.parse(JSON.stringify(pipelineToJson(p.spec)));
      expect(pipelineFromJson(json)).toEqual(p.spec);
    }
  });
});

for (const engine of ENGINES) {
  describe(`kv v1 sessions on ${engine.name}`, () => {
    it('GET, PUT, DELETE, SIZE, KEYS, CAS with exact replies', () => {
      expectSession(new Deployment(kvV1.spec, engine), [
        ['GET greeting', 'NOT_FOUND'],
        ['PUT greeting hello world', 'OK'],
        ['GET greeting', 'VALUE hello world'],
        ['PUT greeting hi', 'OK'],
        ['GET greeting', 'VALUE hi'],
        ['PUT gr 1', 'OK'],
        ['PUT apple 2', 'OK'],
        ['SIZE', 'SIZE 3'],
        ['KEYS', 'KEYS apple gr greeting'],
        ['KEYS gr', 'KEYS gr greeting'],
        ['KEYS gre', 'KEYS greeting'],
        ['KEYS zzz', 'KEYS'],
        ['CAS greeting hello bye', 'CAS_FAILED hi'],
        ['CAS greeting hi bye for now', 'OK'],
        ['GET greeting', 'VALUE bye for now'],
        ['CAS missing x y', 'NOT_FOUND'],
        ['DELETE gr', 'OK'],
        ['DELETE gr', 'NOT_FOUND'],
        ['GET gr', 'NOT_FOUND'],
        ['SIZE', 'SIZE 2'],
      ]);
    });

    it('values keep their spaces exactly, and may be empty', () => {
      expectSession(new Deployment(kvV1.spec, engine), [
        ['PUT k  two  spaces ', 'OK'],
        ['GET k', 'VALUE  two  spaces '],
        ['PUT e ', 'OK'],
        ['GET e', 'VALUE '],
        ['CAS e  now set', 'OK'],
        ['GET e', 'VALUE now set'],
      ]);
    });

    it('keys and values are Unicode; KEYS orders by code point', () => {
      expectSession(new Deployment(kvV1.spec, engine), [
        ['PUT ключ значение', 'OK'],
        ['PUT 鍵 値 🎉', 'OK'],
        ['PUT Z last?', 'OK'],
        ['GET 鍵', 'VALUE 値 🎉'],
        ['KEYS', 'KEYS Z ключ 鍵'],
        ['KEYS кл', 'KEYS ключ'],
      ]);
    });

    it('bad commands get an ERROR line and change nothing', () => {
      const d = new Deployment(kvV1.spec, engine);
      d.send('PUT a 1');
      const before = entries(d.state('store'));
      expectSession(d, [
        ['FOO', 'ERROR unknown command "FOO"'],
        ['get a', 'ERROR unknown command "get"'],
        ['', 'ERROR unknown command ""'],
        [' GET a', 'ERROR unknown command ""'],
        ['GET', 'ERROR GET takes one key'],
        ['GET ', 'ERROR GET takes one key'],
        ['GET a b', 'ERROR GET takes one key'],
        ['GET a ', 'ERROR GET takes one key'],
        ['PUT', 'ERROR PUT needs a key and a value'],
        ['PUT a', 'ERROR PUT needs a key and a value'],
        ['PUT  v', 'ERROR PUT needs a key and a value'],
        ['DELETE', 'ERROR DELETE takes one key'],
        ['DELETE a b', 'ERROR DELETE takes one key'],
        ['CAS a 1', 'ERROR CAS needs a key, an expected value and a new value'],
        ['CAS', 'ERROR CAS needs a key, an expected value and a new value'],
        ['SIZE now', 'ERROR SIZE takes no arguments'],
        ['KEYS a b', 'ERROR KEYS takes at most one prefix'],
        ['VERSION a', 'ERROR unknown command "VERSION"'],
      ]);
      expect(entries(d.state('store'))).toEqual(before);
      expect(before).toEqual([['a', '1']]);
    });
  });

  describe(`kv upgrade v1 => v2 on ${engine.name}`, () => {
    const N = 1200;
    const keyOf = (i: number) => `user:${String(i).padStart(5, '0')}`;

    /** A v1 store with N keys, some overwritten and some deleted, and the model of what it holds. */
    function populated(): { d: Deployment; model: Map<string, string> } {
      const d = new Deployment(kvV1.spec, engine);
      const model = new Map<string, string>();
      for (let i = 0; i < N + 100; i++) {
        expect(d.send(`PUT ${keyOf(i)} name ${i} λ`)).toBe('OK');
        model.set(keyOf(i), `name ${i} λ`);
      }
      for (let i = 0; i < N; i += 7) {
        expect(d.send(`PUT ${keyOf(i)} renamed ${i}`)).toBe('OK');
        model.set(keyOf(i), `renamed ${i}`);
      }
      for (let i = N; i < N + 100; i++) {
        expect(d.send(`DELETE ${keyOf(i)}`)).toBe('OK');
        model.delete(keyOf(i));
      }
      expect(d.send('SIZE')).toBe(`SIZE ${N}`);
      return { d, model };
    }

    it('changes parse and store in one cut; render stays', () => {
      const { d } = populated();
      const plan = d.upgrade(upgradeV1toV2);
      expect(plan.stages.map((s) => s.name)).toEqual(['parse', 'store']);
      expect(plan.changesExternalInput).toBe(false);
      expect(plan.changesExternalOutput).toBe(false);
      expect(plan.hints).toEqual([]);
      expect(d.deployed()[2].version).toBe(1);
    });

    it('refuses either half alone: the type between parse and store changes', () => {
      const d = new Deployment(kvV1.spec, engine);
      const [parse, store] = upgradeV1toV2.stages;
      const onlyParse = planUpgrade(d.deployed(), { stages: [parse] });
      expect(onlyParse.ok ? 'accepted' : onlyParse.code).toBe('UPG_OUTPUT_LINK');
      const onlyStore = planUpgrade(d.deployed(), { stages: [store] });
      expect(onlyStore.ok ? 'accepted' : onlyStore.code).toBe('UPG_INPUT_LINK');
      expect(showType(ParsedV1.type)).not.toBe(showType(ParsedV2.type));
    });

    it(`migrates every one of ${N} entries to version 1, then serves v2 with v1 replies for v1 commands`, () => {
      const { d, model } = populated();
      d.upgrade(upgradeV1toV2);

      const migrated = entries(d.state('store'));
      expect(migrated).toHaveLength(N);
      const expected = [...model].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, { value: v, version: 1n }]);
      expect(migrated).toEqual(expected);

      expectSession(d, [
        ['SIZE', `SIZE ${N}`],
        ['GET user:00000', 'VALUE renamed 0'],
        ['GET user:00001', 'VALUE name 1 λ'],
        ['VERSION user:00001', 'VERSION 1'],
        ['PUT user:00001 again', 'OK'],
        ['VERSION user:00001', 'VERSION 2'],
        ['CAS user:00001 nope x', 'CAS_FAILED again'],
        ['VERSION user:00001', 'VERSION 2'],
        ['CAS user:00001 again swapped', 'OK'],
        ['VERSION user:00001', 'VERSION 3'],
        ['GET user:00001', 'VALUE swapped'],
        ['VERSION new', 'NOT_FOUND'],
        ['PUT new fresh', 'OK'],
        ['VERSION new', 'VERSION 1'],
        ['DELETE new', 'OK'],
        ['VERSION new', 'NOT_FOUND'],
        ['PUT new back', 'OK'],
        ['VERSION new', 'VERSION 1'],
        ['KEYS user:0000', 'KEYS user:00000 user:00001 user:00002 user:00003 user:00004 user:00005 user:00006 user:00007 user:00008 user:00009'],
        ['KEYS n', 'KEYS new'],
        ['SIZE', `SIZE ${N + 1}`],
        ['CAS gone a b', 'NOT_FOUND'],
        ['VERSION', 'ERROR VERSION takes one key'],
        ['VERSION a b', 'ERROR VERSION takes one key'],
        ['FOO', 'ERROR unknown command "FOO"'],
      ]);
    });

    it('the inverse migration gives back the v1 store, values intact', () => {
      const { d, model } = populated();
      const plan = d.upgrade(upgradeV1toV2);
      d.send('PUT user:00003 changed in v2');
      const store = plan.stages.find((s) => s.name === 'store')!;
      const back = { output: runOnce(engine, store.inverse!, d.state('store')) };
      model.set('user:00003', 'changed in v2');
      expect(entries(back.output)).toEqual([...model].sort(([a], [b]) => (a < b ? -1 : 1)));
    });

    it('a v2 deployed from scratch starts empty', () => {
      expectSession(new Deployment(kvV2.spec, engine), [
        ['VERSION a', 'NOT_FOUND'],
        ['PUT a x', 'OK'],
        ['PUT a y', 'OK'],
        ['VERSION a', 'VERSION 2'],
        ['GET a', 'VALUE y'],
      ]);
      const d = new Deployment(kvV2.spec, engine);
      d.send('PUT a x');
      expect(entries(d.state('store'))).toEqual([['a', { value: 'x', version: 1n }]]);
    });
  });

  // ---------------------------------------------------------------------------
  // A seeded random run against a model: every reply must equal the model's.

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

  class Model {
    readonly data = new Map<string, { value: string; version: number }>();
    constructor(readonly versioned: boolean) {}

    reply(line: string): string {
      const [word, ...args] = line.split(' ');
      const isKey = (k: string | undefined) => k !== undefined && k !== '';
      switch (word) {
        case 'GET': {
          if (args.length !== 1 || !isKey(args[0])) return 'ERROR GET takes one key';
          const e = this.data.get(args[0]);
          return e ? `VALUE ${e.value}` : 'NOT_FOUND';
        }
        case 'PUT': {
          if (args.length < 2 || !isKey(args[0])) return 'ERROR PUT needs a key and a value';
          const old = this.data.get(args[0]);
          this.data.set(args[0], { value: args.slice(1).join(' '), version: old ? old.version + 1 : 1 });
          return 'OK';
        }
        case 'DELETE':
          if (args.length !== 1 || !isKey(args[0])) return 'ERROR DELETE takes one key';
          return this.data.delete(args[0]) ? 'OK' : 'NOT_FOUND';
        case 'CAS': {
          if (args.length < 3 || !isKey(args[0])) return 'ERROR CAS needs a key, an expected value and a new value';
          const e = this.data.get(args[0]);
          if (!e) return 'NOT_FOUND';
          if (e.value !== args[1]) return `CAS_FAILED ${e.value}`;
          this.data.set(args[0], { value: args.slice(2).join(' '), version: e.version + 1 });
          return 'OK';
        }
        case 'SIZE':
          return args.length === 0 ? `SIZE ${this.data.size}` : 'ERROR SIZE takes no arguments';
        case 'KEYS': {
          if (args.length > 1) return 'ERROR KEYS takes at most one prefix';
          const prefix = args[0] ?? '';
          const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
          return ['KEYS', ...keys].join(' ');
        }
        case 'VERSION': {
          if (!this.versioned) break;
          if (args.length !== 1 || !isKey(args[0])) return 'ERROR VERSION takes one key';
          const e = this.data.get(args[0]);
          return e ? `VERSION ${e.version}` : 'NOT_FOUND';
        }
      }
      return `ERROR unknown command "${word}"`;
    }
  }

  function randomLine(rand: () => number): string {
    const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)];
    const keys = ['a', 'ab', 'b', 'ba', 'é', 'ß', ''];
    const values = ['1', '2', 'x y', '', ' lead', 'λ'];
    const word = pick(['GET', 'PUT', 'DELETE', 'CAS', 'SIZE', 'KEYS', 'VERSION', 'NOPE']);
    const n = Math.floor(rand() * 4);
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(i === 0 ? pick(keys) : pick(values));
    return [word, ...args].join(' ');
  }

  describe(`kv against a model (seeded) on ${engine.name}`, () => {
    it.each([1, 2, 3])('seed %i: 400 random lines on v1, upgrade, 400 on v2', (seed) => {
      const rand = mulberry32(seed);
      const d = new Deployment(kvV1.spec, engine);
      const model = new Model(false);
      for (let i = 0; i < 400; i++) {
        const line = randomLine(rand);
        expect([seed, i, line, d.send(line)]).toEqual([seed, i, line, model.reply(line)]);
      }
      d.upgrade(upgradeV1toV2);
      const v2 = new Model(true);
      for (const [k, e] of model.data) v2.data.set(k, { value: e.value, version: 1 });
      for (let i = 0; i < 400; i++) {
        const line = randomLine(rand);
        expect([seed, i, line, d.send(line)]).toEqual([seed, i, line, v2.reply(line)]);
      }
    });
  });
}
