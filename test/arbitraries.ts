// fast-check arbitraries of types, of values of a given type, and of untyped
// terms, shared by the test files.
//
//   arbType({ maxDepth: 2 })      =>  Either () (List Int), {count: Int, flag: <Incr: Int>}, …
//   arbValue(either(Unit, Int))   =>  Left null, Right -9223372036854775808n, Right 0n, …
//   arbTypedValue()               =>  { type: (String, Bool), value: ["\"\\\u000eH😀", true] }
//   arbUntypedTerm()              =>  Compose(Fanout(Id, Int 5), Read(Either () Int)) (not necessarily well typed)
//
// Values aim at the corners the codecs must get right: 64-bit ints across the
// whole range and at its ends, around ±2^53 where JSON switches to strings,
// and strings with quotes, backslashes, every control character, DEL, digits
// and `H` (after numeric and `\SO` escapes), non-ASCII and astral characters.

import fc from 'fast-check';
import { OPS, OP_NAMES, type Op, type Term } from '../compiler/terms.ts';
import { type Field, type Type, Bool, Int, Str, Unit, either, isFirstOrder, list, map, pair, record, variant, unreachableKind } from '../compiler/types.ts';
import { INT_MAX, INT_MIN, PMap, type Value, tagged } from '../compiler/values.ts';

/** Field and case names: plain ones, and ones that are keywords elsewhere in the syntax (reading is type-directed). */
export const NAME_POOL = ['a', 'b', 'count', 'flag', 'x_1', '_z', 'Incr', 'Read', 'Push', 'Left', 'True', 'fromList'] as const;

export interface TypeOptions {
  /** Nesting of compound types; 0 gives only Unit, Int, Bool, String. Default 3. */
  readonly maxDepth?: number;
  /** Only first-order types (no type is higher order today, so this filters nothing yet). */
  readonly firstOrderOnly?: boolean;
}

const BASE_TYPES: readonly Type[] = [Unit, Int, Bool, Str];

/** Every kind of type, records and variants with 1–4 fields from NAME_POOL. */
export function arbType(opts: TypeOptions = {}): fc.Arbitrary<Type> {
  const maxDepth = opts.maxDepth ?? 3;
  let arb: fc.Arbitrary<Type> = fc.constantFrom(...BASE_TYPES);
  // Built bottom-up, one level per step, so the arbitrary is linear in maxDepth.
  for (let depth = 1; depth <= maxDepth; depth++) {
    const sub = arb;
    const named = fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAME_POOL), type: sub }), {
      minLength: 1,
      maxLength: 4,
      selector: (f: Field) => f.name,
    });
    arb = fc.oneof(
      { arbitrary: fc.constantFrom(...BASE_TYPES), weight: 4 },
      { arbitrary: fc.tuple(sub, sub).map(([a, b]) => pair(a, b)), weight: 2 },
      { arbitrary: fc.tuple(sub, sub).map(([a, b]) => either(a, b)), weight: 2 },
      { arbitrary: sub.map(list), weight: 1 },
      { arbitrary: fc.tuple(sub, sub).map(([k, v]) => map(k, v)), weight: 1 },
      { arbitrary: named.map((fields) => record(fields)), weight: 1 },
      { arbitrary: named.map((cases) => variant(cases)), weight: 1 },
    );
  }
  return opts.firstOrderOnly ? arb.filter(isFirstOrder) : arb;
}

const POWER_53 = 1n << 53n;

/** Signed 64-bit ints: the ends of the range, around ±2^53, small ones, and uniform over the whole range. */
export const arbInt: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(INT_MIN, INT_MAX, -1n, 0n, 1n, INT_MIN + 1n, INT_MAX - 1n, POWER_53 - 1n, POWER_53, -(POWER_53 - 1n), -POWER_53),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: INT_MIN, max: INT_MAX }),
);

const TRICKY_CHARS = ['"', '\\', '\u000e', 'H', '&', '\u007f', '\u0000', '\n', '\t', ' ', '(', ')', ',', '^', '0', '1', '9', 'é', 'λ', '\u0080', '\u00ff', '\uffff', '😀', '\u{10ffff}'];

/** One code point (never a lone surrogate, which UTF-8 cannot carry). */
export const arbChar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...TRICKY_CHARS),
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

export const arbString: fc.Arbitrary<string> = fc.array(arbChar, { maxLength: 12 }).map((cs) => cs.join(''));

export interface ValueOptions {
  /** Longest list or map generated. Default 4. */
  readonly maxLength?: number;
}

/** Well-formed values of type `t` (maps built with PMap.fromEntries). */
export function arbValue(t: Type, opts: ValueOptions = {}): fc.Arbitrary<Value> {
  const maxLength = opts.maxLength ?? 4;
  const of = (u: Type) => arbValue(u, opts);
  switch (t.kind) {
    case 'Unit':
      return fc.constant(null);
    case 'Int':
      return arbInt;
    case 'Bool':
      return fc.boolean();
    case 'String':
      return arbString;
    case 'Pair':
      return fc.tuple(of(t.fst), of(t.snd)).map(([a, b]): Value => [a, b]);
    case 'Either':
      return fc.oneof(of(t.left).map((v) => tagged('Left', v)), of(t.right).map((v) => tagged('Right', v)));
    case 'Variant':
      return fc.oneof(...t.cases.map((c) => of(c.type).map((v) => tagged(c.name, v))));
    case 'List':
      return fc.array(of(t.elem), { maxLength });
    case 'Map':
      return fc.array(fc.tuple(of(t.key), of(t.value)), { maxLength }).map((entries) => PMap.fromEntries(t.key, entries));
    case 'Record':
      return fc.tuple(...t.fields.map((f) => of(f.type))).map((values) => {
        const out: Record<string, Value> = {};
        t.fields.forEach((f, i) => {
          out[f.name] = values[i];
        });
        return out;
      });
    default:
      return unreachableKind(t);
  }
}

export interface TypedValue {
  readonly type: Type;
  readonly value: Value;
}

/** A type and a value of it. */
export function arbTypedValue(opts: TypeOptions & ValueOptions = {}): fc.Arbitrary<TypedValue> {
  return arbType(opts).chain((type) => arbValue(type, opts).map((value) => ({ type, value })));
}

/**
 * Syntactically valid terms over every op of the catalogue, not necessarily
 * well typed (for codecs, which must round-trip any term). `value` fields get
 * a value of the op's own `type` field, as the codecs require.
 */
export function arbUntypedTerm(opts: { readonly maxDepth?: number } = {}): fc.Arbitrary<Term> {
  const maxDepth = opts.maxDepth ?? 3;
  const isLeaf = (o: Op) => OPS[o].fields.every(([, kind]) => kind !== 'term' && kind !== 'terms');
  const leafOps = OP_NAMES.filter(isLeaf);
  const innerOps = OP_NAMES.filter((o) => !isLeaf(o));
  const leaves = new Map<Op, fc.Arbitrary<Term>>(leafOps.map((o) => [o, arbFields(o, null)]));
  const leaf = fc.constantFrom(...leafOps).chain((o) => leaves.get(o)!);
  let arb = leaf;
  for (let depth = 1; depth <= maxDepth; depth++) {
    const inner = new Map<Op, fc.Arbitrary<Term>>(innerOps.map((o) => [o, arbFields(o, arb)]));
    // Most ops are leaves; weighting the others keeps generated terms from being mostly one node.
    arb = fc.oneof({ arbitrary: leaf, weight: 1 }, { arbitrary: fc.constantFrom(...innerOps).chain((o) => inner.get(o)!), weight: 2 });
  }
  return arb;
}

function arbFields(o: Op, sub: fc.Arbitrary<Term> | null): fc.Arbitrary<Term> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  let hasValue = false;
  for (const [name, kind] of OPS[o].fields) {
    switch (kind) {
      case 'term':
        parts[name] = sub!;
        break;
      case 'terms':
        parts[name] = fc
          .uniqueArray(fc.tuple(fc.constantFrom(...NAME_POOL), sub!), { minLength: 1, maxLength: 3, selector: ([n]) => n })
          .map((entries) => Object.fromEntries(entries));
        break;
      case 'type':
        parts[name] = arbType({ maxDepth: 2 });
        break;
      case 'int':
        parts[name] = arbInt;
        break;
      case 'bool':
        parts[name] = fc.boolean();
        break;
      case 'string':
        parts[name] = arbString;
        break;
      case 'name':
        parts[name] = fc.constantFrom(...NAME_POOL);
        break;
      case 'value':
        hasValue = true;
        break;
      default:
        throw new Error(`unhandled field kind ${kind satisfies never}`);
    }
  }
  const fields = fc.record(parts);
  const withValue = hasValue
    ? fields.chain((f) => arbValue(f.type as Type).map((value) => ({ ...f, value })))
    : fields;
  return withValue.map((f) => ({ op: o, ...f }) as unknown as Term);
}
