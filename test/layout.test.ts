// The canonical layout (compiler/layout.ts, assembly/layout.ts; docs/value-layout.md) on both
// sides: the TypeScript codec and the Wasm runtime write the same bytes, read each other's, and
// refuse the same malformed bytes.
//
//   (Int, Either () Bool)  [7, Right True]  =>  07 00 00 00 00 00 00 00 01 01   (both encoders)
//   Bool  02                                =>  LayoutError                     (both decoders)

import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeValue, encodeValue, LayoutError } from '../compiler/layout.ts';
import { mk } from '../compiler/terms.ts';
import { typecheck } from '../compiler/typecheck.ts';
import { Bool, either, Int, list, map, pair, record, showType, Str, type Type, Unit, variant } from '../compiler/types.ts';
import { PMap, type Value, valueEquals } from '../compiler/values.ts';
import { wasmEngine, type WasmMachine } from '../compiler/wasm-engine.ts';
import { arbTypedValue } from './arbitraries.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A Wasm machine whose state has type t (Id at state t, input ()): its state goes through the runtime's codec. */
function holding(t: Type, v: Value): WasmMachine {
  const r = typecheck(mk('Id', {}), { state: t, input: Unit });
  if (!r.ok) throw new Error('Id does not typecheck');
  return wasmEngine.load({ typed: r.typed, stateType: t, initialState: v });
}

/** A Wasm machine that decodes its input as t and answers it unchanged. */
function echo(t: Type): WasmMachine {
  const r = typecheck(mk('Id', {}), { state: Unit, input: t });
  if (!r.ok) throw new Error('Id does not typecheck');
  return wasmEngine.load({ typed: r.typed, stateType: Unit, initialState: null });
}

describe('both engines write the bytes docs/value-layout.md shows', () => {
  const kv = variant({ Put: pair(Str, Str), Get: Str, Delete: Str });
  const examples: Array<[Type, Value, string]> = [
    [Unit, null, ''],
    [Int, -2n, 'feffffffffffffff'],
    [Bool, true, '01'],
    [Str, 'héllo', '0600000068c3a96c6c6f'],
    [pair(Int, either(Unit, Bool)), [7n, { tag: 'Right', value: true }], '07000000000000000101'],
    [list(Str), ['a', 'bc'], '020000000100000061020000006263'],
    [map(Str, Int), PMap.fromEntries(Str, [['b', 2n], ['a', 1n]]), '02000000' + '01000000' + '61' + '0100000000000000' + '01000000' + '62' + '0200000000000000'],
    [record({ count: Int, active: Bool }), { count: 3n, active: true }, '010300000000000000'],
    [kv, { tag: 'Put', value: ['k', 'v'] }, '02000000010000006b0100000076'],
  ];
  test.each(examples.map(([t, v, bytes]) => ({ name: showType(t), t, v, bytes })))('$name', ({ t, v, bytes }) => {
    expect(hex(encodeValue(t, v))).toBe(bytes);
    expect(hex(holding(t, v).getStateEncoded())).toBe(bytes);
  });
});

describe('the two codecs agree on every value', () => {
  test('the runtime encodes what encodeValue encodes, and each decodes the other', () => {
    fc.assert(
      fc.property(arbTypedValue({ maxDepth: 3 }), ({ type, value }) => {
        const bytes = encodeValue(type, value);
        const m = holding(type, value);
        expect(hex(m.getStateEncoded())).toBe(hex(bytes));
        expect(valueEquals(type, decodeValue(type, m.getStateEncoded()), value)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  test('a String that starts with U+FEFF keeps it', () => {
    const bytes = encodeValue(Str, '\uFEFFx');
    expect(hex(bytes)).toBe('04000000efbbbf78');
    expect(decodeValue(Str, bytes)).toBe('\uFEFFx');
    expect(echo(Str).step('\uFEFFx')).toEqual({ ok: true, output: '\uFEFFx' });
  });

  test('values with no bytes are encoded item after item, well past the initial memory', () => {
    const r = typecheck(mk('Consume', {}), { state: Unit, input: Int });
    if (!r.ok) throw new Error('Consume does not typecheck');
    const m = wasmEngine.load({ typed: r.typed, stateType: Unit, initialState: null });
    const input = encodeValue(Int, 5n);
    let failures = 0;
    for (let i = 0; i < 50_000; i++) {
      const out = m.stepEncoded(input);
      if (!out.ok || out.output.length !== 0) failures++;
    }
    // 50,000 empty outputs take 400 KB of headers: more than the memory a module starts with.
    expect(failures).toBe(0);
  });
});

describe('malformed bytes are a LayoutError on both engines', () => {
  const malformed: Array<[string, Type, number[]]> = [
    ['a truncated Int', Int, [7, 0, 0]],
    ['a Bool byte other than 0 or 1', Bool, [2]],
    ['an Either tag other than 0 or 1', either(Unit, Int), [2]],
    ['a case index past the last case', variant({ A: Unit, B: Unit }), [2, 0, 0, 0]],
    ['a String length past the end', Str, [5, 0, 0, 0, 0x61]],
    ['invalid UTF-8', Str, [2, 0, 0, 0, 0xc3, 0x28]],
    ['an encoded surrogate', Str, [3, 0, 0, 0, 0xed, 0xa0, 0x80]],
    ['a list count past the end', list(Int), [3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]],
    ['trailing bytes', Int, [1, 0, 0, 0, 0, 0, 0, 0, 9]],
  ];
  test.each(malformed.map(([name, t, bytes]) => ({ name, t, bytes })))('$name', ({ t, bytes }) => {
    expect(() => decodeValue(t, new Uint8Array(bytes))).toThrow(LayoutError);
    const m = echo(t);
    expect(() => m.stepEncoded(new Uint8Array(bytes))).toThrow(LayoutError);
  });

  test('map entries out of order or repeated are accepted by both, the later entry winning', () => {
    const t = map(Int, Bool);
    // (2, True), (1, False), (2, False)
    const bytes = new Uint8Array([3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    const expected = PMap.fromEntries(Int, [[1n, false], [2n, false]]);
    expect(valueEquals(t, decodeValue(t, bytes), expected)).toBe(true);
    const out = echo(t).stepEncoded(bytes);
    expect(out.ok && hex(out.output)).toBe(hex(encodeValue(t, expected)));
  });
});
