// Strings: immutable UTF-8 with a cached code point count, so StrLength is O(1) and ASCII
// strings slice by byte offset.
//
//   "héllo"  =>  h0 = K_STR | 6 << 3, h1 = 5, bytes 68 c3 a9 6c 6c 6f
//
// UTF-8 byte order is code point order, so comparison is a byte comparison. A code point that
// Read produces from a surrogate escape (\55296) is kept as its 3-byte generalised UTF-8 form.

import { alloc, copyBytes, heapTop, K_STR, openNeed } from './heap';

@inline export function strLength(s: usize): u32 {
  return load<u32>(s) >> 3;
}
@inline export function strCodePoints(s: usize): u32 {
  return load<u32>(s, 4);
}
@inline export function strData(s: usize): usize {
  return s + 8;
}

/** A new string of `bytes` bytes (contents to be written at +8). Allocates. */
export function newString(bytes: u32, codePoints: u32): usize {
  const p = alloc(8 + <usize>bytes);
  store<u32>(p, K_STR | (bytes << 3));
  store<u32>(p, codePoints, 4);
  return p;
}

export function countCodePoints(p: usize, n: usize): u32 {
  let c: u32 = 0;
  for (let i: usize = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
  return c;
}

/** Byte length of the UTF-8 sequence that starts with `b`. */
@inline export function seqLength(b: u32): usize {
  return b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

/** Decodes the code point at `p` (valid UTF-8 assumed). */
export function codePointAt(p: usize): u32 {
  const b0 = <u32>load<u8>(p);
  if (b0 < 0x80) return b0;
  if (b0 < 0xe0) return ((b0 & 0x1f) << 6) | (<u32>load<u8>(p, 1) & 0x3f);
  if (b0 < 0xf0) return ((b0 & 0x0f) << 12) | ((<u32>load<u8>(p, 1) & 0x3f) << 6) | (<u32>load<u8>(p, 2) & 0x3f);
  return ((b0 & 0x07) << 18) | ((<u32>load<u8>(p, 1) & 0x3f) << 12) | ((<u32>load<u8>(p, 2) & 0x3f) << 6) | (<u32>load<u8>(p, 3) & 0x3f);
}

/** Writes code point `c` at `p`; returns the number of bytes written. */
export function putCodePoint(p: usize, c: u32): usize {
  if (c < 0x80) {
    store<u8>(p, <u8>c);
    return 1;
  }
  if (c < 0x800) {
    store<u8>(p, <u8>(0xc0 | (c >> 6)));
    store<u8>(p, <u8>(0x80 | (c & 0x3f)), 1);
    return 2;
  }
  if (c < 0x10000) {
    store<u8>(p, <u8>(0xe0 | (c >> 12)));
    store<u8>(p, <u8>(0x80 | ((c >> 6) & 0x3f)), 1);
    store<u8>(p, <u8>(0x80 | (c & 0x3f)), 2);
    return 3;
  }
  store<u8>(p, <u8>(0xf0 | (c >> 18)));
  store<u8>(p, <u8>(0x80 | ((c >> 12) & 0x3f)), 1);
  store<u8>(p, <u8>(0x80 | ((c >> 6) & 0x3f)), 2);
  store<u8>(p, <u8>(0x80 | (c & 0x3f)), 3);
  return 4;
}

/** Strict UTF-8 check (as TextDecoder with fatal: no overlongs, no surrogates, <= U+10FFFF). Returns the code point count or -1. */
export function validateUtf8(p: usize, n: usize): i64 {
  let i: usize = 0;
  let count: i64 = 0;
  // ASCII eight bytes at a time: one byte is one code point.
  while (i + 8 <= n && (load<u64>(p + i) & 0x8080808080808080) == 0) i += 8;
  count = <i64>i;
  while (i < n) {
    const b0 = <u32>load<u8>(p + i);
    if (b0 < 0x80) {
      i++;
    } else if (b0 >= 0xc2 && b0 < 0xe0) {
      if (i + 1 >= n || (<u32>load<u8>(p + i + 1) & 0xc0) != 0x80) return -1;
      i += 2;
    } else if (b0 >= 0xe0 && b0 < 0xf0) {
      if (i + 2 >= n) return -1;
      const b1 = <u32>load<u8>(p + i + 1);
      const b2 = <u32>load<u8>(p + i + 2);
      if ((b1 & 0xc0) != 0x80 || (b2 & 0xc0) != 0x80) return -1;
      if (b0 == 0xe0 && b1 < 0xa0) return -1; // overlong
      if (b0 == 0xed && b1 >= 0xa0) return -1; // surrogate
      i += 3;
    } else if (b0 >= 0xf0 && b0 < 0xf5) {
      if (i + 3 >= n) return -1;
      const b1 = <u32>load<u8>(p + i + 1);
      if ((b1 & 0xc0) != 0x80 || (<u32>load<u8>(p + i + 2) & 0xc0) != 0x80 || (<u32>load<u8>(p + i + 3) & 0xc0) != 0x80) return -1;
      if (b0 == 0xf0 && b1 < 0x90) return -1; // overlong
      if (b0 == 0xf4 && b1 >= 0x90) return -1; // above U+10FFFF
      i += 4;
    } else {
      return -1;
    }
    count++;
  }
  return count;
}

/** A string holding a copy of `n` bytes at `src` with `codePoints` code points. Allocates. */
export function stringFromBytes(src: usize, n: u32, codePoints: u32): usize {
  const s = newString(n, codePoints);
  copyBytes(s + 8, src, n);
  return s;
}

export function strCompare(a: usize, b: usize): i32 {
  return strOrder(a, b);
}

/** The first 8 bytes of `s` as a big-endian number, zero padded: prefixes order as the strings do, or tie. */
@inline export function strPrefix(s: usize): u64 {
  const n = strLength(s);
  let x: u64 = 0;
  if (n != 0) {
    x = load<u64>(s + 8);
    if (n < 8) x &= (<u64>1 << (<u64>n << 3)) - 1;
  }
  return bswap<u64>(x);
}

/**
 * Byte order, eight bytes at a time: the order of the byte-swapped (big-endian) words. The last
 * word is masked to the bytes both strings have; loading all of it is safe because an object is
 * a multiple of 8 bytes, so the word that holds a string's last byte lies inside the string.
 */
@inline export function strOrder(a: usize, b: usize): i32 {
  let c: i32 = 0;
  if (a != b) {
    const na = strLength(a);
    const nb = strLength(b);
    const n = <usize>(na < nb ? na : nb);
    c = na < nb ? -1 : na > nb ? 1 : 0;
    for (let i: usize = 0; i < n; i += 8) {
      let x = load<u64>(a + 8 + i);
      let y = load<u64>(b + 8 + i);
      if (n - i < 8) {
        const mask = (<u64>1 << (<u64>(n - i) << 3)) - 1;
        x &= mask;
        y &= mask;
      }
      if (x != y) {
        c = bswap<u64>(x) < bswap<u64>(y) ? -1 : 1;
        break;
      }
    }
  }
  return c;
}

export function strEqual(a: usize, b: usize): bool {
  if (a == b) return true;
  const n = strLength(a);
  if (n != strLength(b)) return false;
  return memory.compare(a + 8, b + 8, n) == 0;
}

export function strConcat(a: usize, b: usize): usize {
  const na = strLength(a);
  const nb = strLength(b);
  if (na == 0) return b;
  if (nb == 0) return a;
  const s = newString(na + nb, strCodePoints(a) + strCodePoints(b));
  copyBytes(s + 8, a + 8, na);
  copyBytes(s + 8 + na, b + 8, nb);
  return s;
}

/** Byte offset of code point `k` (k <= code point count). */
export function byteOffsetOf(s: usize, k: u32): usize {
  if (strCodePoints(s) == strLength(s)) return <usize>k;
  const d = s + 8;
  let i: usize = 0;
  for (let c: u32 = 0; c < k; c++) i += seqLength(load<u8>(d + i));
  return i;
}

/** Code points [from, to) after clamping both to [0, length]; empty when from >= to. */
export function strSlice(s: usize, from: i64, to: i64): usize {
  const len = <i64>strCodePoints(s);
  const a = from < 0 ? 0 : from > len ? len : from;
  const b = to < 0 ? 0 : to > len ? len : to;
  if (a >= b) return emptyString();
  if (a == 0 && b == len) return s;
  const start = byteOffsetOf(s, <u32>a);
  let end: usize;
  if (strCodePoints(s) == strLength(s)) end = <usize>b;
  else {
    end = start;
    const d = s + 8;
    for (let c = a; c < b; c++) end += seqLength(load<u8>(d + end));
  }
  return stringFromBytes(s + 8 + start, <u32>(end - start), <u32>(b - a));
}

const EMPTY_STRING: usize = memory.data<u32>([K_STR, 0], 8);
/** The empty string: static, so producing it allocates nothing. */
@inline export function emptyString(): usize {
  return EMPTY_STRING;
}

/** ParseInt: an optional '-' then one or more ASCII digits fitting in signed 64-bit. Sets `parsedOk`. */
export let parsedOk: bool = false;
export function parseDecimal(p: usize, n: usize): i64 {
  parsedOk = false;
  let i: usize = 0;
  let negative = false;
  if (n > 0 && load<u8>(p) == 0x2d) {
    negative = true;
    i = 1;
  }
  if (i >= n) return 0;
  // Accumulate as a negative number so INT_MIN fits; digits are checked even past an overflow.
  let acc: i64 = 0;
  let overflow = false;
  for (; i < n; i++) {
    const c = <i32>load<u8>(p + i) - 0x30;
    if (c < 0 || c > 9) return 0;
    if (acc < -922337203685477580 || (acc == -922337203685477580 && c > 8)) overflow = true;
    else acc = acc * 10 - <i64>c;
  }
  if (overflow) return 0;
  if (!negative) {
    if (acc == i64.MIN_VALUE) return 0;
    acc = -acc;
  }
  parsedOk = true;
  return acc;
}

/** Writes the decimal digits of `n` at `p`; returns the number of bytes. */
export function putDecimal(p: usize, n: i64): usize {
  let k: usize = 0;
  let u: u64;
  if (n < 0) {
    store<u8>(p, 0x2d);
    k = 1;
    u = <u64>0 - <u64>n;
  } else u = <u64>n;
  let digits: usize = 1;
  let t = u;
  while (t >= 10) {
    t /= 10;
    digits++;
  }
  let q = p + k + digits;
  do {
    q--;
    store<u8>(q, <u8>(0x30 + <u32>(u % 10)));
    u /= 10;
  } while (u != 0);
  return k + digits;
}

export function showInt(n: i64): usize {
  const at = heapTop + 8;
  openNeed(at, 24);
  const len = <u32>putDecimal(at, n);
  return newString(len, len); // newString allocates exactly where the digits were written
}

/** Index of `needle` in `hay` at or after `from`, or -1. */
export function findBytes(hay: usize, hayLen: usize, from: usize, needle: usize, needleLen: usize): isize {
  if (needleLen > hayLen) return -1;
  const last = hayLen - needleLen;
  const first = load<u8>(needle);
  for (let i = from; i <= last; i++) {
    if (load<u8>(hay + i) == first && memory.compare(hay + i, needle, needleLen) == 0) return <isize>i;
  }
  return -1;
}

