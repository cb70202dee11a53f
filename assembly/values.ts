// Type descriptors and the total order on values.
//
//   (Int, Either () String)  =>  desc: [T_PAIR, &Int, &Either]   &Int: [T_INT]
//                                       &Either: [T_EITHER, &Unit, &String] ...
//
// Descriptors are u32 arrays in static memory written by the lowering (compiler/lower.ts):
//   +0 kind; Pair/Either/Map: +4 first, +8 second; List: +4 element;
//   Record/Variant: +4 count, then at +8 + 8i: name (a static string), type.
// A value is one 64-bit word: Unit 0, Int itself, Bool 0/1, anything else a pointer to an
// immutable heap object (heap.ts); the empty list and the empty map are the pointer 0.

import { alloc, K_TAGGED, K_TUPLE, K_CONS } from './heap';
import { strCompare, strEqual } from './strings';

export const T_UNIT: u32 = 0;
export const T_INT: u32 = 1;
export const T_BOOL: u32 = 2;
export const T_STRING: u32 = 3;
export const T_PAIR: u32 = 4;
export const T_EITHER: u32 = 5;
export const T_LIST: u32 = 6;
export const T_MAP: u32 = 7;
export const T_RECORD: u32 = 8;
export const T_VARIANT: u32 = 9;

@inline export function kindOf(desc: usize): u32 {
  return load<u32>(desc);
}
@inline export function descA(desc: usize): usize {
  return load<u32>(desc, 4);
}
@inline export function descB(desc: usize): usize {
  return load<u32>(desc, 8);
}
@inline export function descCount(desc: usize): u32 {
  return load<u32>(desc, 4);
}
@inline export function descName(desc: usize, i: u32): usize {
  return load<u32>(desc + 8 + (<usize>i << 3));
}
@inline export function descField(desc: usize, i: u32): usize {
  return load<u32>(desc + 12 + (<usize>i << 3));
}
/** Whether values of this type are heap pointers (String and every compound type). */
@inline export function isPointer(desc: usize): bool {
  return load<u32>(desc) >= T_STRING;
}
@inline export function ptrBit(desc: usize): u32 {
  return load<u32>(desc) >= T_STRING ? 1 : 0;
}

// --- cells ---

@inline export function word(p: usize, offset: usize): i64 {
  return load<i64>(p + offset);
}

/** A pair cell. Allocates. */
export function newPair(a: i64, b: i64, mask: u32): usize {
  const p = alloc(24);
  store<u32>(p, K_TUPLE | (2 << 3));
  store<u32>(p, mask, 4);
  store<i64>(p, a, 8);
  store<i64>(p, b, 16);
  return p;
}

/** An Either/variant cell. Allocates. */
export function newTagged(tag: u32, payload: i64, payloadIsPointer: u32): usize {
  const p = alloc(16);
  store<u32>(p, K_TAGGED | (payloadIsPointer << 3));
  store<u32>(p, tag, 4);
  store<i64>(p, payload, 8);
  return p;
}

@inline export function tagOf(p: usize): u32 {
  return load<u32>(p, 4);
}
@inline export function payloadOf(p: usize): i64 {
  return load<i64>(p, 8);
}

/** A list cell; `tail` is 0 for the empty list. Allocates. */
export function cons(head: i64, tail: usize, headIsPointer: u32): usize {
  const p = alloc(24);
  store<u32>(p, K_CONS | (headIsPointer << 3));
  store<u32>(p, (tail == 0 ? 0 : load<u32>(tail, 4)) + 1, 4);
  store<i64>(p, head, 8);
  store<i64>(p, <i64>tail, 16);
  return p;
}

@inline export function listLength(l: usize): u32 {
  return l == 0 ? 0 : load<u32>(l, 4);
}
@inline export function headOf(l: usize): i64 {
  return load<i64>(l, 8);
}
@inline export function tailOf(l: usize): usize {
  return <usize>load<i64>(l, 16);
}

/** Word offset of field i of a record (or tuple) with n fields. */
@inline export function fieldOffset(n: u32, i: u32): usize {
  return (n <= 32 ? 8 : 8 + (((<usize>((n + 31) >> 5) << 2) + 7) & ~7)) + (<usize>i << 3);
}

// --- the total order (compiler/values.ts compareValues) ---

export function compareValues(a: i64, b: i64, desc: usize): i32 {
  switch (kindOf(desc)) {
    case T_UNIT:
      return 0;
    case T_INT:
    case T_BOOL:
      return a < b ? -1 : a > b ? 1 : 0;
    case T_STRING:
      return strCompare(<usize>a, <usize>b);
    case T_PAIR: {
      if (a == b) return 0;
      const c = compareValues(word(<usize>a, 8), word(<usize>b, 8), descA(desc));
      if (c != 0) return c;
      return compareValues(word(<usize>a, 16), word(<usize>b, 16), descB(desc));
    }
    case T_EITHER: {
      if (a == b) return 0;
      const ta = tagOf(<usize>a);
      const tb = tagOf(<usize>b);
      if (ta != tb) return ta < tb ? -1 : 1;
      return compareValues(payloadOf(<usize>a), payloadOf(<usize>b), ta == 0 ? descA(desc) : descB(desc));
    }
    case T_VARIANT: {
      if (a == b) return 0;
      const ta = tagOf(<usize>a);
      const tb = tagOf(<usize>b);
      if (ta != tb) return ta < tb ? -1 : 1; // cases are in name order, so index order is name order
      return compareValues(payloadOf(<usize>a), payloadOf(<usize>b), descField(desc, ta));
    }
    case T_LIST: {
      let x = <usize>a;
      let y = <usize>b;
      const e = descA(desc);
      while (x != 0 && y != 0) {
        if (x == y) return 0;
        const c = compareValues(headOf(x), headOf(y), e);
        if (c != 0) return c;
        x = tailOf(x);
        y = tailOf(y);
      }
      return x != 0 ? 1 : y != 0 ? -1 : 0;
    }
    case T_MAP:
      return compareMaps(<usize>a, <usize>b, desc);
    case T_RECORD: {
      if (a == b) return 0;
      const n = descCount(desc);
      for (let i: u32 = 0; i < n; i++) {
        const off = fieldOffset(n, i);
        const c = compareValues(word(<usize>a, off), word(<usize>b, off), descField(desc, i));
        if (c != 0) return c;
      }
      return 0;
    }
  }
  unreachable();
  return 0;
}

/** Equality; cheaper than a comparison for strings and maps of different sizes. */
export function equalValues(a: i64, b: i64, desc: usize): bool {
  switch (kindOf(desc)) {
    case T_UNIT:
      return true;
    case T_INT:
    case T_BOOL:
      return a == b;
    case T_STRING:
      return strEqual(<usize>a, <usize>b);
    case T_MAP:
      if (mapSize(<usize>a) != mapSize(<usize>b)) return false;
      break;
    case T_LIST:
      if (listLength(<usize>a) != listLength(<usize>b)) return false;
      break;
  }
  return compareValues(a, b, desc) == 0;
}

// Maps compare as their ascending lists of (key, value): an in-order walk of both trees at once,
// each with an explicit stack (weight-balanced trees are at most ~2.5 log2(n) deep: 128 levels suffice).

@inline export function mapSize(t: usize): u32 {
  return t == 0 ? 0 : load<u32>(t, 4);
}

function pushLeft(stack: usize, depth: i32, t: usize): i32 {
  while (t != 0) {
    store<u32>(stack + (<usize>depth << 2), <u32>t);
    depth++;
    t = load<u32>(t, 24);
  }
  return depth;
}

function compareMaps(a: usize, b: usize, desc: usize): i32 {
  if (a == b) return 0;
  const sa = alloc(4 * 256);
  const sb = sa + 4 * 128;
  let da = pushLeft(sa, 0, a);
  let db = pushLeft(sb, 0, b);
  const kd = descA(desc);
  const vd = descB(desc);
  while (da > 0 && db > 0) {
    da--;
    db--;
    const x = <usize>load<u32>(sa + (<usize>da << 2));
    const y = <usize>load<u32>(sb + (<usize>db << 2));
    let c = compareValues(load<i64>(x, 8), load<i64>(y, 8), kd);
    if (c == 0) c = compareValues(load<i64>(x, 16), load<i64>(y, 16), vd);
    if (c != 0) return c;
    da = pushLeft(sa, da, load<u32>(x, 28));
    db = pushLeft(sb, db, load<u32>(y, 28));
  }
  return da > 0 ? 1 : db > 0 ? -1 : 0;
}
