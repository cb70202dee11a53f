// Values as the interpreter, the codecs and the TypeScript EDSL hold them.
//
//   type                      value                      JSON form (docs/wire-format.md)
//   ()                        null                       null
//   Int                       -3n (bigint, 64-bit)       -3   (a string past ±2^53-1)
//   Bool                      true                       true
//   String                    "héllo"                    "héllo"
//   (Int, Bool)               [1n, true]                 [1, true]
//   Either () Int             {tag:'Right', value: 2n}   {"Right": 2}
//   List Int                  [1n, 2n]                   [1, 2]
//   Map String Int            PMap {"a" => 1n}           [["a", 1]]
//   {count: Int}              {count: 3n}                {"count": 3}
//   <Incr: Int, Read: ()>     {tag:'Incr', value: 5n}    {"Incr": 5}
//
// Values are immutable; maps are persistent B+ trees (sorted-btree) that share
// structure, so a step that fails leaves the previous state untouched.
// Ints are bigints kept in the signed 64-bit range by `wrap` after every
// arithmetic operation: exact, and two's-complement wrap-around on overflow.

import BTreeImport from 'sorted-btree';
import { type Type, showType, typeEquals, unreachableKind } from './types.ts';

// sorted-btree is CommonJS with `exports.default`: Node's own ESM loader (tsx at run time) hands over the
// module object, bundlers (vitest) the class. Take the class either way.
type BTree<K, V> = BTreeImport<K, V>;
const BTree: typeof BTreeImport = (BTreeImport as unknown as { default?: typeof BTreeImport }).default ?? BTreeImport;

export type Value = null | bigint | boolean | string | PairValue | TaggedValue | ListValue | PMap | RecordValue;
export type PairValue = readonly [Value, Value];
export type ListValue = readonly Value[];
export interface TaggedValue {
  readonly tag: string;
  readonly value: Value;
}
export interface RecordValue {
  readonly [field: string]: Value;
}

export const unit = null;
export const left = (value: Value): TaggedValue => ({ tag: 'Left', value });
export const right = (value: Value): TaggedValue => ({ tag: 'Right', value });
export const tagged = (tag: string, value: Value): TaggedValue => ({ tag, value });

export const INT_MIN = -(1n << 63n);
export const INT_MAX = (1n << 63n) - 1n;
/** Two's-complement wrap-around into the signed 64-bit range. */
export const wrap = (n: bigint): bigint => BigInt.asIntN(64, n);

/** Compares strings by Unicode code point (JS `<` compares UTF-16 code units, which differs above U+FFFF). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // A surrogate (0xD800-0xDFFF) starts a code point above 0xFFFF, so it sorts after 0xE000-0xFFFF.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * The total order on values of one type: Unit equal; Int numeric; False < True;
 * String by code point; pairs, lists and records lexicographic (records by
 * field name order); Left < Right, and variants by case name, then payload;
 * maps as their ascending lists of (key, value).
 */
export function compareValues(t: Type, a: Value, b: Value): number {
  switch (t.kind) {
    case 'Unit':
      return 0;
    case 'Int':
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case 'Bool':
      return a === b ? 0 : a ? 1 : -1;
    case 'String':
      return compareStrings(a as string, b as string);
    case 'Pair': {
      const x = a as PairValue;
      const y = b as PairValue;
      return compareValues(t.fst, x[0], y[0]) || compareValues(t.snd, x[1], y[1]);
    }
    case 'Either':
    case 'Variant': {
      const x = a as TaggedValue;
      const y = b as TaggedValue;
      if (x.tag !== y.tag) return x.tag < y.tag ? -1 : 1;
      const payload = t.kind === 'Either' ? (x.tag === 'Left' ? t.left : t.right) : t.cases.find((c) => c.name === x.tag)!.type;
      return compareValues(payload, x.value, y.value);
    }
    case 'List': {
      const x = a as ListValue;
      const y = b as ListValue;
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(t.elem, x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
    }
    case 'Map': {
      const x = (a as PMap).entries();
      const y = (b as PMap).entries();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(t.key, x[i][0], y[i][0]) || compareValues(t.value, x[i][1], y[i][1]);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    case 'Record': {
      const x = a as RecordValue;
      const y = b as RecordValue;
      for (const f of t.fields) {
        const c = compareValues(f.type, x[f.name], y[f.name]);
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return unreachableKind(t);
  }
}

export const valueEquals = (t: Type, a: Value, b: Value): boolean => compareValues(t, a, b) === 0;

/**
 * A persistent ordered map. Every update returns a new map and leaves this one
 * as it was (copy-on-write B+ tree nodes: O(log n) per update).
 */
export class PMap {
  private constructor(
    readonly keyType: Type,
    private readonly tree: BTree<Value, Value>,
  ) {}

  static empty(keyType: Type): PMap {
    return new PMap(keyType, new BTree<Value, Value>(undefined, comparatorFor(keyType)));
  }

  /** Later entries win over earlier ones with an equal key. */
  static fromEntries(keyType: Type, entries: Iterable<readonly [Value, Value]>): PMap {
    const tree = new BTree<Value, Value>(undefined, comparatorFor(keyType));
    for (const [k, v] of entries) tree.set(k, v, true);
    return new PMap(keyType, tree);
  }

  get size(): number {
    return this.tree.size;
  }
  get(key: Value): Value | undefined {
    return this.tree.get(key);
  }
  has(key: Value): boolean {
    return this.tree.has(key);
  }
  insert(key: Value, value: Value): PMap {
    return new PMap(this.keyType, this.tree.with(key, value, true));
  }
  delete(key: Value): PMap {
    return this.tree.has(key) ? new PMap(this.keyType, this.tree.without(key)) : this;
  }
  /** Ascending by key. Allocates an array of the whole map. */
  entries(): Array<[Value, Value]> {
    return this.tree.toArray();
  }
  keys(): Value[] {
    return this.tree.keysArray();
  }
  /** Iterates in ascending key order without copying the map. */
  forEach(visit: (key: Value, value: Value) => void): void {
    this.tree.forEachPair((k, v) => {
      visit(k, v);
    });
  }
}

const comparators = new WeakMap<Type, (a: Value, b: Value) => number>();
function comparatorFor(keyType: Type): (a: Value, b: Value) => number {
  let c = comparators.get(keyType);
  if (!c) {
    switch (keyType.kind) {
      case 'Int':
        c = (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);
        break;
      case 'String':
        c = (a, b) => compareStrings(a as string, b as string);
        break;
      default:
        c = (a, b) => compareValues(keyType, a, b);
    }
    comparators.set(keyType, c);
  }
  return c;
}

/** Checks that `v` is a well-formed value of type `t` (for values that come from outside). */
export function isValueOf(t: Type, v: unknown): v is Value {
  switch (t.kind) {
    case 'Unit':
      return v === null;
    case 'Int':
      return typeof v === 'bigint' && v >= INT_MIN && v <= INT_MAX;
    case 'Bool':
      return typeof v === 'boolean';
    case 'String':
      return typeof v === 'string';
    case 'Pair':
      return Array.isArray(v) && v.length === 2 && isValueOf(t.fst, v[0]) && isValueOf(t.snd, v[1]);
    case 'Either': {
      const x = v as TaggedValue;
      return typeof v === 'object' && v !== null && (x.tag === 'Left' ? isValueOf(t.left, x.value) : x.tag === 'Right' && isValueOf(t.right, x.value));
    }
    case 'Variant': {
      const x = v as TaggedValue;
      if (typeof v !== 'object' || v === null) return false;
      const c = t.cases.find((k) => k.name === x.tag);
      return c !== undefined && isValueOf(c.type, x.value);
    }
    case 'List':
      return Array.isArray(v) && v.every((e) => isValueOf(t.elem, e));
    case 'Map': {
      if (!(v instanceof PMap) || !typeEquals(v.keyType, t.key)) return false;
      let ok = true;
      v.forEach((k, x) => {
        ok = ok && isValueOf(t.key, k) && isValueOf(t.value, x);
      });
      return ok;
    }
    case 'Record': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      const keys = Object.keys(v);
      return keys.length === t.fields.length && t.fields.every((f) => f.name in v && isValueOf(f.type, (v as RecordValue)[f.name]));
    }
    default:
      return unreachableKind(t);
  }
}

// ---------------------------------------------------------------------------
// JSON form of values (docs/wire-format.md). Type-directed both ways.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function valueToJson(t: Type, v: Value): Json {
  switch (t.kind) {
    case 'Unit':
      return null;
    case 'Int': {
      const n = v as bigint;
      return n >= -SAFE && n <= SAFE ? Number(n) : n.toString();
    }
    case 'Bool':
    case 'String':
      return v as boolean | string;
    case 'Pair': {
      const p = v as PairValue;
      return [valueToJson(t.fst, p[0]), valueToJson(t.snd, p[1])];
    }
    case 'Either': {
      const x = v as TaggedValue;
      return { [x.tag]: valueToJson(x.tag === 'Left' ? t.left : t.right, x.value) };
    }
    case 'Variant': {
      const x = v as TaggedValue;
      return { [x.tag]: valueToJson(t.cases.find((c) => c.name === x.tag)!.type, x.value) };
    }
    case 'List':
      return (v as ListValue).map((e) => valueToJson(t.elem, e));
    case 'Map':
      return (v as PMap).entries().map(([k, x]) => [valueToJson(t.key, k), valueToJson(t.value, x)]);
    case 'Record': {
      const r = v as RecordValue;
      return Object.fromEntries(t.fields.map((f) => [f.name, valueToJson(f.type, r[f.name])]));
    }
    default:
      return unreachableKind(t);
  }
}

export class ValueSyntaxError extends Error {
  override name = 'ValueSyntaxError';
}

const INT_TEXT = /^-?[0-9]+$/;

/** Parses the JSON form of a value of type `t`; throws ValueSyntaxError naming the path and the expected type. */
export function valueFromJson(t: Type, json: unknown, path = 'value'): Value {
  const fail = (what: string): never => {
    throw new ValueSyntaxError(`${path}: expected ${what} for type ${showType(t)}, got ${JSON.stringify(json) ?? String(json)}`);
  };
  switch (t.kind) {
    case 'Unit':
      return json === null ? null : fail('null');
    case 'Int': {
      let n: bigint;
      if (typeof json === 'number' && Number.isSafeInteger(json)) n = BigInt(json);
      else if (typeof json === 'string' && INT_TEXT.test(json)) n = BigInt(json);
      else return fail('an integer (a JSON number up to ±2^53-1, or a decimal string)');
      if (n < INT_MIN || n > INT_MAX) return fail('an integer in the signed 64-bit range');
      return n;
    }
    case 'Bool':
      return typeof json === 'boolean' ? json : fail('true or false');
    case 'String':
      return typeof json === 'string' ? json : fail('a string');
    case 'Pair':
      if (!Array.isArray(json) || json.length !== 2) return fail('an array of two');
      return [valueFromJson(t.fst, json[0], `${path}[0]`), valueFromJson(t.snd, json[1], `${path}[1]`)];
    case 'Either':
    case 'Variant': {
      if (json === null || typeof json !== 'object' || Array.isArray(json) || Object.keys(json).length !== 1) {
        return fail(t.kind === 'Either' ? '{"Left": …} or {"Right": …}' : 'an object with one case name');
      }
      const tag = Object.keys(json)[0];
      const payload = t.kind === 'Either' ? (tag === 'Left' ? t.left : tag === 'Right' ? t.right : undefined) : t.cases.find((c) => c.name === tag)?.type;
      if (!payload) return fail(`one of the cases ${t.kind === 'Either' ? 'Left, Right' : t.cases.map((c) => c.name).join(', ')}`);
      return { tag, value: valueFromJson(payload, (json as Record<string, unknown>)[tag], `${path}.${tag}`) };
    }
    case 'List':
      if (!Array.isArray(json)) return fail('an array');
      return json.map((e, i) => valueFromJson(t.elem, e, `${path}[${i}]`));
    case 'Map': {
      if (!Array.isArray(json)) return fail('an array of [key, value] pairs');
      const entries = json.map((e, i): [Value, Value] => {
        if (!Array.isArray(e) || e.length !== 2) throw new ValueSyntaxError(`${path}[${i}]: expected a [key, value] pair`);
        return [valueFromJson(t.key, e[0], `${path}[${i}][0]`), valueFromJson(t.value, e[1], `${path}[${i}][1]`)];
      });
      return PMap.fromEntries(t.key, entries);
    }
    case 'Record': {
      if (json === null || typeof json !== 'object' || Array.isArray(json)) return fail('an object');
      const obj = json as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        if (!t.fields.some((f) => f.name === k)) throw new ValueSyntaxError(`${path}: unknown field ${JSON.stringify(k)} for type ${showType(t)}`);
      }
      const out: Record<string, Value> = {};
      for (const f of t.fields) {
        if (!(f.name in obj)) throw new ValueSyntaxError(`${path}: missing field ${JSON.stringify(f.name)} for type ${showType(t)}`);
        out[f.name] = valueFromJson(f.type, obj[f.name], `${path}.${f.name}`);
      }
      return out;
    }
    default:
      return unreachableKind(t);
  }
}
