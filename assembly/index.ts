// The runtime every compiled stage links in. compiler/lower.ts reads this module with binaryen,
// adds the generated step and migration functions, which call the exports below, and keeps as
// exports only what the host needs (compiler/wasm-engine.ts).
//
//   generated step:  rtItemBegin() ... w = rtShow(v, &desc, limit) ... rtCommit(state, 1)
//
// Every value crosses this boundary as one i64 word (values.ts): Int and Bool themselves, Unit 0,
// everything else a pointer. Functions marked "Allocates" bump the heap; nothing is freed during
// an item, so the generated code may hold pointers in locals for the whole item.

import * as heap from './heap';
import * as strings from './strings';
import * as values from './values';
import * as collections from './collections';
import * as show from './show';
import * as read from './read';
import * as layout from './layout';
import * as ops from './ops';

// --- heap, items, errors ---

export function rtInit(heapStart: u32): void {
  heap.heapInit(heapStart);
}
/** Marks the start of an item (or of a state hand-over): a failure rolls the heap back to here. */
export function rtItemBegin(): void {
  // After rtBegin the item already began, with its input buffer.
  if (heap.inputReserved) heap.inputReserved = false;
  else heap.itemBegin();
}
/**
 * Reserves `inputLength` bytes in the heap for an input too large for the I/O area; returns where
 * to write them. The item (or hand-over) begins here, so its input is dropped with it.
 */
export function rtBegin(inputLength: u32): u32 {
  heap.itemBegin();
  heap.inputReserved = true;
  const p = heap.alloc(8 + <usize>inputLength);
  store<u32>(p, heap.K_RAW | (inputLength << 3));
  return <u32>p + 8;
}
export function rtAbort(): void {
  heap.inputReserved = false;
  heap.itemAbort();
}
/** Allocates. */
export function rtAlloc(bytes: u32): u32 {
  return <u32>heap.alloc(bytes);
}
export function rtRaise(code: u32, message: u32): void {
  heap.raise(code, message);
}
export function rtCommit(root: i64, rootIsPointer: u32): i64 {
  return heap.commit(root, rootIsPointer != 0);
}
export function rtCollect(root: i64, rootIsPointer: u32): i64 {
  return heap.collect(root, rootIsPointer != 0);
}
/** Makes `root`, decoded since rtItemBegin, the state (a state hand-over). */
export function rtAdopt(root: i64, rootIsPointer: u32): i64 {
  return heap.adopt(root, rootIsPointer != 0);
}
export function rtErrorCode(): u32 {
  return heap.errorCode;
}
export function rtErrorMessage(): u32 {
  return <u32>heap.errorMessage;
}
export function rtHeapUsed(): u32 {
  return <u32>(heap.heapTop - heap.heapStart);
}
export function rtLiveBytes(): u32 {
  return <u32>heap.liveBytes;
}
export function rtCollections(): u32 {
  return heap.collections;
}
export function rtHeapTop(): u32 {
  return <u32>heap.heapTop;
}

// --- canonical layout ---

/** Allocates. */
export function rtDecode(p: u32, length: u32, desc: u32): i64 {
  return layout.decode(p, length, desc);
}
/** Allocates; returns the address of the bytes, their length via rtEncodedLength. */
export function rtEncode(v: i64, desc: u32): u32 {
  return <u32>layout.encode(v, desc);
}
export function rtEncodedLength(): u32 {
  return layout.encodedLength;
}

// --- comparison ---

export function rtCompare(a: i64, b: i64, desc: u32): i32 {
  return values.compareValues(a, b, desc);
}
export function rtEqual(a: i64, b: i64, desc: u32): i32 {
  return values.equalValues(a, b, desc) ? 1 : 0;
}

// --- strings ---

export function rtConcat(a: i64, b: i64): i64 {
  return <i64>strings.strConcat(<usize>a, <usize>b);
}
export function rtStrLength(s: i64): i64 {
  return <i64>strings.strCodePoints(<usize>s);
}
export function rtSlice(s: i64, from: i64, to: i64): i64 {
  return <i64>strings.strSlice(<usize>s, from, to);
}
export function rtSplit(text: i64, sep: i64): i64 {
  return <i64>ops.split(<usize>text, <usize>sep);
}
export function rtParseInt(s: i64): i64 {
  return <i64>ops.parseInt(<usize>s);
}
export function rtShowInt(n: i64): i64 {
  return <i64>strings.showInt(n);
}
/** Show; raises OUT_OF_FUEL once a list or map has written `limit` bytes (fuel pays for the text). */
export function rtShow(v: i64, desc: u32, limit: i64): i64 {
  return <i64>show.showValue(v, desc, limit);
}
// Show piece by piece (show.ts): what generated code for one symbolic value calls.
export function rtShowStart(limit: i64): void {
  show.showStart(limit);
}
export function rtShowText(s: u32): void {
  show.showText(<usize>s);
}
export function rtShowNext(v: i64, desc: u32, asArgument: u32): void {
  show.showNext(v, desc, asArgument != 0);
}
/** Allocates: the string shown since rtShowStart. */
export function rtShowFinish(): i64 {
  return <i64>show.showFinish();
}
/** Read; raises READ_NO_PARSE with `message` (a static string) when the text does not parse. */
/**
 * Read at a type with few values: `table` (compiler/lower.ts readTable) lists the text Show gives
 * each value, with the value; a text found there is that value, anything else goes to the reader.
 */
export function rtReadKnown(s: i64, desc: u32, message: u32, table: u32): i64 {
  const n = load<u32>(table);
  const text = <usize>s;
  const length = strings.strLength(text);
  for (let i: u32 = 0; i < n; i++) {
    const row = <usize>table + 8 + (<usize>i << 4);
    const known = <usize>load<u32>(row);
    if (strings.strLength(known) == length && strings.strOrder(text, known) == 0) return load<i64>(row, 8);
  }
  return rtRead(s, desc, message);
}
export function rtRead(s: i64, desc: u32, message: u32): i64 {
  const v = read.readValue(<usize>s, desc);
  if (!read.readOk) heap.raise(heap.E_READ_NO_PARSE, message);
  return v;
}

// --- lists ---

export function rtCons(head: i64, tail: i64, headIsPointer: u32): i64 {
  return <i64>values.cons(head, <usize>tail, headIsPointer);
}
export function rtAppend(a: i64, b: i64): i64 {
  return <i64>collections.listAppend(<usize>a, <usize>b);
}
export function rtReverse(l: i64): i64 {
  return <i64>collections.listReverse(<usize>l);
}

// --- maps ---

export function rtMapInsert(m: i64, k: i64, v: i64, desc: u32): i64 {
  return <i64>collections.mapInsert(<usize>m, k, v, desc);
}
/** The node holding the key (its value at +16), or 0. */
export function rtMapFind(m: i64, k: i64, desc: u32): u32 {
  return <u32>collections.mapFind(<usize>m, k, desc);
}
export function rtMapDelete(m: i64, k: i64, desc: u32): i64 {
  return <i64>collections.mapDelete(<usize>m, k, desc);
}
export function rtMapKeys(m: i64, desc: u32): i64 {
  return <i64>collections.mapKeys(<usize>m, desc);
}
export function rtMapToList(m: i64, desc: u32): i64 {
  return <i64>collections.mapToList(<usize>m, desc);
}
/** The entries of map `m`, ascending, as (key, value) word pairs in a fresh scratch array (its length is the map's size). */
export function rtMapEntries(m: u32): u32 {
  return <u32>collections.mapEntries(<usize>m);
}
/** The map of the `n` (key, value) word pairs at `entries`, as MapFromList makes it from a list of them. */
export function rtMapFromEntries(entries: u32, n: u32, desc: u32): i64 {
  return n == 0 ? 0 : <i64>collections.mapFromEntries(<usize>entries, n, desc);
}
export function rtMapFromList(l: i64, desc: u32): i64 {
  return <i64>collections.mapFromList(<usize>l, desc);
}

// --- cells (generated code writes most cells itself; these are for the rare shapes) ---

export function rtTagged(tag: u32, payload: i64, payloadIsPointer: u32): i64 {
  return <i64>values.newTagged(tag, payload, payloadIsPointer);
}
export function rtPair(a: i64, b: i64, mask: u32): i64 {
  return <i64>values.newPair(a, b, mask);
}

/** AssemblyScript's abort hook, routed to a trap so the module imports nothing but memory. */
export function rtAbortHook(message: u32, file: u32, line: u32, column: u32): void {
  heap.raise(heap.E_TRAP, 0);
}
