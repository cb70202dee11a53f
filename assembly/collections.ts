// Lists (cons cells with a cached length) and persistent ordered maps (weight-balanced trees).
//
//   [1,2]                    =>  cons(1, cons(2, 0)), lengths 2 and 1
//   fromList [(1,"a")]       =>  node(key 1, value "a", left 0, right 0, size 1)
//
// Maps are Adams' weight-balanced trees with the parameters (delta 3, ratio 2) that Haskell's
// Data.Map uses: every update copies only the path from the root, O(log n) nodes, and leaves the
// old tree intact. That makes a failed item free to undo (the old root is still valid) and keeps
// the per-item cost independent of the state size. Node sizes give MapSize in O(1).

import { alloc, K_CONS, K_NODE, K_TUPLE } from './heap';
import { compareValues, cons, descA, descB, headOf, kindOf, listLength, mapSize, ptrBit, tailOf, T_INT, T_STRING } from './values';
import { strOrder } from './strings';

// --- lists ---

/** Append: copies the first list's cells, shares the second. Allocates. */
export function listAppend(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  let remaining = listLength(a) + listLength(b);
  let first: usize = 0;
  let last: usize = 0;
  for (let c = a; c != 0; c = tailOf(c)) {
    const cell = alloc(24);
    store<u32>(cell, load<u32>(c));
    store<u32>(cell, remaining--, 4);
    store<i64>(cell, headOf(c), 8);
    if (last == 0) first = cell;
    else store<i64>(last, <i64>cell, 16);
    last = cell;
  }
  store<i64>(last, <i64>b, 16);
  return first;
}

export function listReverse(l: usize): usize {
  let r: usize = 0;
  for (let c = l; c != 0; c = tailOf(c)) r = cons(headOf(c), r, (load<u32>(c) >> 3) & 1);
  return r;
}

/** Builds lists front to back: `listStart()`, `listPush(x)`..., `listFinish()`. Not reentrant. */
let buildFirst: usize = 0;
let buildLast: usize = 0;
let buildCount: u32 = 0;
let buildLength: u32 = 0;
let buildFlag: u32 = 0;

/** Starts a list of exactly `length` elements. */
export function listStart(length: u32, headIsPointer: u32): void {
  buildFirst = 0;
  buildLast = 0;
  buildCount = 0;
  buildLength = length;
  buildFlag = headIsPointer;
}

export function listPush(x: i64): void {
  const cell = alloc(24);
  store<u32>(cell, K_CONS | (buildFlag << 3));
  store<u32>(cell, buildLength - buildCount, 4);
  store<i64>(cell, x, 8);
  store<i64>(cell, 0, 16);
  if (buildLast == 0) buildFirst = cell;
  else store<i64>(buildLast, <i64>cell, 16);
  buildLast = cell;
  buildCount++;
}

export function listFinish(): usize {
  return buildFirst;
}

// --- maps ---

@inline function nodeKey(t: usize): i64 {
  return load<i64>(t, 8);
}
@inline function nodeValue(t: usize): i64 {
  return load<i64>(t, 16);
}
@inline function nodeLeft(t: usize): usize {
  return load<u32>(t, 24);
}
@inline function nodeRight(t: usize): usize {
  return load<u32>(t, 28);
}

/** h0 of the nodes of the map being updated (which of key and value are pointers). */
let nodeHeader: u32 = 0;

function node(k: i64, v: i64, l: usize, r: usize): usize {
  const t = alloc(32);
  store<u32>(t, nodeHeader);
  store<u32>(t, mapSize(l) + mapSize(r) + 1, 4);
  store<i64>(t, k, 8);
  store<i64>(t, v, 16);
  store<u32>(t, <u32>l, 24);
  store<u32>(t, <u32>r, 28);
  return t;
}

const DELTA: u32 = 3;
const RATIO: u32 = 2;

function balance(k: i64, v: i64, l: usize, r: usize): usize {
  const sl = mapSize(l);
  const sr = mapSize(r);
  if (sl + sr <= 1) return node(k, v, l, r);
  if (sr > DELTA * sl) {
    const rl = nodeLeft(r);
    const rr = nodeRight(r);
    if (mapSize(rl) < RATIO * mapSize(rr)) return node(nodeKey(r), nodeValue(r), node(k, v, l, rl), rr);
    return node(nodeKey(rl), nodeValue(rl), node(k, v, l, nodeLeft(rl)), node(nodeKey(r), nodeValue(r), nodeRight(rl), rr));
  }
  if (sl > DELTA * sr) {
    const ll = nodeLeft(l);
    const lr = nodeRight(l);
    if (mapSize(lr) < RATIO * mapSize(ll)) return node(nodeKey(l), nodeValue(l), ll, node(k, v, lr, r));
    return node(nodeKey(lr), nodeValue(lr), node(nodeKey(l), nodeValue(l), ll, nodeLeft(lr)), node(k, v, nodeRight(lr), r));
  }
  return node(k, v, l, r);
}

/** Key comparison with the common key types inlined. */
@inline function compareKeys(a: i64, b: i64, keyDesc: usize): i32 {
  const kind = kindOf(keyDesc);
  if (kind == T_INT) return a < b ? -1 : a > b ? 1 : 0;
  if (kind == T_STRING) return strOrder(<usize>a, <usize>b);
  return compareValues(a, b, keyDesc);
}

@inline function headerFor(mapDesc: usize): u32 {
  return K_NODE | (ptrBit(descA(mapDesc)) << 3) | (ptrBit(descB(mapDesc)) << 4);
}

let insertKeyDesc: usize = 0;

function insertGo(t: usize, k: i64, v: i64): usize {
  if (t == 0) return node(k, v, 0, 0);
  const c = compareKeys(k, nodeKey(t), insertKeyDesc);
  if (c < 0) return balance(nodeKey(t), nodeValue(t), insertGo(nodeLeft(t), k, v), nodeRight(t));
  if (c > 0) return balance(nodeKey(t), nodeValue(t), nodeLeft(t), insertGo(nodeRight(t), k, v));
  return node(k, v, nodeLeft(t), nodeRight(t));
}

/** MapInsert (replaces an existing key's value). Allocates O(log n) nodes. */
export function mapInsert(t: usize, k: i64, v: i64, mapDesc: usize): usize {
  nodeHeader = headerFor(mapDesc);
  insertKeyDesc = descA(mapDesc);
  return insertGo(t, k, v);
}

/** MapLookup: the node holding `k`, or 0. */
export function mapFind(t: usize, k: i64, mapDesc: usize): usize {
  const keyDesc = descA(mapDesc);
  const kind = kindOf(keyDesc);
  if (kind == T_INT) {
    while (t != 0) {
      const x = nodeKey(t);
      if (k == x) return t;
      t = k < x ? nodeLeft(t) : nodeRight(t);
    }
    return 0;
  }
  if (kind == T_STRING) {
    while (t != 0) {
      const c = strOrder(<usize>k, <usize>nodeKey(t));
      if (c == 0) return t;
      t = c < 0 ? nodeLeft(t) : nodeRight(t);
    }
    return 0;
  }
  while (t != 0) {
    const c = compareValues(k, nodeKey(t), keyDesc);
    if (c == 0) return t;
    t = c < 0 ? nodeLeft(t) : nodeRight(t);
  }
  return 0;
}

let minKey: i64 = 0;
let minValue: i64 = 0;

function deleteMin(t: usize): usize {
  const l = nodeLeft(t);
  if (l == 0) {
    minKey = nodeKey(t);
    minValue = nodeValue(t);
    return nodeRight(t);
  }
  return balance(nodeKey(t), nodeValue(t), deleteMin(l), nodeRight(t));
}

function deleteMax(t: usize): usize {
  const r = nodeRight(t);
  if (r == 0) {
    minKey = nodeKey(t);
    minValue = nodeValue(t);
    return nodeLeft(t);
  }
  return balance(nodeKey(t), nodeValue(t), nodeLeft(t), deleteMax(r));
}

function glue(l: usize, r: usize): usize {
  if (l == 0) return r;
  if (r == 0) return l;
  if (mapSize(l) > mapSize(r)) {
    const l2 = deleteMax(l);
    return balance(minKey, minValue, l2, r);
  }
  const r2 = deleteMin(r);
  return balance(minKey, minValue, l, r2);
}

function deleteGo(t: usize, k: i64): usize {
  if (t == 0) return 0;
  const c = compareKeys(k, nodeKey(t), insertKeyDesc);
  if (c < 0) {
    const l = deleteGo(nodeLeft(t), k);
    return l == nodeLeft(t) ? t : balance(nodeKey(t), nodeValue(t), l, nodeRight(t));
  }
  if (c > 0) {
    const r = deleteGo(nodeRight(t), k);
    return r == nodeRight(t) ? t : balance(nodeKey(t), nodeValue(t), nodeLeft(t), r);
  }
  return glue(nodeLeft(t), nodeRight(t));
}

/** MapDelete; an absent key gives the same map back without allocating. */
export function mapDelete(t: usize, k: i64, mapDesc: usize): usize {
  nodeHeader = headerFor(mapDesc);
  insertKeyDesc = descA(mapDesc);
  return deleteGo(t, k);
}

function keysGo(t: usize, acc: usize, flag: u32): usize {
  while (t != 0) {
    acc = keysGo(nodeRight(t), acc, flag);
    acc = cons(nodeKey(t), acc, flag);
    t = nodeLeft(t);
  }
  return acc;
}

/** MapKeys, ascending. Allocates one cell per key. */
export function mapKeys(t: usize, mapDesc: usize): usize {
  return keysGo(t, 0, ptrBit(descA(mapDesc)));
}

function entriesGo(t: usize, acc: usize, mask: u32): usize {
  while (t != 0) {
    acc = entriesGo(nodeRight(t), acc, mask);
    const p = alloc(24);
    store<u32>(p, K_TUPLE | (2 << 3));
    store<u32>(p, mask, 4);
    store<i64>(p, nodeKey(t), 8);
    store<i64>(p, nodeValue(t), 16);
    acc = cons(<i64>p, acc, 1);
    t = nodeLeft(t);
  }
  return acc;
}

/** MapToList, ascending (key, value) pairs. */
export function mapToList(t: usize, mapDesc: usize): usize {
  return entriesGo(t, 0, ptrBit(descA(mapDesc)) | (ptrBit(descB(mapDesc)) << 1));
}

/**
 * MapFromList: later entries win. The entries go into a scratch array, which is stably sorted by key
 * (already ascending lists, the common case of a migration, cost one comparison per entry); the
 * last of each run of equal keys is kept and the tree built in O(n). An insert per entry would copy
 * a path each time: O(n log n) nodes allocated for one map.
 */
export function mapFromList(l: usize, mapDesc: usize): usize {
  const n = listLength(l);
  if (n == 0) return 0;
  const entries = alloc(<usize>n << 4);
  let e = entries;
  for (let c = l; c != 0; c = tailOf(c)) {
    const p = <usize>headOf(c);
    store<i64>(e, load<i64>(p, 8));
    store<i64>(e, load<i64>(p, 16), 8);
    e += 16;
  }
  return mapFromEntries(entries, n, mapDesc);
}

/**
 * A map from `n` (key, value) word pairs at `entries`, in any order, later entries winning over
 * earlier equal keys. Reorders the entries in place; allocates a scratch copy when they are not
 * already ascending, and the tree's n nodes.
 */
export function mapFromEntries(entries: usize, n: u32, mapDesc: usize): usize {
  const keyDesc = descA(mapDesc);
  let ascending = true;
  for (let i: u32 = 1; i < n; i++) {
    const e = entries + (<usize>i << 4);
    if (compareKeys(load<i64>(e - 16), load<i64>(e), keyDesc) > 0) {
      ascending = false;
      break;
    }
  }
  if (!ascending) sortEntries(entries, n, keyDesc);
  // Keep the last of each run of equal keys (stable sort: the latest entry), compacting in place.
  let kept: u32 = 1;
  for (let i: u32 = 1; i < n; i++) {
    const e = entries + (<usize>i << 4);
    const last = entries + (<usize>(kept - 1) << 4);
    if (compareKeys(load<i64>(last), load<i64>(e), keyDesc) == 0) {
      store<i64>(last, load<i64>(e, 8), 8);
    } else {
      const to = entries + (<usize>kept << 4);
      if (to != e) {
        store<i64>(to, load<i64>(e));
        store<i64>(to, load<i64>(e, 8), 8);
      }
      kept++;
    }
  }
  return mapFromSorted(entries, kept, mapDesc);
}

/** Stable bottom-up merge sort of (key, value) word pairs by key; the result ends up at `entries`. */
function sortEntries(entries: usize, n: u32, keyDesc: usize): void {
  let from = entries;
  let to = alloc(<usize>n << 4);
  for (let width: u32 = 1; width < n; width <<= 1) {
    for (let lo: u32 = 0; lo < n; lo += width << 1) {
      const mid = lo + width < n ? lo + width : n;
      const hi = mid + width < n ? mid + width : n;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const a = from + (<usize>i << 4);
        const b = from + (<usize>j << 4);
        // Ties take the left (earlier) entry first: stable.
        const takeRight = compareKeys(load<i64>(b), load<i64>(a), keyDesc) < 0;
        const src = takeRight ? b : a;
        const dst = to + (<usize>k << 4);
        store<i64>(dst, load<i64>(src));
        store<i64>(dst, load<i64>(src, 8), 8);
        if (takeRight) j++;
        else i++;
        k++;
      }
      if (i < mid) memory.copy(to + (<usize>k << 4), from + (<usize>i << 4), <usize>(mid - i) << 4);
      else if (j < hi) memory.copy(to + (<usize>k << 4), from + (<usize>j << 4), <usize>(hi - j) << 4);
    }
    const t = from;
    from = to;
    to = t;
  }
  if (from != entries) memory.copy(entries, from, <usize>n << 4);
}

/**
 * A balanced tree from `n` entries stored as (key, value) word pairs at `entries`, ascending and
 * without duplicates (the canonical layout's order). O(n), no comparisons.
 */
export function mapFromSorted(entries: usize, n: u32, mapDesc: usize): usize {
  nodeHeader = headerFor(mapDesc);
  return buildGo(entries, 0, n);
}

function buildGo(entries: usize, lo: u32, hi: u32): usize {
  if (lo >= hi) return 0;
  const mid = lo + ((hi - lo) >> 1);
  const l = buildGo(entries, lo, mid);
  const r = buildGo(entries, mid + 1, hi);
  const e = entries + (<usize>mid << 4);
  return node(load<i64>(e), load<i64>(e, 8), l, r);
}


export { mapSize };
