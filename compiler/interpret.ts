// The reference interpreter: the specification every engine is tested against.
//
//   step(typecheck(counterV1, { state: Int, input: String }), "Left ()", 0n)
//     => { ok: true, output: "Left 0", state: 0n }
//   step(typed(Compose(Div, Fanout(Int 1, Int 0))), null, s)
//     => { ok: false, error: { code: 'DIVIDE_BY_ZERO', message: 'division by zero' }, state: s }
//
// Technique: closure compilation. The typed tree is compiled once into JS
// closures `(input, ctx) => output`; per item nothing dispatches on op names.
// `ctx` carries the state and the remaining fuel. Item errors are thrown as an
// internal `ItemFailure` (a plain object, not an Error, so throwing captures
// no stack trace) and turned into a result at the step boundary. The state is
// committed only on success: values are immutable and maps are persistent, so
// the state from before the item is still intact and nothing needs undoing.
//
// 64-bit Ints are JS bigints, wrapped with `BigInt.asIntN(64, x)` after every
// operation that can leave the signed 64-bit range. That is exact (no float
// rounding), gives two's-complement wrap-around for free, and V8 optimises
// `asIntN(64, …)` well: measured as fast as a range check on this machine.
// Div and Mod, which cannot overflow except INT_MIN / -1, are special-cased.
//
// Stack depth: compilation is iterative (an explicit stack), and a chain of
// Composes (the usual way terms grow deep) compiles to one flat sequence run
// in a loop, so it costs one JS frame however long it is. Other nestings cost
// one frame per level at run time, which is fine at TERM_LIMITS.maxDepth.
// Unleft loops, ListMap and Fold are loops, never recursion.

import type { Engine, ItemError, ItemErrorCode, Machine, MachineSpec, StepResult } from './engine.ts';
import { DEFAULT_FUEL, SIZE_STEP } from './engine.ts';
import { ByteReader, ByteWriter, decodeFrom, decodeValue, encodeInto, LayoutError } from './layout.ts';
import { readValue, showValueWithin } from './seed-syntax.ts';
import type { Term, TermOf } from './terms.ts';
import type { Typed } from './typecheck.ts';
import { type Type, showType, unreachableKind } from './types.ts';
import {
  compareStrings,
  INT_MAX,
  INT_MIN,
  isValueOf,
  PMap,
  type ListValue,
  type PairValue,
  type RecordValue,
  type TaggedValue,
  type Value,
} from './values.ts';

// ---------------------------------------------------------------------------
// Run-time context and failures

/** Mutable per-item context: the state as threaded so far, and the fuel left. */
class Context {
  constructor(
    public state: Value,
    public fuel: number,
    readonly budget: number,
  ) {}
}

/** An item error in flight; caught at the step boundary only. */
class ItemFailure {
  constructor(readonly error: ItemError) {}
}

const failure = (code: ItemErrorCode, message: string) => new ItemFailure({ code, message });
const DIVIDE_BY_ZERO = failure('DIVIDE_BY_ZERO', 'division by zero');

function outOfFuel(ctx: Context): never {
  throw failure('OUT_OF_FUEL', `out of fuel after ${ctx.budget} steps`);
}

/** Fuel for size: one step per SIZE_STEP units (code points, elements, characters), rounded down. */
function chargeSize(ctx: Context, units: number): void {
  const steps = Math.floor(units / SIZE_STEP);
  if (steps === 0) return;
  if (ctx.fuel < steps) outOfFuel(ctx);
  ctx.fuel -= steps;
}

/** A compiled term. Must not mutate its input (values are shared). */
type Fn = (input: Value, ctx: Context) => Value;

const UNIT_LEFT: TaggedValue = { tag: 'Left', value: null };
const UNIT_RIGHT: TaggedValue = { tag: 'Right', value: null };

// ---------------------------------------------------------------------------
// Public API

export type PureStepResult =
  | { readonly ok: true; readonly output: Value; readonly state: Value }
  | { readonly ok: false; readonly error: ItemError; readonly state: Value };

export interface StepOptions {
  /** Steps of fuel for this item (default DEFAULT_FUEL). */
  readonly fuel?: number;
}

const compiledPrograms = new WeakMap<Typed, Fn>();

/** The compiled form of a typed term, cached per tree so repeated `step` calls compile once. */
function programOf(typed: Typed): Fn {
  let fn = compiledPrograms.get(typed);
  if (!fn) {
    fn = compile(typed);
    compiledPrograms.set(typed, fn);
  }
  return fn;
}

/**
 * Runs one item. Never throws for an item error: on error the returned
 * state is `state` itself, untouched. Throws only on a malformed `Typed` tree
 * or a bad fuel option (programming errors, not item errors).
 */
export function step(typed: Typed, input: Value, state: Value, opts?: StepOptions): PureStepResult {
  const program = programOf(typed);
  const budget = checkFuel(opts?.fuel ?? DEFAULT_FUEL);
  const ctx = new Context(state, budget, budget);
  try {
    const output = program(input, ctx);
    return { ok: true, output, state: ctx.state };
  } catch (e) {
    return { ok: false, error: asItemError(e), state };
  }
}

function checkFuel(fuel: number): number {
  if (!Number.isSafeInteger(fuel) || fuel < 0) throw new RangeError(`fuel must be a non-negative integer, got ${fuel}`);
  return fuel;
}

/**
 * Item failures become their error; anything else thrown while running (a JS
 * stack overflow on a pathological value, an allocation failure, a bug) is a
 * TRAP, so callers still never see an exception from a step.
 */
function asItemError(e: unknown): ItemError {
  if (e instanceof ItemFailure) return e.error;
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { code: 'TRAP', message: `interpreter trap: ${message}` };
}

class InterpretedMachine implements Machine {
  private state: Value;
  private readonly ctx: Context;
  private readonly writer = new ByteWriter();

  constructor(
    private readonly spec: MachineSpec,
    private readonly program: Fn,
    private readonly budget: number,
  ) {
    this.state = spec.initialState;
    // One context reused for every item: a step allocates only what its values need.
    this.ctx = new Context(null, budget, budget);
  }

  step(input: Value): StepResult {
    const ctx = this.ctx;
    ctx.state = this.state;
    ctx.fuel = this.budget;
    try {
      const output = this.program(input, ctx);
      this.state = ctx.state;
      return { ok: true, output };
    } catch (e) {
      return { ok: false, error: asItemError(e) };
    }
  }

  /** Throws a LayoutError when `input` is not a value of the machine's input type: that is a caller bug, not an item error. */
  stepEncoded(input: Uint8Array): { readonly ok: true; readonly output: Uint8Array } | { readonly ok: false; readonly error: ItemError } {
    const result = this.step(decodeValue(this.spec.typed.input, input));
    if (!result.ok) return result;
    const w = this.writer;
    w.length = 0;
    encodeInto(w, this.spec.typed.output, result.output);
    return { ok: true, output: w.finish() };
  }

  stepBytes(source: Uint8Array, start: number, end: number): number | ItemError {
    const r = new ByteReader(source, start, end);
    const input = decodeFrom(r, this.spec.typed.input);
    if (r.offset !== end) throw new LayoutError(`${end - r.offset} trailing bytes after a value of type ${showType(this.spec.typed.input)}`);
    const result = this.step(input);
    const w = this.writer;
    w.length = 0;
    if (!result.ok) return result.error;
    encodeInto(w, this.spec.typed.output, result.output);
    return w.length;
  }

  copyOutput(target: Uint8Array, offset: number): void {
    target.set(this.writer.bytes.subarray(0, this.writer.length), offset);
  }

  output(): Uint8Array {
    return this.writer.bytes.subarray(0, this.writer.length);
  }

  getState(): Value {
    return this.state;
  }

  /** Throws when `state` is not a value of the machine's state type. */
  setState(state: Value): void {
    if (!isValueOf(this.spec.stateType, state)) throw new TypeError(`setState: not a value of the state type ${showType(this.spec.stateType)}`);
    this.state = state;
  }
}

export const interpreter: Engine = {
  name: 'interp',
  load(spec: MachineSpec): Machine {
    const budget = checkFuel(spec.fuel ?? DEFAULT_FUEL);
    if (!isValueOf(spec.stateType, spec.initialState)) {
      throw new TypeError(`load: the initial state is not a value of the state type ${showType(spec.stateType)}`);
    }
    return new InterpretedMachine(spec, programOf(spec.typed), budget);
  },
};

// ---------------------------------------------------------------------------
// Compilation: typed tree => closures, iteratively (post-order on an explicit stack).

/** A node under compilation: its typed node, the sub-nodes it needs compiled, and those compiled so far. */
interface Pending {
  readonly node: Typed;
  readonly subs: readonly Typed[];
  readonly compiled: Fn[];
}

function compile(root: Typed): Fn {
  const stack: Pending[] = [pending(root)];
  let result: Fn | undefined;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.compiled.length < top.subs.length) {
      stack.push(pending(top.subs[top.compiled.length]));
      continue;
    }
    stack.pop();
    const fn = top.node.term.op === 'Compose' ? sequence(top.compiled) : build(top.node, top.compiled);
    if (stack.length > 0) stack[stack.length - 1].compiled.push(fn);
    else result = fn;
  }
  return result!;
}

function pending(node: Typed): Pending {
  if (node.children.length !== childCount(node.term)) {
    throw new Error(`malformed typed tree: ${node.term.op} has ${node.children.length} typed children, expected ${childCount(node.term)}`);
  }
  return { node, subs: node.term.op === 'Compose' ? composeChain(node) : node.children, compiled: [] };
}

function childCount(t: Term): number {
  switch (t.op) {
    case 'Compose':
    case 'Case':
    case 'Fanout':
    case 'If':
      return 2;
    case 'First':
    case 'Second':
    case 'Unleft':
    case 'ListMap':
    case 'Fold':
      return 1;
    case 'Record':
      return Object.keys(t.fields).length;
    case 'Match':
      return Object.keys(t.cases).length;
    default:
      return 0;
  }
}

/**
 * The non-Compose nodes of a maximal tree of Composes, in the order they run
 * (Compose runs `right`, then `left`). Iterative, so a chain of any length is fine.
 */
function composeChain(node: Typed): Typed[] {
  const out: Typed[] = [];
  const todo: Typed[] = [node];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (n.term.op === 'Compose') {
      if (n.children.length !== 2) throw new Error(`malformed typed tree: Compose has ${n.children.length} typed children, expected 2`);
      // children = [left, right]; `right` runs first, so it is popped first.
      todo.push(n.children[0], n.children[1]);
    } else out.push(n);
  }
  return out;
}

function sequence(fns: readonly Fn[]): Fn {
  switch (fns.length) {
    case 2: {
      const [a, b] = fns;
      return (x, ctx) => b(a(x, ctx), ctx);
    }
    case 3: {
      const [a, b, c] = fns;
      return (x, ctx) => c(b(a(x, ctx), ctx), ctx);
    }
    default: {
      const all = fns.slice();
      const n = all.length;
      return (x, ctx) => {
        for (let i = 0; i < n; i++) x = all[i](x, ctx);
        return x;
      };
    }
  }
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the closure for one (non-Compose) node from its compiled children, in `children(term)` order. */
function build(node: Typed, subs: readonly Fn[]): Fn {
  const t = node.term;
  switch (t.op) {
    case 'Id':
      return (x) => x;
    case 'Compose':
      // `compile` flattens Compose chains before they get here; this is the same meaning for a lone one.
      return sequence([subs[1], subs[0]]);
    case 'Fst':
      return (x) => (x as PairValue)[0];
    case 'Snd':
      return (x) => (x as PairValue)[1];
    case 'Int': {
      const n = t.value;
      return () => n;
    }
    case 'Copy':
      return (x) => [x, x];
    case 'First': {
      const body = subs[0];
      return (x, ctx) => {
        const p = x as PairValue;
        return [body(p[0], ctx), p[1]];
      };
    }
    case 'Second': {
      const body = subs[0];
      return (x, ctx) => {
        const p = x as PairValue;
        return [p[0], body(p[1], ctx)];
      };
    }
    case 'Case': {
      const [onLeft, onRight] = subs;
      return (x, ctx) => {
        const e = x as TaggedValue;
        return e.tag === 'Left' ? { tag: 'Left', value: onLeft(e.value, ctx) } : { tag: 'Right', value: onRight(e.value, ctx) };
      };
    }
    case 'Fanout': {
      const [first, second] = subs;
      return (x, ctx) => {
        const a = first(x, ctx);
        return [a, second(x, ctx)];
      };
    }
    case 'Incr':
      return (x) => BigInt.asIntN(64, (x as bigint) + 1n);
    case 'Decr':
      return (x) => BigInt.asIntN(64, (x as bigint) - 1n);
    case 'Consume':
      return () => null;
    case 'Get':
      return (_x, ctx) => ctx.state;
    case 'Put':
      return (x, ctx) => {
        ctx.state = x;
        return null;
      };
    case 'If': {
      const [onTrue, onFalse] = subs;
      return (x, ctx) => {
        const p = x as PairValue;
        return p[1] ? onTrue(p[0], ctx) : onFalse(p[0], ctx);
      };
    }
    case 'Bool': {
      const b = t.value;
      return () => b;
    }
    case 'Not':
      return (x) => !x;
    case 'Read':
      return buildRead(t.type);
    case 'Show': {
      const type = t.type;
      return (x, ctx) => {
        // A text of SIZE_STEP × (fuel + 1) characters could never be paid for: stop before building it.
        const text = showValueWithin(type, x, SIZE_STEP * (ctx.fuel + 1));
        if (text === undefined) outOfFuel(ctx);
        chargeSize(ctx, text.length); // ASCII only: its length is its code points
        return text;
      };
    }
    case 'Eq': {
      const eq = equalityOf(operandType(node));
      return (x) => {
        const p = x as PairValue;
        return eq(p[0], p[1]) ? UNIT_LEFT : UNIT_RIGHT;
      };
    }
    case 'Unleft':
      return buildUnleft(subs[0]);
    case 'Add':
      return (x) => BigInt.asIntN(64, ((x as PairValue)[0] as bigint) + ((x as PairValue)[1] as bigint));
    case 'Sub':
      return (x) => BigInt.asIntN(64, ((x as PairValue)[0] as bigint) - ((x as PairValue)[1] as bigint));
    case 'Mul':
      return (x) => BigInt.asIntN(64, ((x as PairValue)[0] as bigint) * ((x as PairValue)[1] as bigint));
    case 'Div':
      return (x) => {
        const a = (x as PairValue)[0] as bigint;
        const b = (x as PairValue)[1] as bigint;
        if (b === 0n) throw DIVIDE_BY_ZERO;
        // The one quotient outside the range: INT_MIN / -1 wraps back to INT_MIN.
        return b === -1n ? BigInt.asIntN(64, -a) : a / b;
      };
    case 'Mod':
      return (x) => {
        const a = (x as PairValue)[0] as bigint;
        const b = (x as PairValue)[1] as bigint;
        if (b === 0n) throw DIVIDE_BY_ZERO;
        // bigint % truncates like Div, so the sign follows the dividend.
        return b === -1n ? 0n : a % b;
      };
    case 'Neg':
      return (x) => BigInt.asIntN(64, -(x as bigint));
    case 'Lt':
    case 'Le':
    case 'Gt':
    case 'Ge':
    case 'Equal':
      return buildComparison(t.op, operandType(node));
    case 'And':
      return (x) => ((x as PairValue)[0] as boolean) && ((x as PairValue)[1] as boolean);
    case 'Or':
      return (x) => ((x as PairValue)[0] as boolean) || ((x as PairValue)[1] as boolean);
    case 'Concat':
      return (x, ctx) => {
        const a = (x as PairValue)[0] as string;
        const b = (x as PairValue)[1] as string;
        // A string has at most as many code points as UTF-16 units: below SIZE_STEP units it is free.
        if (a.length + b.length >= SIZE_STEP) chargeSize(ctx, codePointLength(a) + codePointLength(b));
        return a + b;
      };
    case 'StrLength':
      return (x) => BigInt(codePointLength(x as string));
    case 'Slice':
      return (x) => {
        const p = x as PairValue;
        const range = p[1] as PairValue;
        return sliceCodePoints(p[0] as string, range[0] as bigint, range[1] as bigint);
      };
    case 'Split':
      return (x) => {
        const p = x as PairValue;
        const text = p[0] as string;
        const separator = p[1] as string;
        return separator === '' ? Array.from(text) : text.split(separator);
      };
    case 'ParseInt':
      return (x) => parseInt64(x as string);
    case 'ShowInt':
      return (x) => (x as bigint).toString();
    case 'InLeft':
      return (x) => ({ tag: 'Left', value: x });
    case 'InRight':
      return (x) => ({ tag: 'Right', value: x });
    case 'Merge':
      return (x) => (x as TaggedValue).value;
    case 'Distr':
      // Either and variants alike: the tag stays, the payload is paired with the context.
      return (x) => {
        const p = x as PairValue;
        const e = p[1] as TaggedValue;
        return { tag: e.tag, value: [p[0], e.value] };
      };
    case 'Nil': {
      const empty: ListValue = [];
      return () => empty;
    }
    case 'Cons':
      return (x) => {
        const p = x as PairValue;
        return [p[0]].concat(p[1] as Value[]);
      };
    case 'Uncons':
      return (x) => {
        const l = x as ListValue;
        return l.length === 0 ? UNIT_LEFT : { tag: 'Right', value: [l[0], l.slice(1)] };
      };
    case 'ListLength':
      return (x) => BigInt((x as ListValue).length);
    case 'Append':
      return (x, ctx) => {
        const p = x as PairValue;
        const a = p[0] as Value[];
        const b = p[1] as Value[];
        chargeSize(ctx, a.length + b.length);
        return a.concat(b);
      };
    case 'Reverse':
      return (x) => (x as ListValue).slice().reverse();
    case 'ListMap':
      return buildListMap(subs[0]);
    case 'Fold':
      return buildFold(subs[0]);
    case 'MapEmpty': {
      const empty = PMap.empty(t.key);
      return () => empty;
    }
    case 'MapInsert':
      return (x) => {
        const p = x as PairValue;
        const entry = p[1] as PairValue;
        return (p[0] as PMap).insert(entry[0], entry[1]);
      };
    case 'MapLookup':
      return (x) => {
        const p = x as PairValue;
        const v = (p[0] as PMap).get(p[1]);
        return v === undefined ? UNIT_LEFT : { tag: 'Right', value: v };
      };
    case 'MapDelete':
      return (x) => {
        const p = x as PairValue;
        return (p[0] as PMap).delete(p[1]);
      };
    case 'MapSize':
      return (x) => BigInt((x as PMap).size);
    case 'MapKeys':
      return (x) => (x as PMap).keys();
    case 'MapToList':
      return (x) => (x as PMap).entries();
    case 'MapFromList': {
      const out = node.output;
      if (out.kind !== 'Map') throw new Error(`malformed typed tree: MapFromList outputs ${showType(out)}, not a map`);
      const keyType = out.key;
      return (x) => PMap.fromEntries(keyType, x as readonly PairValue[]);
    }
    case 'Record':
      return buildRecord(t, subs);
    case 'Field': {
      const name = t.name;
      return (x) => (x as RecordValue)[name];
    }
    case 'SetField': {
      const name = t.name;
      return (x) => {
        const p = x as PairValue;
        return { ...(p[0] as RecordValue), [name]: p[1] };
      };
    }
    case 'Inject': {
      const name = t.name;
      return (x) => ({ tag: name, value: x });
    }
    case 'Match': {
      const names = Object.keys(t.cases).sort(byName);
      const table: Record<string, Fn> = Object.create(null);
      names.forEach((n, i) => (table[n] = subs[i]));
      return (x, ctx) => {
        const v = x as TaggedValue;
        return table[v.tag](v.value, ctx);
      };
    }
    case 'Const': {
      const value = t.value;
      return () => value;
    }
    case 'Fail': {
      const fail = failure('FAIL', t.message);
      return () => {
        throw fail;
      };
    }
    default:
      return unreachableKind(t);
  }
}

/** The type compared by Eq/Equal/Lt/…: the component type of the input pair. */
function operandType(node: Typed): Type {
  if (node.input.kind !== 'Pair') throw new Error(`malformed typed tree: ${node.term.op} takes ${showType(node.input)}, not a pair`);
  return node.input.fst;
}

function buildRead(type: Type): Fn {
  const noParse = failure('READ_NO_PARSE', `Read: no parse as ${showType(type)}`);
  return (x) => {
    const r = readValue(type, x as string);
    if (!r.ok) throw noParse;
    return r.value;
  };
}

function buildUnleft(body: Fn): Fn {
  return (x, ctx) => {
    let v: Value = { tag: 'Left', value: x };
    for (;;) {
      if (ctx.fuel === 0) outOfFuel(ctx);
      ctx.fuel--;
      const r = body(v, ctx) as TaggedValue;
      if (r.tag === 'Left') return r.value;
      v = r; // Right z: fed back as it is (values are immutable).
    }
  };
}

function buildListMap(body: Fn): Fn {
  return (x, ctx) => {
    const l = x as ListValue;
    const n = l.length;
    const out: Value[] = [];
    for (let i = 0; i < n; i++) {
      if (ctx.fuel === 0) outOfFuel(ctx);
      ctx.fuel--;
      out.push(body(l[i], ctx));
    }
    return out;
  };
}

function buildFold(body: Fn): Fn {
  return (x, ctx) => {
    const p = x as PairValue;
    const l = p[1] as ListValue;
    const n = l.length;
    let acc = p[0];
    for (let i = 0; i < n; i++) {
      if (ctx.fuel === 0) outOfFuel(ctx);
      ctx.fuel--;
      acc = body([acc, l[i]], ctx);
    }
    return acc;
  };
}

function buildRecord(t: TermOf<'Record'>, subs: readonly Fn[]): Fn {
  const names = Object.keys(t.fields).sort(byName);
  if (names.length === 1) {
    const [name] = names;
    const [f] = subs;
    return (x, ctx) => ({ [name]: f(x, ctx) });
  }
  const n = names.length;
  return (x, ctx) => {
    // Fields run in name order; each assignment happens right after its term, so effects are in that order too.
    const out: Record<string, Value> = {};
    for (let i = 0; i < n; i++) out[names[i]] = subs[i](x, ctx);
    return out;
  };
}

// ---------------------------------------------------------------------------
// Comparison, specialised per type and cached, so a comparison does no type dispatch per item.

/** A total order on the values of one type: negative, 0 or positive. */
export type Compare = (a: Value, b: Value) => number;
type Equality = (a: Value, b: Value) => boolean;

const compareInts: Compare = (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);
const compareBools: Compare = (a, b) => (a === b ? 0 : a ? 1 : -1);
const compareUnits: Compare = () => 0;
const compareStringValues: Compare = (a, b) => compareStrings(a as string, b as string);

const comparators = new WeakMap<Type, Compare>();

/** The total order of SEMANTICS.md (the one `compareValues` defines), as a closure built once per type. */
export function comparatorOf(t: Type): Compare {
  let c = comparators.get(t);
  if (!c) {
    c = buildComparator(t);
    comparators.set(t, c);
  }
  return c;
}

function buildComparator(t: Type): Compare {
  switch (t.kind) {
    case 'Unit':
      return compareUnits;
    case 'Int':
      return compareInts;
    case 'Bool':
      return compareBools;
    case 'String':
      return compareStringValues;
    case 'Pair': {
      const fst = comparatorOf(t.fst);
      const snd = comparatorOf(t.snd);
      return (a, b) => fst((a as PairValue)[0], (b as PairValue)[0]) || snd((a as PairValue)[1], (b as PairValue)[1]);
    }
    case 'Either': {
      const onLeft = comparatorOf(t.left);
      const onRight = comparatorOf(t.right);
      return (a, b) => {
        const x = a as TaggedValue;
        const y = b as TaggedValue;
        if (x.tag !== y.tag) return x.tag === 'Left' ? -1 : 1;
        return x.tag === 'Left' ? onLeft(x.value, y.value) : onRight(x.value, y.value);
      };
    }
    case 'Variant': {
      const byCase: Record<string, Compare> = Object.create(null);
      for (const c of t.cases) byCase[c.name] = comparatorOf(c.type);
      return (a, b) => {
        const x = a as TaggedValue;
        const y = b as TaggedValue;
        if (x.tag !== y.tag) return x.tag < y.tag ? -1 : 1;
        return byCase[x.tag](x.value, y.value);
      };
    }
    case 'List': {
      const elem = comparatorOf(t.elem);
      return (a, b) => {
        const x = a as ListValue;
        const y = b as ListValue;
        const n = Math.min(x.length, y.length);
        for (let i = 0; i < n; i++) {
          const c = elem(x[i], y[i]);
          if (c !== 0) return c;
        }
        return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
      };
    }
    case 'Map': {
      const key = comparatorOf(t.key);
      const value = comparatorOf(t.value);
      return (a, b) => {
        if (a === b) return 0;
        const x = (a as PMap).entries();
        const y = (b as PMap).entries();
        const n = Math.min(x.length, y.length);
        for (let i = 0; i < n; i++) {
          const c = key(x[i][0], y[i][0]) || value(x[i][1], y[i][1]);
          if (c !== 0) return c;
        }
        return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
      };
    }
    case 'Record': {
      const names = t.fields.map((f) => f.name);
      const fields = t.fields.map((f) => comparatorOf(f.type));
      const n = names.length;
      return (a, b) => {
        const x = a as RecordValue;
        const y = b as RecordValue;
        for (let i = 0; i < n; i++) {
          const c = fields[i](x[names[i]], y[names[i]]);
          if (c !== 0) return c;
        }
        return 0;
      };
    }
    default:
      return unreachableKind(t);
  }
}

/** Equality; for Unit, Int, Bool and String, `===` is exact (bigints and strings compare by value). */
function equalityOf(t: Type): Equality {
  switch (t.kind) {
    case 'Unit':
      return () => true;
    case 'Int':
    case 'Bool':
    case 'String':
      return (a, b) => a === b;
    case 'Pair':
    case 'Either':
    case 'Variant':
    case 'List':
    case 'Map':
    case 'Record': {
      const compare = comparatorOf(t);
      return (a, b) => compare(a, b) === 0;
    }
    default:
      return unreachableKind(t);
  }
}

type ComparisonOp = 'Lt' | 'Le' | 'Gt' | 'Ge' | 'Equal';

function buildComparison(op: ComparisonOp, t: Type): Fn {
  if (op === 'Equal') {
    const eq = equalityOf(t);
    return (x) => eq((x as PairValue)[0], (x as PairValue)[1]);
  }
  if (t.kind === 'Int') {
    // Native bigint comparison: the hot case (loop counters).
    switch (op) {
      case 'Lt':
        return (x) => ((x as PairValue)[0] as bigint) < ((x as PairValue)[1] as bigint);
      case 'Le':
        return (x) => ((x as PairValue)[0] as bigint) <= ((x as PairValue)[1] as bigint);
      case 'Gt':
        return (x) => ((x as PairValue)[0] as bigint) > ((x as PairValue)[1] as bigint);
      case 'Ge':
        return (x) => ((x as PairValue)[0] as bigint) >= ((x as PairValue)[1] as bigint);
      default:
        return op satisfies never;
    }
  }
  const compare = comparatorOf(t);
  switch (op) {
    case 'Lt':
      return (x) => compare((x as PairValue)[0], (x as PairValue)[1]) < 0;
    case 'Le':
      return (x) => compare((x as PairValue)[0], (x as PairValue)[1]) <= 0;
    case 'Gt':
      return (x) => compare((x as PairValue)[0], (x as PairValue)[1]) > 0;
    case 'Ge':
      return (x) => compare((x as PairValue)[0], (x as PairValue)[1]) >= 0;
    default:
      return op satisfies never;
  }
}

// ---------------------------------------------------------------------------
// Strings, by code point. A surrogate pair is one code point; a lone surrogate
// counts as one (it is how JS iterates strings, and Array.from agrees).

const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff;

export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** The UTF-16 offset of code point index `k` (k <= code point length). */
function offsetOfCodePoint(s: string, k: number): number {
  let i = 0;
  for (let c = 0; c < k; c++) i += isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
  return i;
}

export function sliceCodePoints(s: string, from: bigint, to: bigint): string {
  const length = codePointLength(s);
  const len = BigInt(length);
  const a = Number(from < 0n ? 0n : from > len ? len : from);
  const b = Number(to < 0n ? 0n : to > len ? len : to);
  if (a >= b) return '';
  if (length === s.length) return s.slice(a, b);
  const start = offsetOfCodePoint(s, a);
  // Continue counting from `start` instead of rescanning from 0.
  let end = start;
  for (let c = a; c < b; c++) end += isHigh(s.charCodeAt(end)) && end + 1 < s.length && isLow(s.charCodeAt(end + 1)) ? 2 : 1;
  return s.slice(start, end);
}

const DECIMAL = /^-?[0-9]+$/;

/** ParseInt: an optional '-' then ASCII digits, in the signed 64-bit range; anything else is Left (). */
export function parseInt64(s: string): TaggedValue {
  if (!DECIMAL.test(s)) return UNIT_LEFT;
  // Past 20 significant digits no value fits; checking first keeps BigInt off huge inputs.
  const digits = s.charCodeAt(0) === 45 ? s.slice(1) : s;
  let k = 0;
  while (k < digits.length - 1 && digits.charCodeAt(k) === 48) k++;
  if (digits.length - k > 20) return UNIT_LEFT;
  const n = BigInt(s);
  return n < INT_MIN || n > INT_MAX ? UNIT_LEFT : { tag: 'Right', value: n };
}
