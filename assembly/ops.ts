// String operations that build lists or sums: Split, ParseInt.
//
//   split("a,,b", ",")  =>  ["a","","b"]        split("héj", "")  =>  ["h","é","j"]
//   parseInt("-12")     =>  Right (-12)         parseInt("+1")    =>  Left ()

import { alloc, K_CONS, K_TAGGED } from './heap';
import { findBytes, parseDecimal, parsedOk, seqLength, stringFromBytes, strCodePoints, strData, strLength, countCodePoints } from './strings';

/** Left (): static, shared by every module (the payload () is the word 0). */
export const LEFT_UNIT: usize = memory.data<u32>([K_TAGGED, 0, 0, 0], 8);
export const RIGHT_UNIT: usize = memory.data<u32>([K_TAGGED, 1, 0, 0], 8);

/** ParseInt: Right n, or Left () when the text is not an optional '-' and decimal digits fitting 64 bits. */
export function parseInt(s: usize): usize {
  const n = parseDecimal(strData(s), strLength(s));
  if (!parsedOk) return LEFT_UNIT;
  const p = alloc(16);
  store<u32>(p, K_TAGGED);
  store<u32>(p, 1, 4);
  store<i64>(p, n, 8);
  return p;
}

let first: usize = 0;
let last: usize = 0;
let count: u32 = 0;

function push(x: usize): void {
  const cell = alloc(24);
  store<u32>(cell, K_CONS | (1 << 3));
  store<i64>(cell, <i64>x, 8);
  store<i64>(cell, 0, 16);
  if (last == 0) first = cell;
  else store<i64>(last, <i64>cell, 16);
  last = cell;
  count++;
}

function finish(): usize {
  let k = count;
  for (let c = first; c != 0; c = <usize>load<i64>(c, 16)) store<u32>(c, k--, 4);
  return first;
}

/** Split (text, separator): JS `text.split(separator)`, or single code points for "". Allocates. */
export function split(text: usize, sep: usize): usize {
  first = 0;
  last = 0;
  count = 0;
  const d = strData(text);
  const n = <usize>strLength(text);
  const m = <usize>strLength(sep);
  if (m == 0) {
    let i: usize = 0;
    while (i < n) {
      const k = seqLength(load<u8>(d + i));
      push(stringFromBytes(d + i, <u32>k, 1));
      i += k;
    }
    return finish();
  }
  const ascii = <usize>strCodePoints(text) == n;
  let from: usize = 0;
  let more = true;
  while (more) {
    const hit = findBytes(d, n, from, strData(sep), m);
    const stop = hit < 0 ? n : <usize>hit;
    const len = stop - from;
    push(stringFromBytes(d + from, <u32>len, ascii ? <u32>len : countCodePoints(d + from, len)));
    if (hit < 0) more = false;
    else from = stop + m;
  }
  return finish();
}
