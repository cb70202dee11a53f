// Show: Haskell's derived Show, driven by a type descriptor (SEMANTICS.md "Show syntax").
//
//   show(Right (Left (-2)), Either () (Either Int ()))  =>  "Right (Left (-2))"
//   show("λ1\SO", String)                               =>  "\"\\955\\&1\\SO\""
//
// The text is written straight into the heap as one open allocation (heap.ts openAt), so Show
// allocates exactly one string and nothing else while it writes.
//
// Fuel pays for the text (one step per 64 characters, compiler/engine.ts SIZE_STEP), and the
// caller passes how many bytes would already be too many: a text that reaches `limit` could
// never be paid for, so Show raises OUT_OF_FUEL as soon as a list or map has written that much,
// instead of first writing all of a text whose elements share one long value.

import { copyBytes, E_OUT_OF_FUEL, heapTop, K_STR, openNeed, openClose, raise } from './heap';
import {
  descA, descB, descCount, descField, descName, fieldOffset, headOf, kindOf, payloadOf, tagOf, tailOf, word,
  T_BOOL, T_EITHER, T_INT, T_LIST, T_MAP, T_PAIR, T_RECORD, T_STRING, T_UNIT, T_VARIANT,
} from './values';
import { codePointAt, putDecimal, seqLength, strData, strLength } from './strings';

let pos: usize = 0;
/** Where the text would reach its limit: written up to here, it can no longer be paid for. */
let limitAt: usize = 0;

/** Sets `limitAt` for a text whose first byte is at `text` (the limit may pass the end of the address space). */
function setLimit(text: usize, limit: i64): void {
  const top = <usize>u32.MAX_VALUE;
  limitAt = limit >= <i64>(top - text) ? top : text + <usize>limit;
}
/** Between the elements of a list or map: past the limit, the text cannot be paid for. */
@inline function checkLimit(): void {
  if (pos >= limitAt) raise(E_OUT_OF_FUEL, 0);
}

@inline function reserve(n: usize): void {
  openNeed(pos, n);
}
@inline function put(b: u32): void {
  store<u8>(pos, <u8>b);
  pos++;
}
function putChar(b: u32): void {
  reserve(1);
  put(b);
}
/** Writes an ASCII AssemblyScript literal (stored as UTF-16 in static data). */
function putText(s: string): void {
  const n = s.length;
  reserve(<usize>n);
  const p = changetype<usize>(s);
  for (let i = 0; i < n; i++) put(load<u16>(p + (<usize>i << 1)));
}
function putBytes(src: usize, n: usize): void {
  reserve(n);
  copyBytes(pos, src, n);
  pos += n;
}

/** Show a value as a new string (OUT_OF_FUEL once it reaches `limit` bytes). Allocates one string. */
export function showValue(v: i64, desc: usize, limit: i64): usize {
  const start = heapTop;
  pos = start + 8;
  setLimit(pos, limit);
  showsPrec(v, desc, false);
  const len = <u32>(pos - start - 8);
  store<u32>(start, K_STR | (len << 3));
  store<u32>(start, len, 4); // Show output is ASCII: every code point above 0x7E is escaped
  openClose(pos);
  return start;
}

// Show piece by piece, for code generated for one symbolic value (compiler/lower.ts): the text it
// knows statically it copies from static strings, the rest it shows through `showNext`. Nothing
// may allocate between `showStart` and `showFinish`.

let showBegin: usize = 0;

export function showStart(limit: i64): void {
  showBegin = heapTop;
  pos = showBegin + 8;
  setLimit(pos, limit);
  reserve(0);
}
export function showText(s: usize): void {
  putBytes(strData(s), strLength(s));
}
export function showNext(v: i64, desc: usize, asArgument: bool): void {
  showsPrec(v, desc, asArgument);
}
/** The string written since `showStart`. */
export function showFinish(): usize {
  const start = showBegin;
  const len = <u32>(pos - start - 8);
  store<u32>(start, K_STR | (len << 3));
  store<u32>(start, len, 4); // ASCII, as in showValue
  openClose(pos);
  return start;
}

function showsPrec(v: i64, desc: usize, asArgument: bool): void {
  switch (kindOf(desc)) {
    case T_UNIT:
      putText('()');
      return;
    case T_INT: {
      const wrap = asArgument && v < 0;
      reserve(22);
      if (wrap) put(0x28);
      pos += putDecimal(pos, v);
      if (wrap) put(0x29);
      return;
    }
    case T_BOOL:
      putText(v != 0 ? 'True' : 'False');
      return;
    case T_STRING:
      showString(<usize>v);
      return;
    case T_PAIR: {
      putChar(0x28);
      showsPrec(word(<usize>v, 8), descA(desc), false);
      putChar(0x2c);
      showsPrec(word(<usize>v, 16), descB(desc), false);
      putChar(0x29);
      return;
    }
    case T_EITHER: {
      const p = <usize>v;
      const tag = tagOf(p);
      if (asArgument) putChar(0x28);
      putText(tag == 0 ? 'Left ' : 'Right ');
      showsPrec(payloadOf(p), tag == 0 ? descA(desc) : descB(desc), true);
      if (asArgument) putChar(0x29);
      return;
    }
    case T_VARIANT: {
      const p = <usize>v;
      const tag = tagOf(p);
      if (asArgument) putChar(0x28);
      const name = descName(desc, tag);
      putBytes(strData(name), strLength(name));
      putChar(0x20);
      showsPrec(payloadOf(p), descField(desc, tag), true);
      if (asArgument) putChar(0x29);
      return;
    }
    case T_LIST: {
      putChar(0x5b);
      const e = descA(desc);
      let first = true;
      for (let c = <usize>v; c != 0; c = tailOf(c)) {
        checkLimit();
        if (!first) putChar(0x2c);
        first = false;
        showsPrec(headOf(c), e, false);
      }
      putChar(0x5d);
      return;
    }
    case T_MAP: {
      if (asArgument) putChar(0x28);
      putText('fromList [');
      showEntries(<usize>v, descA(desc), descB(desc), true);
      putChar(0x5d);
      if (asArgument) putChar(0x29);
      return;
    }
    case T_RECORD: {
      putChar(0x7b);
      const n = descCount(desc);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) putText(', ');
        const name = descName(desc, i);
        putBytes(strData(name), strLength(name));
        putText(' = ');
        showsPrec(word(<usize>v, fieldOffset(n, i)), descField(desc, i), false);
      }
      putChar(0x7d);
      return;
    }
  }
  unreachable();
}

/** In-order; returns whether nothing has been written yet (for the separators). */
function showEntries(t: usize, kd: usize, vd: usize, first: bool): bool {
  while (t != 0) {
    first = showEntries(load<u32>(t, 24), kd, vd, first);
    checkLimit();
    if (!first) putChar(0x2c);
    first = false;
    putChar(0x28);
    showsPrec(load<i64>(t, 8), kd, false);
    putChar(0x2c);
    showsPrec(load<i64>(t, 16), vd, false);
    putChar(0x29);
    t = load<u32>(t, 28);
  }
  return first;
}

/** Names of the control characters 0..31 as Haskell shows them (a, b, t, n, v, f, r by letter). */
const CONTROL_NAMES = 'NUL SOH STX ETX EOT ENQ ACK a   b   t   n   v   f   r   SO  SI  DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM  SUB ESC FS  GS  RS  US  ';

function showString(s: usize): void {
  const n = strLength(s);
  const d = strData(s);
  putChar(0x22);
  let i: usize = 0;
  let protectDigit = false; // after a numeric escape, a following digit needs \&
  let protectH = false; // after \SO, a following H needs \&
  while (i < n) {
    const c = codePointAt(d + i);
    i += seqLength(load<u8>(d + i));
    reserve(12);
    if ((protectDigit && c >= 0x30 && c <= 0x39) || (protectH && c == 0x48)) {
      put(0x5c);
      put(0x26);
    }
    protectDigit = false;
    protectH = false;
    if (c == 0x22) {
      put(0x5c);
      put(0x22);
    } else if (c == 0x5c) {
      put(0x5c);
      put(0x5c);
    } else if (c >= 0x20 && c < 0x7f) {
      put(c);
    } else if (c < 0x20) {
      put(0x5c);
      const names = changetype<usize>(CONTROL_NAMES) + (<usize>c << 3);
      for (let k: usize = 0; k < 4; k++) {
        const ch = load<u16>(names + (k << 1));
        if (ch == 0x20) break;
        put(ch);
      }
      protectH = c == 14;
    } else if (c == 0x7f) {
      put(0x5c);
      put(0x44);
      put(0x45);
      put(0x4c);
    } else {
      put(0x5c);
      pos += putDecimal(pos, <i64>c);
      protectDigit = true;
    }
  }
  putChar(0x22);
}
