// The canonical binary layout (docs/value-layout.md, compiler/layout.ts) inside Wasm.
//
//   decode(bytes 07 00 00 00 00 00 00 00 01 01, (Int, Either () Bool))  =>  pair(7, Right 1)
//   encode(that value)                                                   =>  the same 10 bytes
//
// Decoding checks every length and tag against the end of the input (hostile bytes give the
// E_LAYOUT error, never a read past the end), and rebuilds maps as balanced trees in O(n).

import { alloc, copyBytes, heapTop, K_NODE_PREFIX, K_RAW, K_TUPLE, K_TAGGED, openNeed, openClose, raise, E_LAYOUT, E_OUT_OF_MEMORY } from './heap';
import {
  descA, descB, descCount, descField, fieldOffset, headOf, kindOf, payloadOf, ptrBit, tagOf, tailOf, word,
  T_BOOL, T_EITHER, T_INT, T_LIST, T_MAP, T_PAIR, T_RECORD, T_STRING, T_UNIT, T_VARIANT,
} from './values';
import { mapFromEntries, nodeHeaderFor } from './collections';
import { emptyString, newString, strCodePoints, strData, strLength, strPrefix, validateUtf8 } from './strings';
import { K_CONS } from './heap';

// --- encode ---

let out: usize = 0;

/** Encodes `v` as a K_RAW object; returns the address of the bytes (length in `encodedLength`). */
export let encodedLength: u32 = 0;
export function encode(v: i64, desc: usize): usize {
  const start = heapTop;
  out = start + 8;
  // The header needs memory even when the value has no bytes (a Unit output): nothing else grows it then.
  openNeed(start, 8);
  encodeGo(v, desc);
  encodedLength = <u32>(out - start - 8);
  store<u32>(start, K_RAW | (encodedLength << 3));
  store<u32>(start, 0, 4);
  openClose(out);
  return start + 8;
}

@inline function put32(x: u32): void {
  openNeed(out, 4);
  store<u32>(out, x);
  out += 4;
}

function encodeGo(v: i64, desc: usize): void {
  switch (kindOf(desc)) {
    case T_UNIT:
      return;
    case T_INT:
      openNeed(out, 8);
      store<i64>(out, v);
      out += 8;
      return;
    case T_BOOL:
      openNeed(out, 1);
      store<u8>(out, <u8>v);
      out += 1;
      return;
    case T_STRING: {
      const n = strLength(<usize>v);
      put32(n);
      openNeed(out, n);
      copyBytes(out, strData(<usize>v), n);
      // A surrogate code point (only Read's \55296-style escapes make one) has no UTF-8 form: like
      // JS's TextEncoder, the canonical layout carries U+FFFD instead (same length, 3 bytes).
      if (strCodePoints(<usize>v) != n) {
        for (let i: usize = 0; i + 2 < <usize>n; i++) {
          if (load<u8>(out + i) == 0xed && load<u8>(out + i + 1) >= 0xa0) {
            store<u8>(out + i, 0xef);
            store<u8>(out + i + 1, 0xbf);
            store<u8>(out + i + 2, 0xbd);
          }
        }
      }
      out += n;
      return;
    }
    case T_PAIR:
      encodeGo(word(<usize>v, 8), descA(desc));
      encodeGo(word(<usize>v, 16), descB(desc));
      return;
    case T_EITHER: {
      const tag = tagOf(<usize>v);
      openNeed(out, 1);
      store<u8>(out, <u8>tag);
      out += 1;
      encodeGo(payloadOf(<usize>v), tag == 0 ? descA(desc) : descB(desc));
      return;
    }
    case T_VARIANT: {
      const tag = tagOf(<usize>v);
      put32(tag);
      encodeGo(payloadOf(<usize>v), descField(desc, tag));
      return;
    }
    case T_LIST: {
      const l = <usize>v;
      put32(l == 0 ? 0 : load<u32>(l, 4));
      const e = descA(desc);
      for (let c = l; c != 0; c = tailOf(c)) encodeGo(headOf(c), e);
      return;
    }
    case T_MAP: {
      const t = <usize>v;
      put32(t == 0 ? 0 : load<u32>(t, 4));
      encodeEntries(t, descA(desc), descB(desc));
      return;
    }
    case T_RECORD: {
      const n = descCount(desc);
      for (let i: u32 = 0; i < n; i++) encodeGo(word(<usize>v, fieldOffset(n, i)), descField(desc, i));
      return;
    }
  }
  unreachable();
}

function encodeEntries(t: usize, kd: usize, vd: usize): void {
  while (t != 0) {
    encodeEntries(load<u32>(t, 24), kd, vd);
    encodeGo(load<i64>(t, 8), kd);
    encodeGo(load<i64>(t, 16), vd);
    t = load<u32>(t, 28);
  }
}

// --- decode ---

let at: usize = 0;
let end: usize = 0;

@inline function need(n: usize): void {
  if (n > end - at) raise(E_LAYOUT, 0);
}

function get32(): u32 {
  need(4);
  const x = load<u32>(at);
  at += 4;
  return x;
}

/** Decodes exactly the `len` bytes at `p` as a value of `desc` (trailing bytes are an error). */
export function decode(p: usize, len: usize, desc: usize): i64 {
  at = p;
  end = p + len;
  const v = decodeGo(desc);
  if (at != end) raise(E_LAYOUT, 0);
  return v;
}

function decodeGo(desc: usize): i64 {
  switch (kindOf(desc)) {
    case T_UNIT:
      return 0;
    case T_INT: {
      need(8);
      const x = load<i64>(at);
      at += 8;
      return x;
    }
    case T_BOOL: {
      need(1);
      const b = load<u8>(at);
      at += 1;
      if (b > 1) raise(E_LAYOUT, 0);
      return <i64>b;
    }
    case T_STRING: {
      const n = get32();
      need(n);
      const cps = validateUtf8(at, n);
      if (cps < 0) raise(E_LAYOUT, 0);
      if (n == 0) return <i64>emptyString();
      const s = newString(n, <u32>cps);
      copyBytes(strData(s), at, n);
      at += n;
      return <i64>s;
    }
    case T_PAIR: {
      const a = decodeGo(descA(desc));
      const b = decodeGo(descB(desc));
      const p = alloc(24);
      store<u32>(p, K_TUPLE | (2 << 3));
      store<u32>(p, ptrBit(descA(desc)) | (ptrBit(descB(desc)) << 1), 4);
      store<i64>(p, a, 8);
      store<i64>(p, b, 16);
      return <i64>p;
    }
    case T_EITHER: {
      need(1);
      const tag = <u32>load<u8>(at);
      at += 1;
      if (tag > 1) raise(E_LAYOUT, 0);
      const pd = tag == 0 ? descA(desc) : descB(desc);
      const x = decodeGo(pd);
      const p = alloc(16);
      store<u32>(p, K_TAGGED | (ptrBit(pd) << 3));
      store<u32>(p, tag, 4);
      store<i64>(p, x, 8);
      return <i64>p;
    }
    case T_VARIANT: {
      const tag = get32();
      if (tag >= descCount(desc)) raise(E_LAYOUT, 0);
      const pd = descField(desc, tag);
      const x = decodeGo(pd);
      const p = alloc(16);
      store<u32>(p, K_TAGGED | (ptrBit(pd) << 3));
      store<u32>(p, tag, 4);
      store<i64>(p, x, 8);
      return <i64>p;
    }
    case T_LIST: {
      const n = get32();
      const e = descA(desc);
      // Cells are linked front to back; each knows its length up front.
      let first: usize = 0;
      let last: usize = 0;
      const flag = ptrBit(e);
      for (let i: u32 = 0; i < n; i++) {
        const x = decodeGo(e);
        const cell = alloc(24);
        store<u32>(cell, K_CONS | (flag << 3));
        store<u32>(cell, n - i, 4);
        store<i64>(cell, x, 8);
        store<i64>(cell, 0, 16);
        if (last == 0) first = cell;
        else store<i64>(last, <i64>cell, 16);
        last = cell;
      }
      return <i64>first;
    }
    case T_MAP: {
      const n = get32();
      if (n == 0) return 0;
      const kd = descA(desc);
      const vd = descB(desc);
      const keyKind = kindOf(kd);
      if (keyKind == T_STRING || keyKind == T_INT) {
        const t = decodeMapInScanOrder(n, desc);
        if (t != 0) return <i64>t;
      }
      // Decode the entries into a scratch array and build the tree from it in O(n). Hostile bytes
      // whose keys do not ascend get a map as if inserted in order (later entries win, as in layout.ts).
      // A count the bytes cannot hold is refused before it sizes anything; entries that take no
      // bytes at all (keys and values built of () alone) are bounded only by the scratch array.
      const least = <u64>minBytes(kd) + <u64>minBytes(vd);
      if (<u64>n * least > <u64>(end - at)) raise(E_LAYOUT, 0);
      if (n >= 1 << 28) raise(E_OUT_OF_MEMORY, 0);
      const entries = alloc(<usize>n << 4);
      for (let i: u32 = 0; i < n; i++) {
        const k = decodeGo(kd);
        const v = decodeGo(vd);
        const e = entries + (<usize>i << 4);
        store<i64>(e, k);
        store<i64>(e, v, 8);
      }
      return <i64>mapFromEntries(entries, n, desc);
    }
    case T_RECORD: {
      const n = descCount(desc);
      const base = fieldOffset(n, 0);
      const p = alloc(base + (<usize>n << 3));
      store<u32>(p, K_TUPLE | (n << 3));
      writeMask(p, desc, n);
      for (let i: u32 = 0; i < n; i++) {
        const x = decodeGo(descField(desc, i));
        store<i64>(p + fieldOffset(n, i), x);
      }
      return <i64>p;
    }
  }
  unreachable();
  return 0;
}

/**
 * Decodes a map of `n` entries whose String or Int keys ascend straight into the layout a
 * collection would give it (heap.ts scan): nodes breadth first, each node's key and value just
 * before its children. Searches then find the top levels together and a key next to the nodes
 * that follow it, and a state handed over needs no collection to get there. A first pass finds
 * where each entry starts. Returns 0, with `at` back at the first entry, when the keys do not
 * ascend.
 */
function decodeMapInScanOrder(n: u32, desc: usize): usize {
  const kd = descA(desc);
  const vd = descB(desc);
  const keyKind = kindOf(kd);
  // A count the bytes cannot hold is refused before it sizes anything.
  if (<u64>n * (<u64>minBytes(kd) + <u64>minBytes(vd)) > <u64>(end - at)) raise(E_LAYOUT, 0);
  const first = at;
  const starts = alloc(<usize>n << 2);
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(starts + (<usize>i << 2), <u32>at);
    skip(kd);
    skip(vd);
  }
  const after = at;
  for (let i: u32 = 1; i < n; i++) {
    const a = <usize>load<u32>(starts + (<usize>(i - 1) << 2));
    const b = <usize>load<u32>(starts + (<usize>i << 2));
    if (compareEncodedKeys(a, b, keyKind) >= 0) {
      at = first;
      return 0;
    }
  }
  const header = nodeHeaderFor(desc);
  const prefixed = (header & K_NODE_PREFIX) != 0;
  const nodeBytes: usize = prefixed ? 40 : 32;
  // Nodes still to fill, in order: (node, lo, hi) for the entries [lo, hi) under it.
  const queue = alloc(<usize>n * 12);
  let head: usize = 0;
  let tail: usize = 1;
  const root = alloc(nodeBytes);
  store<u32>(queue, <u32>root);
  store<u32>(queue, 0, 4);
  store<u32>(queue, n, 8);
  while (head < tail) {
    const q = queue + head * 12;
    head++;
    const t = <usize>load<u32>(q);
    const lo = load<u32>(q, 4);
    const hi = load<u32>(q, 8);
    const mid = lo + ((hi - lo) >> 1);
    at = <usize>load<u32>(starts + (<usize>mid << 2));
    const k = decodeGo(kd);
    const v = decodeGo(vd);
    if (at != (mid + 1 < n ? <usize>load<u32>(starts + (<usize>(mid + 1) << 2)) : after)) raise(E_LAYOUT, 0);
    let l: usize = 0;
    let r: usize = 0;
    if (lo < mid) {
      l = alloc(nodeBytes);
      const c = queue + tail * 12;
      store<u32>(c, <u32>l);
      store<u32>(c, lo, 4);
      store<u32>(c, mid, 8);
      tail++;
    }
    if (mid + 1 < hi) {
      r = alloc(nodeBytes);
      const c = queue + tail * 12;
      store<u32>(c, <u32>r);
      store<u32>(c, mid + 1, 4);
      store<u32>(c, hi, 8);
      tail++;
    }
    store<u32>(t, header);
    store<u32>(t, hi - lo, 4);
    store<i64>(t, k, 8);
    store<i64>(t, v, 16);
    store<u32>(t, <u32>l, 24);
    store<u32>(t, <u32>r, 28);
    if (prefixed) store<u64>(t, strPrefix(<usize>k), 32);
  }
  at = after;
  return root;
}

/** The fewest bytes a value of `desc` takes in the canonical layout. */
function minBytes(desc: usize): u32 {
  switch (kindOf(desc)) {
    case T_UNIT:
      return 0;
    case T_INT:
      return 8;
    case T_BOOL:
      return 1;
    case T_STRING:
    case T_LIST:
    case T_MAP:
      return 4;
    case T_PAIR:
      return minBytes(descA(desc)) + minBytes(descB(desc));
    case T_EITHER: {
      const a = minBytes(descA(desc));
      const b = minBytes(descB(desc));
      return 1 + (a < b ? a : b);
    }
    case T_VARIANT: {
      const n = descCount(desc);
      let least: u32 = 0xffffffff;
      for (let i: u32 = 0; i < n; i++) {
        const m = minBytes(descField(desc, i));
        if (m < least) least = m;
      }
      return 4 + (n == 0 ? 0 : least);
    }
    case T_RECORD: {
      const n = descCount(desc);
      let total: u32 = 0;
      for (let i: u32 = 0; i < n; i++) total += minBytes(descField(desc, i));
      return total;
    }
  }
  unreachable();
  return 0;
}

/** Orders two encoded keys, String (byte order, then length) or Int, as compareValues orders the decoded ones. */
function compareEncodedKeys(a: usize, b: usize, keyKind: u32): i32 {
  if (keyKind == T_INT) {
    const x = load<i64>(a);
    const y = load<i64>(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const na = load<u32>(a);
  const nb = load<u32>(b);
  const c = memory.compare(a + 4, b + 4, <usize>(na < nb ? na : nb));
  if (c != 0) return c;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Moves past one encoded value of `desc`, checking its lengths and tags (decodeGo checks the rest). */
function skip(desc: usize): void {
  switch (kindOf(desc)) {
    case T_UNIT:
      return;
    case T_INT:
      need(8);
      at += 8;
      return;
    case T_BOOL:
      need(1);
      at += 1;
      return;
    case T_STRING: {
      const n = get32();
      need(n);
      at += n;
      return;
    }
    case T_PAIR:
      skip(descA(desc));
      skip(descB(desc));
      return;
    case T_EITHER: {
      need(1);
      const tag = load<u8>(at);
      at += 1;
      if (tag > 1) raise(E_LAYOUT, 0);
      skip(tag == 0 ? descA(desc) : descB(desc));
      return;
    }
    case T_VARIANT: {
      const tag = get32();
      if (tag >= descCount(desc)) raise(E_LAYOUT, 0);
      skip(descField(desc, tag));
      return;
    }
    case T_LIST:
      skipMany(get32(), descA(desc), 0);
      return;
    case T_MAP:
      skipMany(get32(), descA(desc), descB(desc));
      return;
    case T_RECORD: {
      const n = descCount(desc);
      for (let i: u32 = 0; i < n; i++) skip(descField(desc, i));
      return;
    }
  }
  unreachable();
}

/**
 * Skips `n` values of `a` (list elements), or `n` pairs of `a` and `b` (map entries) when `b` is
 * not 0. A type whose values take no bytes (built of () alone) takes none for any value, so when
 * the first one took none the rest are skipped at once: a hostile count cannot make this loop long.
 */
function skipMany(n: u32, a: usize, b: usize): void {
  for (let i: u32 = 0; i < n; i++) {
    const before = at;
    skip(a);
    if (b != 0) skip(b);
    if (at == before) return;
  }
}

/** Writes the pointer mask of a record with `n` fields of type `desc`. */
export function writeMask(p: usize, desc: usize, n: u32): void {
  if (n <= 32) {
    let mask: u32 = 0;
    for (let i: u32 = 0; i < n; i++) mask |= ptrBit(descField(desc, i)) << i;
    store<u32>(p, mask, 4);
  } else {
    store<u32>(p, 0, 4);
    const words = (n + 31) >> 5;
    for (let w: u32 = 0; w < words; w++) store<u32>(p + 8 + (<usize>w << 2), 0);
    for (let i: u32 = 0; i < n; i++) {
      const slot = p + 8 + (<usize>(i >> 5) << 2);
      store<u32>(slot, load<u32>(slot) | (ptrBit(descField(desc, i)) << (i & 31)));
    }
  }
}
