// The heap: a bump allocator, item rollback, and a copying collector run between items.
//
//   itemBegin()              mark = heapTop (rtBegin marks before reserving a large input)
//   alloc(24) ... alloc(32)  bump allocation, never freed during an item
//   itemAbort()              heapTop = mark: everything the failed item allocated is gone
//   commit(root, isPtr)      between items: heapTop = mark when the state did not change (the item
//                            made only garbage); else copy what `root` reaches when the heap has
//                            grown by GROWTH_FACTOR x the live size (Cheney, so O(live), amortised O(1))
//   adopt(root, isPtr)       after a state hand-over: the decoded state stays where it is (layout.ts
//                            builds maps in the order a collection would), garbage and all
//
// Every heap object starts with an 8-byte header (h0, h1) that says how big it is and which of
// its words are pointers, so the collector needs no type information (object kinds below).
// Values are immutable once built, and the collector only runs between items, so the code
// generated for a step may keep raw pointers in locals for the whole item.
//
// Space management: the live data sits in one block [spaceStart, ...); allocation continues after
// it. A collection copies into the free gap below spaceStart when the whole from-space fits there,
// else just above heapTop; so memory stays within about (2 + GROWTH_FACTOR) x the live size.

// Object kinds (low 3 bits of h0).
export const K_STR: u32 = 1; //    h0 = K_STR | byteLength << 3, h1 = code point count, UTF-8 bytes at +8
export const K_TUPLE: u32 = 2; //  h0 = K_TUPLE | words << 3, h1 = pointer mask (words <= 32), words at +8
//                                 (more than 32 words: the mask is ceil(words/32) u32s at +8, words after)
export const K_TAGGED: u32 = 3; // h0 = K_TAGGED | payloadIsPointer << 3, h1 = tag, payload word at +8
export const K_CONS: u32 = 4; //   h0 = K_CONS | headIsPointer << 3, h1 = length, head at +8, tail at +16
export const K_NODE: u32 = 5; //   h0 = K_NODE | keyIsPointer << 3 | valueIsPointer << 4 | K_NODE_PREFIX,
//                                 h1 = size, key at +8, value at +16, left u32 at +24, right u32 at
//                                 +28; with K_NODE_PREFIX (String keys) the key's first 8 bytes at +32
/** A K_NODE flag: the node is 40 bytes, the last 8 a prefix of its String key (collections.ts). */
export const K_NODE_PREFIX: u32 = 32;
export const K_RAW: u32 = 6; //    h0 = K_RAW | byteLength << 3: scratch bytes, no pointers
export const K_FORWARD: u32 = 7; // during a collection: h1 = the new address

export const GROWTH_FACTOR: usize = 2;
/** Below this much garbage a collection is not worth its fixed cost. */
export const MIN_COLLECT_BYTES: usize = 1 << 20;

// Error codes shared with compiler/wasm-engine.ts.
export const E_READ_NO_PARSE: u32 = 1;
export const E_DIVIDE_BY_ZERO: u32 = 2;
export const E_OUT_OF_FUEL: u32 = 3;
export const E_FAIL: u32 = 4;
export const E_TRAP: u32 = 5;
/** Malformed canonical-layout bytes (an input, or a state handed over). */
export const E_LAYOUT: u32 = 6;
/** Linear memory could not grow. */
export const E_OUT_OF_MEMORY: u32 = 7;

export let heapTop: usize = 0;
/** Everything below is static (runtime data, type descriptors, constants): never moved, never scanned. */
export let heapStart: usize = 0;
export let spaceStart: usize = 0;
export let liveBytes: usize = 0;
export let itemMark: usize = 0;
/** Set by rtBegin, which begins the item itself before reserving its input buffer. */
export let inputReserved: bool = false;
export let collections: u32 = 0;

export let errorCode: u32 = 0;
/** A static K_STR with the message (FAIL, READ_NO_PARSE, TRAP), or 0. */
export let errorMessage: usize = 0;

/** Sets the error of the current item and unwinds to the host (a trap; the host rolls back). */
export function raise(code: u32, message: usize): void {
  errorCode = code;
  errorMessage = message;
  unreachable();
}

@inline export function align8(n: usize): usize {
  return (n + 7) & ~(<usize>7);
}

export function heapInit(start: usize): void {
  heapStart = align8(start);
  heapTop = heapStart;
  spaceStart = heapStart;
  liveBytes = 0;
  itemMark = heapStart;
  ensure(heapStart);
}

/** Makes sure memory is mapped up to `end`; growing by at least a quarter to keep growth amortised. */
export function ensure(end: usize): void {
  const have = (<usize>memory.size()) << 16;
  if (end <= have) return;
  let pages = <i32>((end - have + 0xffff) >> 16);
  const quarter = <i32>(have >> 18);
  if (pages < quarter) pages = quarter;
  if (memory.grow(pages) < 0) {
    // Retry with exactly what is needed before giving up.
    if (memory.grow(<i32>((end - have + 0xffff) >> 16)) < 0) raise(E_OUT_OF_MEMORY, 0);
  }
}

/** Allocates `n` bytes (rounded up to 8), 8-byte aligned. Allocates. */
@inline export function alloc(n: usize): usize {
  const p = heapTop;
  const top = p + align8(n);
  if (top > (<usize>memory.size()) << 16) ensure(top);
  heapTop = top;
  return p;
}

export function itemBegin(): void {
  itemMark = heapTop;
  errorCode = 0;
  errorMessage = 0;
}

/** Rolls back a failed item: its allocations are dropped; the caller keeps the old state root. */
export function itemAbort(): void {
  heapTop = itemMark;
}

// ---------------------------------------------------------------------------
// Object sizes and the collector

@inline export function tupleBase(words: u32): usize {
  return words <= 32 ? 8 : 8 + align8(<usize>(((words + 31) >> 5) << 2));
}

export function objectSize(p: usize): usize {
  const h0 = load<u32>(p);
  switch (h0 & 7) {
    case K_STR:
    case K_RAW:
      return align8(8 + <usize>(h0 >> 3));
    case K_TUPLE: {
      const n = h0 >> 3;
      return tupleBase(n) + (<usize>n << 3);
    }
    case K_TAGGED:
      return 16;
    case K_CONS:
      return 24;
    case K_NODE:
      return (h0 & K_NODE_PREFIX) != 0 ? 40 : 32;
  }
  raise(E_TRAP, 0);
  return 0;
}

@inline function isHeapPointer(p: usize): bool {
  return p >= heapStart;
}

let copyFree: usize = 0;

/**
 * Copies `n` bytes, a multiple of 8, eight at a time. memory.copy is a call out of the engine
 * (tens of ns): for the 16-40 bytes of most objects this is several times faster.
 */
@inline export function copyWords(dst: usize, src: usize, n: usize): void {
  if (n > 256) {
    memory.copy(dst, src, n);
    return;
  }
  for (let i: usize = 0; i < n; i += 8) store<u64>(dst + i, load<u64>(src + i));
}

/** Copies `n` bytes (regions apart): short runs in words and then bytes, long ones with memory.copy. */
export function copyBytes(dst: usize, src: usize, n: usize): void {
  if (n > 256) {
    memory.copy(dst, src, n);
    return;
  }
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) store<u64>(dst + i, load<u64>(src + i));
  for (; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

/** Copies one object to to-space (once: later references follow the forwarding header). */
function forward(p: usize): usize {
  if (p < heapStart) return p; // static, or 0 (empty list / empty map)
  const h0 = load<u32>(p);
  if ((h0 & 7) == K_FORWARD) return load<u32>(p, 4);
  const size = objectSize(p);
  const q = copyFree;
  copyWords(q, p, size);
  copyFree += size;
  store<u32>(p, K_FORWARD);
  store<u32>(p, <u32>q, 4);
  return q;
}

@inline function forwardWord(slot: usize): void {
  store<u64>(slot, <u64>forward(<usize>load<u64>(slot)));
}

/** Cheney scan: fixes the pointers of every object copied so far, copying what they reach. */
function scan(from: usize): void {
  let s = from;
  while (s < copyFree) {
    const h0 = load<u32>(s);
    switch (h0 & 7) {
      case K_TUPLE: {
        const n = h0 >> 3;
        const base = s + tupleBase(n);
        if (n <= 32) {
          let mask = load<u32>(s, 4);
          while (mask != 0) {
            const i = ctz(mask);
            forwardWord(base + (<usize>i << 3));
            mask &= mask - 1;
          }
        } else {
          for (let i: u32 = 0; i < n; i++) {
            if ((load<u32>(s + 8 + (<usize>(i >> 5) << 2)) >> (i & 31)) & 1) forwardWord(base + (<usize>i << 3));
          }
        }
        break;
      }
      case K_TAGGED:
        if (h0 & 8) forwardWord(s + 8);
        break;
      case K_CONS:
        if (h0 & 8) forwardWord(s + 8);
        forwardWord(s + 16);
        break;
      case K_NODE:
        if (h0 & 8) forwardWord(s + 8);
        if (h0 & 16) forwardWord(s + 16);
        store<u32>(s, <u32>forward(load<u32>(s, 24)), 24);
        store<u32>(s, <u32>forward(load<u32>(s, 28)), 28);
        break;
    }
    s += objectSize(s);
  }
}

/** The state `root` is not on the heap (an Int, a Bool, ()), so nothing there is live: the heap empties. Returns `root`. */
@inline
function emptyHeap(root: i64): i64 {
  heapTop = heapStart;
  spaceStart = heapStart;
  liveBytes = 0;
  committedRoot = root;
  return root;
}

/** Copies everything `root` reaches into a fresh block and frees the rest. Returns the new root. */
export function collect(root: i64, rootIsPointer: bool): i64 {
  collections++;
  const fromSize = heapTop - spaceStart;
  committedRoot = root;
  if (!rootIsPointer || !isHeapPointer(<usize>root)) return emptyHeap(root);
  let to: usize;
  if (spaceStart - heapStart >= fromSize) to = heapStart;
  else to = align8(heapTop);
  ensure(to + fromSize);
  copyFree = to;
  const newRoot = <i64>forward(<usize>root);
  scan(to);
  spaceStart = to;
  heapTop = copyFree;
  liveBytes = copyFree - to;
  committedRoot = newRoot;
  return newRoot;
}

/** The state the last commit or collection published (the step's `state` global). */
let committedRoot: i64 = 0;

/**
 * Between items: collects when enough garbage has accumulated. Returns the (possibly moved) root.
 *
 * An item that left the state as it was (a read) allocated only garbage: values are immutable, so
 * nothing older can point at what it allocated. Its allocations are dropped on the spot, so reads
 * never fill the heap or bring a collection closer, and the next item reuses the same (cached)
 * memory. The output bytes stay where they are until the next allocation, after the host read them.
 */
export function commit(root: i64, rootIsPointer: bool): i64 {
  if (!rootIsPointer || !isHeapPointer(<usize>root)) return emptyHeap(root);
  if (root == committedRoot) {
    heapTop = itemMark;
    return root;
  }
  committedRoot = root;
  const used = heapTop - spaceStart;
  const allowance = liveBytes * GROWTH_FACTOR;
  if (used - liveBytes > (allowance > MIN_COLLECT_BYTES ? allowance : MIN_COLLECT_BYTES)) return collect(root, rootIsPointer);
  return root;
}

/**
 * After a state hand-over (the state decoded since `itemBegin`): `root` becomes the state. A
 * machine whose heap held little before (a fresh one, the usual case) keeps the hand-over's garbage
 * (the bytes, scratch) until the next collection: copying a large state right away would touch as
 * much fresh memory again. Otherwise the old state is garbage now, and a collection drops it.
 */
export function adopt(root: i64, rootIsPointer: bool): i64 {
  if (itemMark - spaceStart > MIN_COLLECT_BYTES) return collect(root, rootIsPointer);
  if (!rootIsPointer || !isHeapPointer(<usize>root)) return emptyHeap(root);
  committedRoot = root;
  // Everything in use counts as live until a collection measures it.
  liveBytes = heapTop - spaceStart;
  return root;
}

/** Start of an allocation whose size is not known yet: write at the returned address, then `closeOpen`. */
@inline export function openAt(): usize {
  return heapTop;
}

/** Makes room for `n` more bytes at `at` inside an open allocation. */
@inline export function openNeed(at: usize, n: usize): void {
  const end = at + n;
  if (end > (<usize>memory.size()) << 16) ensure(end);
}

/** Ends an open allocation that ends at `end`. */
@inline export function openClose(end: usize): void {
  heapTop = align8(end);
}
