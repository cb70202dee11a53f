// Read: Haskell's derived Read at a type, driven by a type descriptor (SEMANTICS.md "Read syntax").
//
//   read(" ( Right ((-1)) ) ", Either () Int)  =>  Right (-1)        (ok = true)
//   read("Left -3", Either Int ())              =>  ok = false         (an argument needs parentheses)
//
// A port of the value reader in compiler/seed-syntax.ts (SeedReader.valueFresh/valueOpen and
// friends), so both engines accept exactly the same texts: runs of redundant parentheses are
// counted rather than recursed into, the innermost open parentheses belong to the value being
// read, and closing ones are taken greedily with the rest handed back to the caller (`unclosed`).
// The text is UTF-8; everything the grammar looks at is ASCII, so bytes and UTF-16 agree.

import { alloc, heapTop, K_CONS, K_STR, K_TAGGED, K_TUPLE, openNeed, openClose } from './heap';
import {
  descA, descB, descCount, descField, descName, fieldOffset, kindOf, ptrBit,
  T_BOOL, T_EITHER, T_INT, T_LIST, T_MAP, T_PAIR, T_RECORD, T_STRING, T_UNIT, T_VARIANT,
} from './values';
import { mapInsert } from './collections';
import { emptyString, putCodePoint, strData, strLength } from './strings';
import { writeMask } from './layout';

let pos: usize = 0;
let end: usize = 0;
let failed = false;
let unclosed: i32 = 0;

/** Whether the last `readValue` parsed. */
export let readOk: bool = false;

/** Reads the whole string `s` as a value of `desc`; on failure `readOk` is false (and the result 0). */
export function readValue(s: usize, desc: usize): i64 {
  pos = strData(s);
  end = pos + strLength(s);
  failed = false;
  unclosed = 0;
  skipWs();
  const v = valueFresh(desc, false);
  if (!failed) {
    skipWs();
    if (pos < end) failed = true;
  }
  readOk = !failed;
  return failed ? 0 : v;
}

@inline function at(): u32 {
  return pos < end ? <u32>load<u8>(pos) : 0xffffffff;
}

function skipWs(): void {
  while (pos < end) {
    const c = load<u8>(pos);
    if (c != 0x20 && c != 0x0a && c != 0x09 && c != 0x0d) break;
    pos++;
  }
}

@inline function isDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}
@inline function isIdentStart(c: u32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c == 0x5f;
}
@inline function isIdentChar(c: u32): bool {
  return isIdentStart(c) || isDigit(c) || c == 0x27;
}

/** Reads an identifier; its start and length are in identStart/identLength (length 0 when none). */
let identStart: usize = 0;
let identLength: usize = 0;
function ident(): void {
  identStart = pos;
  identLength = 0;
  if (pos >= end || !isIdentStart(load<u8>(pos))) return;
  let p = pos + 1;
  while (p < end && isIdentChar(load<u8>(p))) p++;
  identLength = p - pos;
  pos = p;
}

/** Whether the identifier just read is the static string `name`. */
function identIs(name: usize): bool {
  const n = strLength(name);
  return identLength == n && memory.compare(identStart, strData(name), n) == 0;
}
/** Whether the identifier just read is the ASCII literal `s`. */
function identIsText(s: string): bool {
  const n = <usize>s.length;
  if (identLength != n) return false;
  const p = changetype<usize>(s);
  for (let i: usize = 0; i < n; i++) if (<u32>load<u8>(identStart + i) != <u32>load<u16>(p + (i << 1))) return false;
  return true;
}

function openParens(): i32 {
  let n: i32 = 0;
  skipWs();
  while (pos < end && load<u8>(pos) == 0x28) {
    pos++;
    n++;
    skipWs();
  }
  return n;
}

function valueFresh(desc: usize, arg: bool): i64 {
  const open = openParens();
  const v = valueOpen(desc, open, arg);
  if (failed) return 0;
  if (unclosed > 0) {
    failed = true;
    return 0;
  }
  return v;
}

function valueOpen(desc: usize, open: i32, arg: bool): i64 {
  const bare = arg && open == 0;
  let v: i64 = 0;
  switch (kindOf(desc)) {
    case T_UNIT:
      if (open > 0 && at() == 0x29) {
        pos++;
        open--;
      } else {
        failed = true;
        return 0;
      }
      break;
    case T_INT:
      v = readInt(bare);
      break;
    case T_BOOL:
      ident();
      if (identIsText('True')) v = 1;
      else if (identIsText('False')) v = 0;
      else {
        failed = true;
        return 0;
      }
      break;
    case T_STRING:
      v = readString();
      break;
    case T_PAIR:
      if (open == 0) {
        failed = true;
        return 0;
      }
      v = pairOpen(descA(desc), descB(desc), open);
      open = unclosed;
      break;
    case T_EITHER:
    case T_VARIANT: {
      if (bare) {
        failed = true;
        return 0;
      }
      ident();
      let tag: i32 = -1;
      let payload: usize = 0;
      if (kindOf(desc) == T_EITHER) {
        if (identIsText('Left')) {
          tag = 0;
          payload = descA(desc);
        } else if (identIsText('Right')) {
          tag = 1;
          payload = descB(desc);
        }
      } else {
        const n = descCount(desc);
        for (let i: u32 = 0; i < n; i++) {
          if (identIs(descName(desc, i))) {
            tag = <i32>i;
            payload = descField(desc, i);
            break;
          }
        }
      }
      if (tag < 0) {
        failed = true;
        return 0;
      }
      const x = valueFresh(payload, true);
      if (failed) return 0;
      const p = alloc(16);
      store<u32>(p, K_TAGGED | (ptrBit(payload) << 3));
      store<u32>(p, <u32>tag, 4);
      store<i64>(p, x, 8);
      v = <i64>p;
      break;
    }
    case T_LIST:
      v = listBody(descA(desc));
      break;
    case T_MAP:
      if (bare) {
        failed = true;
        return 0;
      }
      ident();
      if (!identIsText('fromList')) {
        failed = true;
        return 0;
      }
      v = mapArgument(desc);
      break;
    case T_RECORD:
      v = recordBody(desc);
      break;
    default:
      unreachable();
  }
  if (failed) return 0;
  while (open > 0) {
    skipWs();
    if (at() == 0x29) {
      pos++;
      open--;
    } else break;
  }
  unclosed = open;
  return v;
}

function pairOpen(fst: usize, snd: usize, open: i32): i64 {
  const a = valueOpen(fst, open - 1, false);
  if (failed) return 0;
  const outer = unclosed;
  skipWs();
  if (at() != 0x2c) {
    failed = true;
    return 0;
  }
  pos++;
  const b = valueFresh(snd, false);
  if (failed) return 0;
  skipWs();
  if (at() != 0x29) {
    failed = true;
    return 0;
  }
  pos++;
  unclosed = outer;
  const p = alloc(24);
  store<u32>(p, K_TUPLE | (2 << 3));
  store<u32>(p, ptrBit(fst) | (ptrBit(snd) << 1), 4);
  store<i64>(p, a, 8);
  store<i64>(p, b, 16);
  return <i64>p;
}

function readInt(bare: bool): i64 {
  let negative = false;
  if (at() == 0x2d) {
    if (bare) {
      failed = true;
      return 0;
    }
    pos++;
    skipWs();
    negative = true;
  }
  const digits = pos;
  // Accumulate negatively so INT_MIN fits; keep scanning digits after an overflow.
  let acc: i64 = 0;
  let overflow = false;
  while (pos < end) {
    const c = <i32>load<u8>(pos) - 0x30;
    if (c < 0 || c > 9) break;
    if (acc < -922337203685477580 || (acc == -922337203685477580 && c > 8)) overflow = true;
    else acc = acc * 10 - <i64>c;
    pos++;
  }
  if (pos == digits || overflow) {
    failed = true;
    return 0;
  }
  if (!negative) {
    if (acc == i64.MIN_VALUE) {
      failed = true;
      return 0;
    }
    return -acc;
  }
  return acc;
}

/** The two- and three-letter escape names with their codes (DEL and the control names of Show). */
const NAMES3 = 'NULSOHSTXETXEOTENQACKDLEDC1DC2DC3DC4NAKSYNETBCANSUBESCDEL';
const CODES3: usize = memory.data<u8>([0, 1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 27, 127]);
const NAMES2 = 'SOSIEMFSGSRSUS';
const CODES2: usize = memory.data<u8>([14, 15, 25, 28, 29, 30, 31]);

function matchName(names: string, codes: usize, len: usize): i32 {
  if (end - pos < len) return -1;
  const p = changetype<usize>(names);
  const count = <usize>names.length / len;
  for (let i: usize = 0; i < count; i++) {
    let ok = true;
    for (let k: usize = 0; k < len; k++) {
      if (<u32>load<u8>(pos + k) != <u32>load<u16>(p + ((i * len + k) << 1))) {
        ok = false;
        break;
      }
    }
    if (ok) return <i32>load<u8>(codes + i);
  }
  return -1;
}

function digitValue(c: u32, base: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30 < base ? <i32>(c - 0x30) : -1;
  if (base == 16) {
    if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
    if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41 + 10);
  }
  return -1;
}

/** A string literal, decoded straight into one open allocation. */
function readString(): i64 {
  if (at() != 0x22) {
    failed = true;
    return 0;
  }
  pos++;
  const start = heapTop;
  let w = start + 8;
  let codePoints: u32 = 0;
  // (Loops here end through a flag: AssemblyScript 0.28 treats code after a `for (;;)` whose
  // `break` sits behind a `continue` as unreachable.)
  let closed = false;
  while (!closed) {
    if (pos >= end) {
      failed = true;
      return 0;
    }
    const c = <u32>load<u8>(pos);
    if (c == 0x22) {
      pos++;
      closed = true;
      continue;
    }
    openNeed(w, 4);
    if (c != 0x5c) {
      store<u8>(w, <u8>c);
      w++;
      pos++;
      if ((c & 0xc0) != 0x80) codePoints++;
      continue;
    }
    pos++;
    if (pos >= end) {
      failed = true;
      return 0;
    }
    const e = <u32>load<u8>(pos);
    let code: i32 = -1;
    if (e == 0x6e) code = 10;
    else if (e == 0x74) code = 9;
    else if (e == 0x72) code = 13;
    else if (e == 0x61) code = 7;
    else if (e == 0x62) code = 8;
    else if (e == 0x66) code = 12;
    else if (e == 0x76) code = 11;
    else if (e == 0x22) code = 0x22;
    else if (e == 0x5c) code = 0x5c;
    if (code >= 0) {
      pos++;
    } else if (e == 0x26) {
      pos++; // \& is empty
      continue;
    } else if (e == 0x5e) {
      const k = pos + 1 < end ? <u32>load<u8>(pos + 1) : 0;
      if (k < 0x41 || k > 0x5f) {
        failed = true;
        return 0;
      }
      code = <i32>(k - 0x40);
      pos += 2;
    } else if (isDigit(e) || e == 0x78 || e == 0x6f) {
      const base: u32 = e == 0x78 ? 16 : e == 0x6f ? 8 : 10;
      if (base != 10) pos++;
      const first = pos;
      let n: u32 = 0;
      while (pos < end) {
        const d = digitValue(load<u8>(pos), base);
        if (d < 0) break;
        if (n <= 0x10ffff) n = n * base + <u32>d;
        pos++;
      }
      if (pos == first || n > 0x10ffff) {
        failed = true;
        return 0;
      }
      code = <i32>n;
    } else {
      code = matchName(NAMES3, CODES3, 3);
      if (code >= 0) pos += 3;
      else {
        code = matchName(NAMES2, CODES2, 2);
        if (code >= 0) pos += 2;
      }
      if (code < 0) {
        failed = true;
        return 0;
      }
    }
    w += putCodePoint(w, <u32>code);
    codePoints++;
  }
  const len = <u32>(w - start - 8);
  if (len == 0) return <i64>emptyString();
  store<u32>(start, K_STR | (len << 3));
  store<u32>(start, codePoints, 4);
  openClose(w);
  return <i64>start;
}

function listBody(elem: usize): i64 {
  skipWs();
  if (at() != 0x5b) {
    failed = true;
    return 0;
  }
  pos++;
  skipWs();
  if (at() == 0x5d) {
    pos++;
    return 0;
  }
  const flag = ptrBit(elem);
  let first: usize = 0;
  let last: usize = 0;
  let count: u32 = 0;
  let more = true;
  while (more) {
    const x = valueFresh(elem, false);
    if (failed) return 0;
    const cell = alloc(24);
    store<u32>(cell, K_CONS | (flag << 3));
    store<i64>(cell, x, 8);
    store<i64>(cell, 0, 16);
    if (last == 0) first = cell;
    else store<i64>(last, <i64>cell, 16);
    last = cell;
    count++;
    skipWs();
    const c = at();
    pos++;
    if (c == 0x5d) more = false;
    else if (c != 0x2c) {
      pos--;
      failed = true;
      return 0;
    }
  }
  // Now that the length is known, give every cell the length of the list it starts.
  let k = count;
  for (let c = first; c != 0; c = <usize>load<i64>(c, 16)) store<u32>(c, k--, 4);
  return <i64>first;
}

function mapArgument(desc: usize): i64 {
  const open = openParens();
  if (at() != 0x5b) {
    failed = true;
    return 0;
  }
  pos++;
  let t: usize = 0;
  skipWs();
  if (at() == 0x5d) pos++;
  else {
    let more = true;
    while (more) {
      const n = openParens();
      if (n == 0) {
        failed = true;
        return 0;
      }
      const entry = <usize>pairOpen(descA(desc), descB(desc), n);
      if (failed) return 0;
      let left = unclosed;
      while (left > 0) {
        skipWs();
        if (at() == 0x29) {
          pos++;
          left--;
        } else {
          failed = true;
          return 0;
        }
      }
      t = mapInsert(t, load<i64>(entry, 8), load<i64>(entry, 16), desc);
      skipWs();
      const c = at();
      pos++;
      if (c == 0x5d) more = false;
      else if (c != 0x2c) {
        pos--;
        failed = true;
        return 0;
      }
    }
  }
  for (let i: i32 = 0; i < open; i++) {
    skipWs();
    if (at() == 0x29) pos++;
    else {
      failed = true;
      return 0;
    }
  }
  return <i64>t;
}

function recordBody(desc: usize): i64 {
  if (at() != 0x7b) {
    failed = true;
    return 0;
  }
  pos++;
  const n = descCount(desc);
  const base = fieldOffset(n, 0);
  const p = alloc(base + (<usize>n << 3));
  store<u32>(p, K_TUPLE | (n << 3));
  writeMask(p, desc, n);
  // Which fields have been seen: one byte each, in a scratch allocation.
  const seen = alloc(<usize>n + 1);
  memory.fill(seen, 0, <usize>n);
  if (n == 0) {
    skipWs();
    if (at() == 0x7d) {
      pos++;
      return <i64>p;
    }
    failed = true;
    return 0;
  }
  let count: u32 = 0;
  let more = true;
  while (more) {
    skipWs();
    ident();
    let index: i32 = -1;
    for (let i: u32 = 0; i < n; i++) {
      if (identIs(descName(desc, i))) {
        index = <i32>i;
        break;
      }
    }
    if (index < 0 || load<u8>(seen + <usize>index) != 0) {
      failed = true;
      return 0;
    }
    skipWs();
    if (at() != 0x3d) {
      failed = true;
      return 0;
    }
    pos++;
    const x = valueFresh(descField(desc, <u32>index), false);
    if (failed) return 0;
    store<i64>(p + fieldOffset(n, <u32>index), x);
    store<u8>(seen + <usize>index, 1);
    count++;
    skipWs();
    const c = at();
    if (c == 0x2c) {
      pos++;
    } else if (c == 0x7d) {
      if (count < n) {
        failed = true;
        return 0;
      }
      pos++;
      more = false;
    } else {
      failed = true;
      return 0;
    }
  }
  return <i64>p;
}
