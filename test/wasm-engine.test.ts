// What is particular to the Wasm engine: the module's interface, items as transactions over a
// heap with a copying collector, bounded memory on long runs, large maps, hostile bytes.
//
//   kv store (examples/kv v1) with 50,000 keys:  PUT/GET/DELETE items, failed items in between,
//   a collection forced after items  =>  the same answers and states as the interpreter.

import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { interpreter } from '../compiler/interpret.ts';
import { ByteWriter, decodeValue, encodeInto, encodeValue, LayoutError } from '../compiler/layout.ts';
import { mk, type Term } from '../compiler/terms.ts';
import { typecheck, type Typed } from '../compiler/typecheck.ts';
import { either, Int, list, map, pair, Str, type Type, Unit } from '../compiler/types.ts';
import { PMap, type Value, valueEquals } from '../compiler/values.ts';
import { WasmApi } from '../compiler/wasm-api.ts';
import { compileModule, wasmEngine } from '../compiler/wasm-engine.ts';
import { ParsedV1, StateV1, storeV1Term } from '../examples/kv/v1.ts';
import { expectSameTrace, traceMachineCase } from './gen/trace.ts';
import { arbStateMachineCase } from './gen/typed-terms.ts';

function typed(term: Term, state: Type, input: Type): Typed {
  const r = typecheck(term, { state, input });
  if (!r.ok) throw new Error(`test term does not typecheck: ${r.error.code} ${r.error.message}`);
  return r.typed;
}
const pipe = (...terms: Term[]): Term => terms.reduce((acc, t) => mk('Compose', { left: t, right: acc }));
const fanout = (left: Term, right: Term) => mk('Fanout', { left, right });

const kvTyped = typed(storeV1Term, StateV1.type, ParsedV1.type);
const get = (k: string): Value => ({ tag: 'Right', value: { tag: 'Get', value: k } });
const putKV = (k: string, v: string): Value => ({ tag: 'Right', value: { tag: 'Put', value: [k, v] } });
const del = (k: string): Value => ({ tag: 'Right', value: { tag: 'Delete', value: k } });

describe('the compiled module', () => {
  test('imports only env.memory and exports exactly the host interface', () => {
    const { module } = compileModule(kvTyped, StateV1.type);
    const api = WasmApi as unknown as { Module: { imports(m: unknown): unknown[]; exports(m: unknown): Array<{ name: string }> } };
    expect(api.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(
      api.Module.exports(module)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['abort', 'begin', 'collect', 'collections', 'encodedLength', 'errorCode', 'errorMessage', 'getState', 'heapUsed', 'init', 'liveBytes', 'setFuel', 'setState', 'step'].sort());
  });
});

describe('stepBytes', () => {
  test('copies inputs and outputs of every size exactly, small ones byte by byte and large ones through the heap', () => {
    const m = wasmEngine.load({ typed: typed(mk('Id', {}), Unit, Str), stateType: Unit, initialState: null });
    for (const n of [0, 1, 2, 3, 5, 59, 60, 61, 91, 92, 93, 100, 65528, 65529, 200000]) {
      const text = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      const bytes = encodeValue(Str, text);
      const source = new Uint8Array(bytes.length + 9).fill(0xee);
      source.set(bytes, 5);
      expect(m.stepBytes(source, 5, 5 + bytes.length)).toBe(bytes.length);
      expect(Buffer.from(m.output()).equals(Buffer.from(bytes))).toBe(true);
      const target = new Uint8Array(bytes.length + 4).fill(0xdd);
      m.copyOutput(target, 2);
      expect(Buffer.from(target.subarray(2, 2 + bytes.length)).equals(Buffer.from(bytes))).toBe(true);
      expect([target[0], target[1], target[bytes.length + 2], target[bytes.length + 3]]).toEqual([0xdd, 0xdd, 0xdd, 0xdd]);
    }
  });
});

describe('string order', () => {
  test('compares as the interpreter, across word boundaries, shared prefixes and NUL bytes', () => {
    // Strings over a few characters, so that long shared prefixes and equal strings are common.
    const text = fc.array(fc.constantFrom('\0', 'a', 'b', '\u00e9', '\u{1F600}'), { maxLength: 19 }).map((cs) => cs.join(''));
    const lt = typed(mk('Lt', {}), Unit, pair(Str, Str));
    const keys = typed(pipe(mk('MapFromList', {}), mk('MapKeys', {})), Unit, list(pair(Str, Int)));
    const wasmLt = wasmEngine.load({ typed: lt, stateType: Unit, initialState: null });
    const interpLt = interpreter.load({ typed: lt, stateType: Unit, initialState: null });
    const wasmKeys = wasmEngine.load({ typed: keys, stateType: Unit, initialState: null });
    const interpKeys = interpreter.load({ typed: keys, stateType: Unit, initialState: null });
    fc.assert(
      fc.property(text, text, fc.array(text, { maxLength: 12 }), (a, b, more) => {
        // Emptying the heap first makes these strings reuse memory where earlier ones were, so the
        // bytes after a string's end are not zero: a comparison must not read them.
        wasmLt.collect();
        wasmKeys.collect();
        expect(wasmLt.step([a, b])).toEqual(interpLt.step([a, b]));
        expect(wasmLt.step([b, a])).toEqual(interpLt.step([b, a]));
        const entries = [a, b, ...more].map((k, i) => [k, BigInt(i)]);
        expect(wasmKeys.step(entries)).toEqual(interpKeys.step(entries));
      }),
      { numRuns: 500 },
    );
  });

  test('maps with String keys that share their first 8 bytes answer as the interpreter, however they were built', () => {
    // Keys over two letters, 6 to 12 long: most share an 8-byte prefix with another key.
    const key = fc.array(fc.constantFrom('a', 'b'), { minLength: 6, maxLength: 12 }).map((cs) => cs.join(''));
    const state = map(Str, Int);
    // Per item: Left k looks k up; Right (k, v) inserts, or deletes k when v < 0. Answers the lookup or the size.
    const lookup = pipe(fanout(pipe(mk('Consume', {}), mk('Get', {})), mk('Id', {})), mk('MapLookup', {}));
    const insertOrDelete = pipe(
      fanout(mk('Id', {}), pipe(mk('Snd', {}), fanout(mk('Id', {}), pipe(mk('Consume', {}), mk('Int', { value: 0n }))), mk('Lt', {}))),
      mk('If', {
        onTrue: pipe(mk('Fst', {}), fanout(pipe(mk('Consume', {}), mk('Get', {})), mk('Id', {})), mk('MapDelete', {}), mk('Put', {})),
        onFalse: pipe(fanout(pipe(mk('Consume', {}), mk('Get', {})), mk('Id', {})), mk('MapInsert', {}), mk('Put', {})),
      }),
      mk('Get', {}),
      mk('MapSize', {}),
    );
    const item = typed(mk('Case', { left: lookup, right: insertOrDelete }), state, either(Str, pair(Str, Int)));
    // The same map as a constant in the term, looked up from static data.
    const constantLookup = (m: PMap) => typed(pipe(fanout(pipe(mk('Consume', {}), mk('Const', { type: state, value: m })), mk('Id', {})), mk('MapLookup', {})), Unit, Str);
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 40 }), fc.array(fc.tuple(key, fc.integer({ min: -1, max: 5 })), { maxLength: 40 }), (keys, ops) => {
        const initial = PMap.fromEntries(Str, keys.map((k, i) => [k, BigInt(i)] as [Value, Value]));
        // Loaded through the canonical layout (a state hand-over), then changed item by item.
        const w = wasmEngine.load({ typed: item, stateType: state, initialState: initial });
        const r = interpreter.load({ typed: item, stateType: state, initialState: initial });
        const probes = [...keys, ...ops.map(([k]) => k)];
        for (const [k, v] of ops) {
          const input: Value = { tag: 'Right', value: [k, BigInt(v)] };
          expect(w.step(input)).toEqual(r.step(input));
        }
        for (const k of probes) expect(w.step({ tag: 'Left', value: k })).toEqual(r.step({ tag: 'Left', value: k }));
        w.collect();
        for (const k of probes) expect(w.step({ tag: 'Left', value: k })).toEqual(r.step({ tag: 'Left', value: k }));
        expect(valueEquals(state, w.getState(), r.getState())).toBe(true);
        const wc = wasmEngine.load({ typed: constantLookup(initial), stateType: Unit, initialState: null });
        const rc = interpreter.load({ typed: constantLookup(initial), stateType: Unit, initialState: null });
        for (const k of probes) expect(wc.step(k)).toEqual(rc.step(k));
      }),
      { numRuns: 150 },
    );
  });
});

describe('items are transactions', () => {
  // Put a new state, then fail: Compose(Fail, Compose(Put, Const 99)) at state Int.
  const putThenFail = typed(pipe(mk('Const', { type: Int, value: 99n }), mk('Put', {}), mk('Fail', { message: 'after put', type: Int })), Int, Unit);

  test('a failed item leaves the state exactly as before, even after it put a new one', () => {
    const m = wasmEngine.load({ typed: putThenFail, stateType: Int, initialState: 7n });
    expect(m.step(null)).toEqual({ ok: false, error: { code: 'FAIL', message: 'after put' } });
    expect(m.getState()).toBe(7n);
  });

  test('a failure deep in a loop that inserted into a large map leaves the map as it was', () => {
    // (Map Int Int; List Int -> ()): insert every element, then divide by zero.
    const state = map(Int, Int);
    const insertAll = mk('Fold', {
      body: pipe(mk('Snd', {}), fanout(pipe(mk('Consume', {}), mk('Get', {})), fanout(mk('Id', {}), mk('Id', {}))), mk('MapInsert', {}), mk('Put', {})),
    });
    const term = pipe(fanout(mk('Consume', {}), mk('Id', {})), insertAll, fanout(mk('Int', { value: 1n }), mk('Int', { value: 0n })), mk('Div', {}), mk('Consume', {}));
    const t = typed(term, state, list(Int));
    const entries: Array<[Value, Value]> = Array.from({ length: 20000 }, (_, i) => [BigInt(i * 2), BigInt(i)]);
    const initial = PMap.fromEntries(Int, entries);
    const m = wasmEngine.load({ typed: t, stateType: state, initialState: initial });
    const xs = Array.from({ length: 5000 }, (_, i) => BigInt(i * 3));
    for (let k = 0; k < 3; k++) {
      expect(m.step(xs)).toEqual({ ok: false, error: { code: 'DIVIDE_BY_ZERO', message: 'division by zero' } });
      m.collect();
    }
    expect(valueEquals(state, m.getState(), initial)).toBe(true);
  });

  test('malformed input bytes are refused as a LayoutError; the machine goes on as before', () => {
    const m = wasmEngine.load({ typed: kvTyped, stateType: StateV1.type, initialState: PMap.empty(Str) });
    expect(m.step(putKV('a', '1'))).toMatchObject({ ok: true });
    const good = encodeValue(ParsedV1.type, get('a'));
    for (const bad of [good.subarray(0, good.length - 1), new Uint8Array([...good, 0]), new Uint8Array([1, 9, 0, 0, 0]), new Uint8Array([1, 0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0x28])]) {
      expect(() => m.stepEncoded(bad)).toThrow(LayoutError);
    }
    expect(m.step(get('a'))).toEqual({ ok: true, output: { tag: 'Right', value: { tag: 'Value', value: '1' } } });
    expect(() => m.setStateEncoded(new Uint8Array([5, 0, 0, 0]))).toThrow(LayoutError);
    expect(m.getState()).toEqual(PMap.fromEntries(Str, [['a', '1']]));
  });

  test('damaged state bytes are refused exactly when the host refuses them, and otherwise mean the same', () => {
    // Maps of String and of Int keys are decoded in place in two passes; every other shape in one.
    const types = [map(Str, pair(Int, list(Str))), map(Int, map(Str, list(Int))), map(pair(Int, Int), Str)];
    const value = (t: Type, seed: number): Value => {
      const entries: Array<[Value, Value]> = [];
      for (let i = 0; i < 6; i++) {
        const n = BigInt((seed * 7 + i * 13) % 50);
        if (t === types[0]) entries.push([`k${n}é`, [n, [`x${n}`, '']]]);
        else if (t === types[1]) entries.push([n, PMap.fromEntries(Str, [[`s${n}`, [n, -n]]])]);
        else entries.push([[n, -n], `v${n}`]);
      }
      return PMap.fromEntries((t as { key: Type }).key, entries);
    };
    fc.assert(
      fc.property(fc.nat(2), fc.nat(1000), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }), fc.nat(8), (which, seed, edits, cut) => {
        const t = types[which];
        const bytes = encodeValue(t, value(t, seed));
        for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
        const damaged = cut === 0 ? bytes.subarray(0, bytes.length - 1) : bytes;
        const m = wasmEngine.load({ typed: typed(mk('Id', {}), t, Unit), stateType: t, initialState: PMap.empty((t as { key: Type }).key) });
        let host: Value | 'refused';
        try {
          host = decodeValue(t, damaged);
        } catch (e) {
          if (!(e instanceof LayoutError)) throw e;
          host = 'refused';
        }
        if (host === 'refused') {
          expect(() => m.setStateEncoded(damaged)).toThrow(LayoutError);
          expect(valueEquals(t, m.getState(), PMap.empty((t as { key: Type }).key))).toBe(true);
        } else {
          m.setStateEncoded(damaged);
          expect(valueEquals(t, m.getState(), host)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('a map count that the bytes cannot hold is refused before anything is sized by it', () => {
    const t = map(Str, Str);
    const m = wasmEngine.load({ typed: typed(mk('Id', {}), t, Unit), stateType: t, initialState: PMap.empty(Str) });
    for (const count of [0xffffffff, 0x40000000, 3]) {
      const bytes = new Uint8Array(12);
      new DataView(bytes.buffer).setUint32(0, count, true);
      expect(() => m.setStateEncoded(bytes)).toThrow(LayoutError);
    }
    expect(m.stats().memoryBytes).toBeLessThan(1 << 24);
  });
});

describe('the heap', () => {
  test('random machines agree with the interpreter when the collector runs after every item', () => {
    // The differential test rarely fills the heap enough to collect; here every item is followed
    // by a collection, so every live value of every type is copied and read back many times.
    const collecting = {
      ...wasmEngine,
      load: (spec: Parameters<typeof wasmEngine.load>[0]) => {
        const m = wasmEngine.load(spec);
        const step = m.step.bind(m);
        m.step = (input: Value) => {
          const r = step(input);
          m.collect();
          return r;
        };
        return m;
      },
    };
    fc.assert(
      fc.property(arbStateMachineCase(), (c) => {
        const t = typed(c.term, c.stateType, c.inputType);
        expectSameTrace(traceMachineCase(collecting, t, c), traceMachineCase(interpreter, t, c), c);
      }),
      { numRuns: 150 },
    );
  });

  test('a kv store with 50,000 keys survives collections, answering as the interpreter', () => {
    const entries: Array<[Value, Value]> = Array.from({ length: 50000 }, (_, i) => [`key${i}`, `value${i}`]);
    const initial = PMap.fromEntries(Str, entries);
    const w = wasmEngine.load({ typed: kvTyped, stateType: StateV1.type, initialState: initial });
    const r = interpreter.load({ typed: kvTyped, stateType: StateV1.type, initialState: initial });
    expect(valueEquals(StateV1.type, w.getState(), initial)).toBe(true);
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    for (let i = 0; i < 20000; i++) {
      const k = `key${random(60000)}`;
      const which = random(10);
      const input = which < 6 ? get(k) : which < 9 ? putKV(k, `v${i}`) : del(k);
      expect(w.step(input)).toEqual(r.step(input));
      if (i % 5000 === 4999) w.collect();
    }
    expect(valueEquals(StateV1.type, w.getState(), r.getState())).toBe(true);
  });

  test('memory stays bounded over a long run: garbage is collected, the heap stops growing', () => {
    // 1,000 keys overwritten again and again: the live size is constant, everything else is garbage.
    const w = wasmEngine.load({ typed: kvTyped, stateType: StateV1.type, initialState: PMap.empty(Str) });
    const inputs = Array.from({ length: 1000 }, (_, i) => encodeValue(ParsedV1.type, putKV(`key${i}`, `a value of some length ${i}`)));
    for (let i = 0; i < 50000; i++) w.stepEncoded(inputs[i % 1000]);
    const warm = w.stats();
    for (let i = 0; i < 300000; i++) w.stepEncoded(inputs[i % 1000]);
    const after = w.stats();
    expect(after.collections).toBeGreaterThan(warm.collections);
    expect(after.memoryBytes).toBe(warm.memoryBytes);
    expect(after.liveBytes).toBeLessThan(1 << 20);
    expect((w.getState() as PMap).size).toBe(1000);
  });

  test('an item that leaves the state as it was leaves no heap behind, nor does a failed one, whatever its input size', () => {
    const w = wasmEngine.load({ typed: kvTyped, stateType: StateV1.type, initialState: PMap.fromEntries(Str, [['k', 'v']]) });
    const big = 'x'.repeat(200_000); // far larger than the I/O area: the input goes into the heap
    w.step(putKV('k', 'v2'));
    const before = w.stats().heapUsed;
    for (let i = 0; i < 20; i++) {
      expect(w.step(get(big))).toEqual({ ok: true, output: { tag: 'Right', value: { tag: 'NotFound', value: null } } });
      expect(w.step(get('k'))).toEqual({ ok: true, output: { tag: 'Right', value: { tag: 'Value', value: 'v2' } } });
      expect(() => w.stepEncoded(encodeValue(Str, big))).toThrow(LayoutError);
    }
    expect(w.stats().heapUsed).toBe(before);
  });

  test('handing over a state again drops the state before it', () => {
    const entries = (tag: string) => PMap.fromEntries(Str, Array.from({ length: 20_000 }, (_, i) => [`key${i}`, `${tag}${i}`] as [Value, Value]));
    const w = wasmEngine.load({ typed: kvTyped, stateType: StateV1.type, initialState: entries('a') });
    const first = w.stats().heapUsed;
    for (let round = 0; round < 10; round++) w.setState(entries(`round${round}-`));
    expect(w.stats().heapUsed).toBeLessThan(3 * first);
    expect(w.step(get('key7'))).toEqual({ ok: true, output: { tag: 'Right', value: { tag: 'Value', value: 'round9-7' } } });
  });

  test('map bytes whose keys do not ascend decode as the host decodes them: later entries win', () => {
    const t = map(Int, Str);
    const idTyped = typed(mk('Id', {}), t, Unit);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.bigInt({ min: -20n, max: 20n }), fc.string({ maxLength: 3 })), { maxLength: 60 }), (entries) => {
        // The canonical writer sorts; these bytes keep the entries in the order drawn, repeats included.
        const w = new ByteWriter();
        w.u32(entries.length);
        for (const [k, v] of entries) {
          encodeInto(w, Int, k);
          encodeInto(w, Str, v);
        }
        const bytes = w.finish();
        const m = wasmEngine.load({ typed: idTyped, stateType: t, initialState: PMap.empty(Int) });
        m.setStateEncoded(bytes);
        expect(valueEquals(t, m.getState(), decodeValue(t, bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('a state handed over in the canonical layout comes back byte for byte', () => {
    const t = map(Str, pair(Int, list(Str)));
    const arb = fc.array(fc.tuple(fc.string(), fc.tuple(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.array(fc.string(), { maxLength: 3 }))), { maxLength: 50 });
    const idTyped = typed(mk('Id', {}), t, Unit);
    fc.assert(
      fc.property(arb, (entries) => {
        const v = PMap.fromEntries(Str, entries.map(([k, [n, l]]) => [k, [n, l]] as [Value, Value]));
        const m = wasmEngine.load({ typed: idTyped, stateType: t, initialState: v });
        const bytes = encodeValue(t, v);
        expect(Buffer.from(m.getStateEncoded()).equals(Buffer.from(bytes))).toBe(true);
        m.collect();
        expect(Buffer.from(m.getStateEncoded()).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
