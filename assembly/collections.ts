// Lists (cons cells with a cached length) and persistent ordered maps (weight-balanced trees).
//
//   [1,2]                    =>  cons(1, cons(2, 0)), lengths 2 and 1
//   fromList [(1,"a")]       =>  node(key 1, value "a", left 0, right 0, size 1)
//
// Maps are Adams' weight-balanced trees with the parameters (delta 3, ratio 2) that Haskell's
// Data.Map uses: every update copies only the path from the root, O(log n) nodes, and leaves the
// old tree intact. That makes a failed item free to undo (the old root is still valid) and keeps
// the per-item cost independent of the state size. Node sizes give MapSize in O(1).

import { alloc, K_CONS, K_NODE, K_NODE_PREFIX, K_TUPLE } from './heap';
import { compareValues, cons, descA, descB, headOf, kindOf, listLength, mapSize, ptrBit, tailOf, T_INT, T_STRING } from './values';
import { strOrder, strPrefix } from './strings';

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
//
// A node: h0 (K_NODE and flags), h1 = size, key +8, value +16, left u32 +24, right u32 +28. With
// String keys (K_NODE_PREFIX) also +32: the key's first 8 bytes as a big-endian number, zero
// padded. Prefixes order like the keys they start, so a search decides at almost every node
// without loading the key string, one cache miss fewer per level in a large map.

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
@inline function nodePrefix(t: usize): u64 {
  return load<u64>(t, 32);
}

/** h0 of the nodes of the map being built or updated (which of key and value are pointers, whether keys have prefixes). */
let nodeHeader: u32 = 0;

@inline function prefixed(): bool {
  return (nodeHeader & K_NODE_PREFIX) != 0;
}

/** The prefix of key `k` in the map being built, 0 when its nodes have none. */
@inline function prefixOf(k: i64): u64 {
  return prefixed() ? strPrefix(<usize>k) : 0;
}

function newNode(k: i64, prefix: u64, v: i64, l: usize, r: usize): usize {
  const t = alloc(prefixed() ? 40 : 32);
  store<u32>(t, nodeHeader);
  store<u32>(t, mapSize(l) + mapSize(r) + 1, 4);
  store<i64>(t, k, 8);
  store<i64>(t, v, 16);
  store<u32>(t, <u32>l, 24);
  store<u32>(t, <u32>r, 28);
  if (prefixed()) store<u64>(t, prefix, 32);
  return t;
}

/** A node with the key, value and prefix of node `s` of the same map, and children `l` and `r`. */
function nodeLike(s: usize, l: usize, r: usize): usize {
  return newNode(nodeKey(s), prefixed() ? nodePrefix(s) : 0, nodeValue(s), l, r);
}

const DELTA: u32 = 3;
const RATIO: u32 = 2;

/** The tree with `s`'s entry between `l` and `r`, rotated back into balance. */
function balance(s: usize, l: usize, r: usize): usize {
  const sl = mapSize(l);
  const sr = mapSize(r);
  if (sl + sr <= 1) return nodeLike(s, l, r);
  if (sr > DELTA * sl) {
    const rl = nodeLeft(r);
    const rr = nodeRight(r);
    if (mapSize(rl) < RATIO * mapSize(rr)) return nodeLike(r, nodeLike(s, l, rl), rr);
    return nodeLike(rl, nodeLike(s, l, nodeLeft(rl)), nodeLike(r, nodeRight(rl), rr));
  }
  if (sl > DELTA * sr) {
    const ll = nodeLeft(l);
    const lr = nodeRight(l);
    if (mapSize(lr) < RATIO * mapSize(ll)) return nodeLike(l, ll, nodeLike(s, lr, r));
    return nodeLike(lr, nodeLike(l, ll, nodeLeft(lr)), nodeLike(s, nodeRight(lr), r));
  }
  return nodeLike(s, l, r);
}

/** Key comparison with the common key types inlined. */
@inline function compareKeys(a: i64, b: i64, keyDesc: usize): i32 {
  const kind = kindOf(keyDesc);
  if (kind == T_INT) return a < b ? -1 : a > b ? 1 : 0;
  if (kind == T_STRING) return strOrder(<usize>a, <usize>b);
  return compareValues(a, b, keyDesc);
}

/** Compares key `k` (with prefix `prefix` when the map has them) to the key of node `t`. */
@inline function compareToNode(k: i64, prefix: u64, t: usize, keyDesc: usize): i32 {
  const kind = kindOf(keyDesc);
  if (kind == T_INT) {
    const x = nodeKey(t);
    return k < x ? -1 : k > x ? 1 : 0;
  }
  if (kind == T_STRING) {
    const p = nodePrefix(t);
    if (prefix != p) return prefix < p ? -1 : 1;
    return strOrder(<usize>k, <usize>nodeKey(t));
  }
  return compareValues(k, nodeKey(t), keyDesc);
}

/** h0 of the nodes of a map of type `mapDesc`. */
export function nodeHeaderFor(mapDesc: usize): u32 {
  const keyDesc = descA(mapDesc);
  return K_NODE | (ptrBit(keyDesc) << 3) | (ptrBit(descB(mapDesc)) << 4) | (kindOf(keyDesc) == T_STRING ? K_NODE_PREFIX : 0);
}
@inline function headerFor(mapDesc: usize): u32 {
  return nodeHeaderFor(mapDesc);
}

// The key being inserted or deleted, with its prefix, and the value being inserted.
let opKeyDesc: usize = 0;
let opKey: i64 = 0;
let opPrefix: u64 = 0;
let opValue: i64 = 0;

function insertGo(t: usize): usize {
  if (t == 0) return newNode(opKey, opPrefix, opValue, 0, 0);
  const c = compareToNode(opKey, opPrefix, t, opKeyDesc);
  if (c < 0) return balance(t, insertGo(nodeLeft(t)), nodeRight(t));
  if (c > 0) return balance(t, nodeLeft(t), insertGo(nodeRight(t)));
  return newNode(opKey, opPrefix, opValue, nodeLeft(t), nodeRight(t));
}

/** MapInsert (replaces an existing key's value). Allocates O(log n) nodes. */
export function mapInsert(t: usize, k: i64, v: i64, mapDesc: usize): usize {
  nodeHeader = headerFor(mapDesc);
  opKeyDesc = descA(mapDesc);
  opKey = k;
  opPrefix = prefixOf(k);
  opValue = v;
  return insertGo(t);
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
    const prefix = strPrefix(<usize>k);
    while (t != 0) {
      const p = nodePrefix(t);
      let c: i32 = 0;
      if (prefix != p) c = prefix < p ? -1 : 1;
      else {
        c = strOrder(<usize>k, <usize>nodeKey(t));
        if (c == 0) return t;
      }
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

/** The node whose entry deleteMin or deleteMax took out. */
let takenNode: usize = 0;

function deleteMin(t: usize): usize {
  const l = nodeLeft(t);
  if (l == 0) {
    takenNode = t;
    return nodeRight(t);
  }
  return balance(t, deleteMin(l), nodeRight(t));
}

function deleteMax(t: usize): usize {
  const r = nodeRight(t);
  if (r == 0) {
    takenNode = t;
    return nodeLeft(t);
  }
  return balance(t, nodeLeft(t), deleteMax(r));
}

function glue(l: usize, r: usize): usize {
  if (l == 0) return r;
  if (r == 0) return l;
  if (mapSize(l) > mapSize(r)) {
    const l2 = deleteMax(l);
    return balance(takenNode, l2, r);
  }
  const r2 = deleteMin(r);
  return balance(takenNode, l, r2);
}

function deleteGo(t: usize): usize {
  if (t == 0) return 0;
  const c = compareToNode(opKey, opPrefix, t, opKeyDesc);
  if (c < 0) {
    const l = deleteGo(nodeLeft(t));
    return l == nodeLeft(t) ? t : balance(t, l, nodeRight(t));
  }
  if (c > 0) {
    const r = deleteGo(nodeRight(t));
    return r == nodeRight(t) ? t : balance(t, nodeLeft(t), r);
  }
  return glue(nodeLeft(t), nodeRight(t));
}

/** MapDelete; an absent key gives the same map back without allocating. */
export function mapDelete(t: usize, k: i64, mapDesc: usize): usize {
  nodeHeader = headerFor(mapDesc);
  opKeyDesc = descA(mapDesc);
  opKey = k;
  opPrefix = prefixOf(k);
  return deleteGo(t);
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

/** The entries of `t`, ascending, as (key, value) word pairs in a fresh array of mapSize(t) pairs. Allocates. */
export function mapEntries(t: usize): usize {
  const entries = alloc(<usize>mapSize(t) << 4);
  entriesInto(t, entries);
  return entries;
}

function entriesInto(t: usize, at: usize): usize {
  while (t != 0) {
    at = entriesInto(nodeLeft(t), at);
    store<i64>(at, nodeKey(t));
    store<i64>(at, nodeValue(t), 8);
    at += 16;
    t = nodeRight(t);
  }
  return at;
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
 * without duplicates (the canonical layout's order). O(n), no comparisons. The middle entry of
 * each range is its root, as the compiler lays out constant maps; nodes are allocated breadth
 * first, so the top levels, which every search visits, sit together in memory.
 */
export function mapFromSorted(entries: usize, n: u32, mapDesc: usize): usize {
  nodeHeader = headerFor(mapDesc);
  if (n == 0) return 0;
  // A queue of ranges still to place: (lo, hi, address of the parent's child field or 0).
  const queue = alloc(<usize>n * 12);
  let head: usize = 0;
  let tail: usize = 0;
  store<u32>(queue, 0);
  store<u32>(queue, n, 4);
  store<u32>(queue, 0, 8);
  tail = 1;
  let root: usize = 0;
  while (head < tail) {
    const q = queue + head * 12;
    head++;
    const lo = load<u32>(q);
    const hi = load<u32>(q, 4);
    const slot = <usize>load<u32>(q, 8);
    const mid = lo + ((hi - lo) >> 1);
    const e = entries + (<usize>mid << 4);
    const k = load<i64>(e);
    const t = alloc(prefixed() ? 40 : 32);
    store<u32>(t, nodeHeader);
    store<u32>(t, hi - lo, 4);
    store<i64>(t, k, 8);
    store<i64>(t, load<i64>(e, 8), 16);
    store<u64>(t, 0, 24);
    if (prefixed()) store<u64>(t, strPrefix(<usize>k), 32);
    if (slot == 0) root = t;
    else store<u32>(slot, <u32>t);
    if (lo < mid) {
      const c = queue + tail * 12;
      store<u32>(c, lo);
      store<u32>(c, mid, 4);
      store<u32>(c, <u32>(t + 24), 8);
      tail++;
    }
    if (mid + 1 < hi) {
      const c = queue + tail * 12;
      store<u32>(c, mid + 1);
      store<u32>(c, hi, 4);
      store<u32>(c, <u32>(t + 28), 8);
      tail++;
    }
  }
  return root;
}

export { mapSize };
