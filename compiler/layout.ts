// Canonical binary layout of values, version 1 (docs/value-layout.md).
//
//   (Int, Either () Bool)  value [7n, Right true]
//   =>  07 00 00 00 00 00 00 00   01   01
//       Int (i64 LE)              tag  Bool
//
// Type-directed and self-delimiting given the type; byte-packed, little
// endian, no alignment. The same bytes travel between stages, hand state from
// an old module to a migration, and go into snapshots, so they depend on no
// module's memory layout:
//
//   Unit      nothing
//   Int       8 bytes, two's complement, little endian
//   Bool      1 byte, 0 or 1
//   String    u32 byte length, then UTF-8
//   Pair      first, then second
//   Either    u8 tag (0 Left, 1 Right), then the payload
//   List      u32 count, then the elements
//   Map       u32 count, then (key, value) pairs in ascending key order
//   Record    the fields in name order
//   Variant   u32 case index in name order, then the payload

import { type Type, showType, unreachableKind } from './types.ts';
import { PMap, type ListValue, type PairValue, type RecordValue, type TaggedValue, type Value } from './values.ts';

export const LAYOUT_VERSION = 1;

const encoder = new TextEncoder();
// ignoreBOM: a String that starts with U+FEFF keeps it (by default TextDecoder drops it, which the
// Wasm runtime's decoder does not).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A growable byte buffer. `encodeInto` appends; nothing is allocated per value except string bytes. */
export class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  length = 0;
  constructor(capacity = 256) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
  u8(x: number): void {
    this.reserve(1);
    this.bytes[this.length++] = x;
  }
  u32(x: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, x, true);
    this.length += 4;
  }
  i64(x: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, x, true);
    this.length += 8;
  }
  raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }
  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

export function encodeValue(t: Type, v: Value): Uint8Array {
  const w = new ByteWriter();
  encodeInto(w, t, v);
  return w.finish();
}

export function encodeInto(w: ByteWriter, t: Type, v: Value): void {
  switch (t.kind) {
    case 'Unit':
      return;
    case 'Int':
      return w.i64(v as bigint);
    case 'Bool':
      return w.u8(v ? 1 : 0);
    case 'String': {
      const s = v as string;
      // ASCII fast path: one byte per char.
      let ascii = true;
      for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) { ascii = false; break; }
      if (ascii) {
        w.u32(s.length);
        w.reserve(s.length);
        for (let i = 0; i < s.length; i++) w.bytes[w.length + i] = s.charCodeAt(i);
        w.length += s.length;
      } else {
        const b = encoder.encode(s);
        w.u32(b.length);
        w.raw(b);
      }
      return;
    }
    case 'Pair': {
      const p = v as PairValue;
      encodeInto(w, t.fst, p[0]);
      encodeInto(w, t.snd, p[1]);
      return;
    }
    case 'Either': {
      const x = v as TaggedValue;
      const isLeft = x.tag === 'Left';
      w.u8(isLeft ? 0 : 1);
      encodeInto(w, isLeft ? t.left : t.right, x.value);
      return;
    }
    case 'Variant': {
      const x = v as TaggedValue;
      const i = t.cases.findIndex((c) => c.name === x.tag);
      if (i < 0) throw new Error(`case ${x.tag} is not in ${showType(t)}`);
      w.u32(i);
      encodeInto(w, t.cases[i].type, x.value);
      return;
    }
    case 'List': {
      const l = v as ListValue;
      w.u32(l.length);
      for (const e of l) encodeInto(w, t.elem, e);
      return;
    }
    case 'Map': {
      const m = v as PMap;
      w.u32(m.size);
      m.forEach((k, x) => {
        encodeInto(w, t.key, k);
        encodeInto(w, t.value, x);
      });
      return;
    }
    case 'Record': {
      const r = v as RecordValue;
      for (const f of t.fields) encodeInto(w, f.type, r[f.name]);
      return;
    }
    default:
      return unreachableKind(t);
  }
}

export class LayoutError extends Error {
  override name = 'LayoutError';
}

/** Reads values back; every read is bounds-checked, so truncated or hostile bytes give a LayoutError. */
export class ByteReader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    public offset = 0,
    readonly end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.offset + n > this.end) throw new LayoutError(`truncated value: needed ${n} more bytes at offset ${this.offset}`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.offset++];
  }
  u32(): number {
    this.need(4);
    const x = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return x;
  }
  i64(): bigint {
    this.need(8);
    const x = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return x;
  }
}

export function decodeValue(t: Type, bytes: Uint8Array): Value {
  const r = new ByteReader(bytes);
  const v = decodeFrom(r, t);
  if (r.offset !== r.end) throw new LayoutError(`${r.end - r.offset} trailing bytes after a value of type ${showType(t)}`);
  return v;
}

export function decodeFrom(r: ByteReader, t: Type): Value {
  switch (t.kind) {
    case 'Unit':
      return null;
    case 'Int':
      return r.i64();
    case 'Bool': {
      const b = r.u8();
      if (b > 1) throw new LayoutError(`invalid Bool byte ${b}`);
      return b === 1;
    }
    case 'String': {
      const n = r.u32();
      r.need(n);
      const start = r.offset;
      r.offset += n;
      let ascii = true;
      for (let i = start; i < start + n; i++) if (r.bytes[i] > 0x7f) { ascii = false; break; }
      if (ascii && n < 64) {
        let s = '';
        for (let i = start; i < start + n; i++) s += String.fromCharCode(r.bytes[i]);
        return s;
      }
      try {
        return decoder.decode(r.bytes.subarray(start, start + n));
      } catch {
        throw new LayoutError('invalid UTF-8 in a String');
      }
    }
    case 'Pair': {
      const a = decodeFrom(r, t.fst);
      return [a, decodeFrom(r, t.snd)];
    }
    case 'Either': {
      const tag = r.u8();
      if (tag > 1) throw new LayoutError(`invalid Either tag ${tag}`);
      return tag === 0 ? { tag: 'Left', value: decodeFrom(r, t.left) } : { tag: 'Right', value: decodeFrom(r, t.right) };
    }
    case 'Variant': {
      const i = r.u32();
      if (i >= t.cases.length) throw new LayoutError(`invalid case index ${i} for ${showType(t)}`);
      return { tag: t.cases[i].name, value: decodeFrom(r, t.cases[i].type) };
    }
    case 'List': {
      const n = r.u32();
      const out: Value[] = [];
      for (let i = 0; i < n; i++) out.push(decodeFrom(r, t.elem));
      return out;
    }
    case 'Map': {
      const n = r.u32();
      const entries: Array<[Value, Value]> = [];
      for (let i = 0; i < n; i++) {
        const k = decodeFrom(r, t.key);
        entries.push([k, decodeFrom(r, t.value)]);
      }
      return PMap.fromEntries(t.key, entries);
    }
    case 'Record': {
      const out: Record<string, Value> = {};
      for (const f of t.fields) out[f.name] = decodeFrom(r, f.type);
      return out;
    }
    default:
      return unreachableKind(t);
  }
}
