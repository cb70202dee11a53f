// Random well-typed terms, by construction (fast-check).
//
//   arbTypedTerm({ state: Int, input: String })
//     => { term: Compose(ShowInt, Compose(Incr, StrLength)), state: Int, input: String, output: String }
//   arbStateMachineCase()
//     => { term, stateType, inputType, outputType, initialState, inputs: [≥ 10 values], fuel }
//
// Two mutually recursive generators drive everything, each bounded by a depth
// budget (the result's `termDepth` never exceeds it) and a shared node budget:
//   forward(a, d)    picks any op applicable to input type `a`; its output type follows.
//   toward(a, b, d)  builds a term `a -> b` for a given `b` (needed by If, Case/Merge,
//                    Match, Fold, Unleft, Put, ...): constructs `b`, destructs `a`, or
//                    goes forward and aims again. Near the depth or node limit it
//                    prefers `keep`: a term whose output still depends on its input
//                    (a projection, Show, Fanout of kept parts, …) over a constant,
//                    because a value that is thrown away cannot show an engine bug.
// Drawn values (constants, inputs, states) have a quarter of their ints and
// strings moved onto edges (INT_MAX, 2^31, astral characters, quotes, NUL).
// Choices are fast-check draws (`fc.gen()`) and the cheapest option of every
// choice comes first, so shrinking a draw towards 0 shrinks the term.
//
// Whole machines for engine tests (the Wasm differential test): see
// test/gen/trace.ts, `forEachMachineCase` + `traceMachineCase` + `expectSameTrace`.
// By hand:
//   fc.assert(fc.property(arbStateMachineCase({ ops }), (c) => {
//     const checked = typecheck(c.term, { state: c.stateType, input: c.inputType });
//     let state = c.initialState;
//     for (const input of c.inputs) { const r = step(checked.typed, input, state, { fuel: c.fuel }); …; state = r.state; }
//   }), { numRuns: propertyRuns() });

import * as fc from 'fast-check';
import { arbType, arbValue } from '../arbitraries.ts';
import { showValue } from '../../compiler/seed-syntax.ts';
import { mk, OP_NAMES, type Op, type Term } from '../../compiler/terms.ts';
import { Bool, Int, Str, Unit, either, list, map, pair, record, showType, type Type, typeEquals, typeSize, typeToJson, variant } from '../../compiler/types.ts';
import { INT_MAX, INT_MIN, PMap, type Value } from '../../compiler/values.ts';

// ---------------------------------------------------------------------------
// Public API

export interface TypedTermOptions {
  readonly state: Type;
  readonly input: Type;
  /** When given, the term's output type is exactly this (e.g. a state migration `s1 -> s2`). */
  readonly output?: Type;
  /** Upper bound on `termDepth` of the generated term (default 12). */
  readonly maxDepth?: number;
  /** Budget of generator steps; terms come out at roughly 1-3x this many nodes (default 45). */
  readonly maxNodes?: number;
  /** The ops the generator may use (default: every op). Must include Compose and Const, the glue that reaches any type. */
  readonly ops?: readonly Op[];
}

export interface GeneratedTerm {
  readonly term: Term;
  readonly state: Type;
  readonly input: Type;
  readonly output: Type;
}

export interface MachineCaseOptions {
  readonly stateType?: Type;
  readonly maxDepth?: number;
  readonly maxNodes?: number;
  readonly ops?: readonly Op[];
  /** Ops drawn BOOST times as often as their weight says: a top-up for a rare op or error (Fail is drawn at weight 0.004). */
  readonly boost?: readonly Op[];
  /** Number of inputs per case (default 10 to 32). */
  readonly minInputs?: number;
  readonly maxInputs?: number;
  /**
   * Fuel per item. Default: 2000 in 80% of the cases (loops that do not stop fail fast
   * with OUT_OF_FUEL), 0 to 8 in the others, so short loops and list walks run
   * out exactly at the boundary.
   */
  readonly fuel?: number;
}

export interface MachineCase {
  readonly term: Term;
  readonly stateType: Type;
  readonly inputType: Type;
  readonly outputType: Type;
  readonly initialState: Value;
  readonly inputs: readonly Value[];
  readonly fuel: number;
  /** Set when the machine reads its input: the term is `Compose(rest, Read readType)` and inputs are texts. */
  readonly readType?: Type;
}

export const DEFAULT_MAX_DEPTH = 12;
/** How much more often a boosted op is drawn (MachineCaseOptions.boost). */
const BOOST = 100;
export const DEFAULT_MAX_NODES = 45;
export const DEFAULT_CASE_FUEL = 2000;

/** A random term well typed at the given state and input type, with its output type. */
export function arbTypedTerm(opts: TypedTermOptions): fc.Arbitrary<GeneratedTerm> {
  return fc.gen().map((g) => generateTypedTerm(g, opts));
}

/** The same, drawing from an `fc.gen()` value, for tests that compose it with other draws. */
export function generateTypedTerm(g: fc.GeneratorValue, opts: TypedTermOptions): GeneratedTerm {
  const depth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (depth < 1) throw new Error(`maxDepth must be at least 1, got ${depth}`);
  const gen = new TermGenerator(drawFrom(g), opts.state, allowedOps(opts.ops), opts.maxNodes ?? DEFAULT_MAX_NODES, depth);
  if (opts.output) return { term: gen.toward(opts.input, opts.output, depth), state: opts.state, input: opts.input, output: opts.output };
  const out = gen.forward(opts.input, depth);
  return { term: out.term, state: opts.state, input: opts.input, output: out.output };
}

/**
 * A whole machine run: a term, its types, an initial state and at least 10
 * inputs. 40% of the cases read their input (`Compose(rest, Read T)` on
 * String inputs that are valid Show text of T, decorated Show text, or
 * garbage); 15% take raw text, 10% ints, the others values of a random type.
 */
export function arbStateMachineCase(opts: MachineCaseOptions = {}): fc.Arbitrary<MachineCase> {
  return fc.gen().map((g) => generateMachineCase(g, opts));
}

export function generateMachineCase(g: fc.GeneratorValue, opts: MachineCaseOptions = {}): MachineCase {
  const draw = drawFrom(g);
  const allowed = allowedOps(opts.ops);
  const depth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const stateType = opts.stateType ?? (draw.chance(0.35) ? Int : draw.type());
  const gen = new TermGenerator(draw, stateType, allowed, opts.maxNodes ?? DEFAULT_MAX_NODES, depth, new Set(opts.boost));
  const count = draw.int(opts.minInputs ?? 10, opts.maxInputs ?? 32);
  const fuel = opts.fuel ?? (draw.chance(0.2) ? draw.int(0, 8) : DEFAULT_CASE_FUEL);
  const initialState = draw.value(stateType);
  const mode = draw.unit();
  if (allowed.has('Read') && depth >= 2 && mode < 0.4) {
    const readType = draw.chance(0.3) ? Int : draw.type();
    const rest = gen.forward(readType, depth - 1);
    const inputs: Value[] = [];
    for (let i = 0; i < count; i++) inputs.push(readInput(draw, readType));
    const term = mk('Compose', { left: rest.term, right: mk('Read', { type: readType }) });
    return { term, stateType, inputType: Str, outputType: rest.output, initialState, inputs, fuel, readType };
  }
  // Plain text and plain ints as inputs reach the string and arithmetic ops unchanged (no Read, no Show),
  // half the time straight into one of those ops.
  const inputType = mode < 0.55 ? Str : mode < 0.65 ? Int : draw.type();
  const probeOps = inputType === Str ? STRING_OPS : inputType === Int ? INT_OPS : [];
  let out: Out;
  if (probeOps.length > 0 && depth >= 5 && draw.chance(0.5)) {
    const probe = gen.applyOp(inputType, 4, probeOps);
    const rest = gen.forward(probe.output, depth - 1);
    out = { term: mk('Compose', { left: rest.term, right: probe.term }), output: rest.output };
  } else {
    out = gen.forward(inputType, depth);
  }
  const inputs: Value[] = [];
  for (let i = 0; i < count; i++) inputs.push(draw.value(inputType));
  return { term: out.term, stateType, inputType, outputType: out.output, initialState, inputs, fuel };
}

/** Runs per property: `SMWASM_PROPERTY_RUNS` or the given default. */
export function propertyRuns(fallback = 300): number {
  const env = process.env.SMWASM_PROPERTY_RUNS;
  if (env === undefined || env === '') return fallback;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SMWASM_PROPERTY_RUNS must be a positive integer, got ${JSON.stringify(env)}`);
  return n;
}

// ---------------------------------------------------------------------------
// Draws

interface Draw {
  /** Uniform in [0, 1); shrinks towards 0, i.e. towards the first option of a choice. */
  unit(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  value(t: Type): Value;
  /** A small type from `arbType`. */
  type(): Type;
  text(): string;
}

const UNIT_STEPS = 1 << 30;
const uniformStep = () => fc.noBias(fc.integer({ min: 0, max: UNIT_STEPS - 1 }));
const SMALL_TYPE = { maxDepth: 2 } as const;
const smallType = () => arbType(SMALL_TYPE);
const textArb = () => fc.string({ unit: 'binary', maxLength: 12 });

// fast-check's generator cache scans a builder's earlier arguments one by one;
// one argument-free builder per type (by its JSON text) keeps every lookup O(1).
const valueBuilders = new Map<string, () => fc.Arbitrary<Value>>();
function valueBuilder(t: Type): () => fc.Arbitrary<Value> {
  const key = typeKey(t);
  let builder = valueBuilders.get(key);
  if (!builder) {
    const arb = arbValue(t);
    builder = () => arb;
    valueBuilders.set(key, builder);
  }
  return builder;
}

function drawFrom(g: fc.GeneratorValue): Draw {
  const unit = () => g(uniformStep) / UNIT_STEPS;
  const draw: Draw = {
    unit,
    int: (min, max) => min + Math.floor(unit() * (max - min + 1)),
    // `unit() >= 1 - p`: a draw shrunk to 0 says no, so shrinking drops optional extras.
    chance: (p) => unit() >= 1 - p,
    pick: (xs) => xs[Math.floor(unit() * xs.length)],
    value: (t) => toEdges(draw, t, g(valueBuilder(t))),
    type: () => g(smallType),
    text: () => g(textArb),
  };
  return draw;
}

/** Ints where 64-bit, 32-bit and 53-bit arithmetic part ways. */
const EDGE_INTS = [INT_MAX, INT_MIN, INT_MAX - 1n, INT_MIN + 1n, -1n, 0n, 1n, (1n << 31n) - 1n, 1n << 31n, -(1n << 31n), 1n << 32n, (1n << 53n) + 1n];
/** Characters where code points, UTF-16 units, UTF-8 bytes and Show escapes part ways. */
const EDGE_CHARS = ['😀', '😀', '\u{10ffff}', 'é', '\u0000', '"', '\\', '\u007f', '\u000e'];
/** Chance that an Int or String inside a drawn value is pushed to an edge. */
const EDGE_SHARE = 0.25;

/**
 * `arbValue` draws edge cases now and then; engines disagree exactly there,
 * so a quarter of the ints and strings inside drawn values are moved onto an
 * edge (INT_MAX, 2^31, …; an astral character, a quote, NUL inserted).
 */
function toEdges(draw: Draw, t: Type, v: Value): Value {
  switch (t.kind) {
    case 'Unit':
    case 'Bool':
      return v;
    case 'Int':
      return draw.chance(EDGE_SHARE) ? draw.pick(EDGE_INTS) : v;
    case 'String': {
      if (!draw.chance(EDGE_SHARE)) return v;
      const chars = Array.from(v as string);
      chars.splice(draw.int(0, chars.length), 0, draw.pick(EDGE_CHARS));
      return chars.join('');
    }
    case 'Pair': {
      const p = v as readonly [Value, Value];
      return [toEdges(draw, t.fst, p[0]), toEdges(draw, t.snd, p[1])];
    }
    case 'Either': {
      const x = v as { readonly tag: string; readonly value: Value };
      return { tag: x.tag, value: toEdges(draw, x.tag === 'Left' ? t.left : t.right, x.value) };
    }
    case 'Variant': {
      const x = v as { readonly tag: string; readonly value: Value };
      return { tag: x.tag, value: toEdges(draw, t.cases.find((c) => c.name === x.tag)!.type, x.value) };
    }
    case 'List':
      return (v as readonly Value[]).map((e) => toEdges(draw, t.elem, e));
    case 'Map': {
      const entries = (v as PMap).entries().map(([k, x]): [Value, Value] => [toEdges(draw, t.key, k), toEdges(draw, t.value, x)]);
      return PMap.fromEntries(t.key, entries);
    }
    case 'Record': {
      const r = v as { readonly [name: string]: Value };
      return Object.fromEntries(t.fields.map((f) => [f.name, toEdges(draw, f.type, r[f.name])]));
    }
    default:
      return unreachable(t);
  }
}

function allowedOps(ops: readonly Op[] | undefined): ReadonlySet<Op> {
  const allowed = new Set<Op>(ops ?? OP_NAMES);
  for (const needed of ['Compose', 'Const'] as const) {
    if (!allowed.has(needed)) throw new Error(`the term generator needs ${needed} among the allowed ops`);
  }
  return allowed;
}

// ---------------------------------------------------------------------------
// The generator

interface Out {
  readonly term: Term;
  readonly output: Type;
}

interface Option<T> {
  readonly w: number;
  /** Ops this option puts into the term (besides what its sub-generators choose). */
  readonly ops: readonly Op[];
  /** Depth budget the option needs. */
  readonly d?: number;
  readonly make: () => T;
}

/** A one-node term whose output type follows from the input alone. */
interface Leaf {
  readonly w: number;
  readonly op: Op;
  readonly output: Type;
  readonly make: () => Term;
}

/** Past this size a type stops growing: the generator prefers ops that take it apart. */
const MAX_TYPE_SIZE = 12;
const FIELD_NAMES = ['a', 'b', 'count', 'flag', 'name', 'x_1'];
const CASE_NAMES = ['A', 'B', 'Incr', 'Push', 'Reset', 'Z_9'];
const INTERESTING_INTS = [0n, 1n, -1n, 2n, -2n, 7n, 100n, INT_MAX, INT_MIN, INT_MAX - 1n, INT_MIN + 1n, INT_MAX, INT_MIN];
const DIVISORS = [-1n, -1n, 1n, 2n, 3n, -7n, 10n, INT_MIN, INT_MAX];

const leafTerm = (op: Op): Term => mk(op as 'Id', {});
const compose = (left: Term, right: Term): Term => mk('Compose', { left, right });
const fanout = (left: Term, right: Term): Term => mk('Fanout', { left, right });
const constInt = (value: bigint): Term => mk('Const', { type: Int, value });

class TermGenerator {
  constructor(
    private readonly draw: Draw,
    private readonly state: Type,
    private allowed: ReadonlySet<Op>,
    private budget: number,
    private readonly maxDepth: number,
    private readonly boosted: ReadonlySet<Op> = new Set(),
  ) {}

  private weight(o: Option<unknown>): number {
    return o.ops.some((op) => this.boosted.has(op)) ? o.w * BOOST : o.w;
  }

  /** One-node terms are rare near the root, where they would make the whole term trivial. */
  private leafShare(d: number): number {
    return d >= this.maxDepth - 1 ? 0.01 : LEAF_SHARE;
  }

  private choose<T>(options: readonly Option<T>[], d: number, what: () => string): T {
    const usable = options.filter((o) => o.w > 0 && (o.d ?? 1) <= d && o.ops.every((op) => this.allowed.has(op)));
    if (usable.length === 0) throw new Error(`the term generator cannot build ${what()} with ops ${[...this.allowed].join(', ')}`);
    let total = 0;
    for (const o of usable) total += this.weight(o);
    let r = this.draw.unit() * total;
    for (const o of usable) {
      if (r < this.weight(o)) return o.make();
      r -= this.weight(o);
    }
    return usable[usable.length - 1].make();
  }

  // --- forward: any op applicable to `a` -------------------------------------

  forward(a: Type, d: number): Out {
    this.budget--;
    const leaves = this.forwardLeaves(a);
    const what = () => `a term from ${showType(a)}`;
    if (d <= 1 || this.budget <= 0) return this.choose(leaves, 1, what);
    const small = typeSize(a) <= MAX_TYPE_SIZE;
    const opts: Option<Out>[] = [];
    opts.push(
      {
        w: 10,
        ops: ['Compose'],
        d: 2,
        make: () => {
          const right = this.forward(a, d - 1);
          const left = this.forward(right.output, d - 1);
          return { term: compose(left.term, right.term), output: left.output };
        },
      },
      {
        w: 6,
        ops: [],
        d: 2,
        make: () => {
          const b = this.pickType(a);
          return { term: this.toward(a, b, d), output: b };
        },
      },
      { w: APPLY_OPS.some((op) => this.allowed.has(op)) ? 7 : 0, ops: ['Compose'], d: 2, make: () => this.applyOp(a, d) },
      {
        // Keep the input next to what is computed from it, so later steps can still see it.
        w: small ? 2 : 0,
        ops: ['Fanout', 'Id'],
        d: 2,
        make: () => {
          const r = this.forward(a, d - 1);
          return { term: fanout(leafTerm('Id'), r.term), output: pair(a, r.output) };
        },
      },
      {
        w: small ? 2 : 0,
        ops: ['Fanout'],
        d: 2,
        make: () => {
          const l = this.forward(a, d - 1);
          const r = this.forward(a, d - 1);
          return { term: fanout(l.term, r.term), output: pair(l.output, r.output) };
        },
      },
      {
        w: small ? 1 : 0,
        ops: ['Record'],
        d: 2,
        make: () => {
          const names = this.names(FIELD_NAMES, 1, 3);
          const fields: Record<string, Term> = {};
          const types: Record<string, Type> = {};
          for (const n of names) {
            const f = this.forward(a, d - 1);
            fields[n] = f.term;
            types[n] = f.output;
          }
          return { term: mk('Record', { fields }), output: record(types) };
        },
      },
      {
        w: 0.8,
        ops: UNLEFT_COUNTDOWN_OPS,
        d: 7,
        make: () => {
          const b = this.pickType(a);
          return { term: this.unleftCountdown(a, b, d), output: b };
        },
      },
      {
        w: 0.15,
        ops: ['Unleft'],
        d: 2,
        make: () => {
          const b = this.pickType(a);
          return { term: this.unleftAnyBody(a, b, d), output: b };
        },
      },
    );
    switch (a.kind) {
      case 'Pair': {
        const { fst, snd } = a;
        opts.push(
          {
            w: 2,
            ops: ['First'],
            d: 2,
            make: () => {
              const body = this.forward(fst, d - 1);
              return { term: mk('First', { body: body.term }), output: pair(body.output, snd) };
            },
          },
          {
            w: 2,
            ops: ['Second'],
            d: 2,
            make: () => {
              const body = this.forward(snd, d - 1);
              return { term: mk('Second', { body: body.term }), output: pair(fst, body.output) };
            },
          },
        );
        if (snd.kind === 'Bool') {
          opts.push({
            w: 4,
            ops: ['If'],
            d: 2,
            make: () => {
              const onTrue = this.forward(fst, d - 1);
              const onFalse = this.toward(fst, onTrue.output, d - 1);
              return { term: mk('If', { onTrue: onTrue.term, onFalse }), output: onTrue.output };
            },
          });
        }
        if (snd.kind === 'List') {
          opts.push({
            w: 4,
            ops: ['Fold'],
            d: 2,
            make: () => ({ term: mk('Fold', { body: this.toward(pair(fst, snd.elem), fst, d - 1) }), output: fst }),
          });
        }
        break;
      }
      case 'Either':
        opts.push({
          w: 4,
          ops: ['Case'],
          d: 2,
          make: () => {
            const l = this.forward(a.left, d - 1);
            const r = this.forward(a.right, d - 1);
            return { term: mk('Case', { left: l.term, right: r.term }), output: either(l.output, r.output) };
          },
        });
        break;
      case 'Variant':
        opts.push({
          w: 5,
          ops: ['Match'],
          d: 2,
          make: () => {
            const [first, ...rest] = a.cases;
            const head = this.forward(first.type, d - 1);
            const cases: Record<string, Term> = { [first.name]: head.term };
            for (const c of rest) cases[c.name] = this.toward(c.type, head.output, d - 1);
            return { term: mk('Match', { cases }), output: head.output };
          },
        });
        break;
      case 'List':
        opts.push({
          w: 4,
          ops: ['ListMap'],
          d: 2,
          make: () => {
            const body = this.forward(a.elem, d - 1);
            return { term: mk('ListMap', { body: body.term }), output: list(body.output) };
          },
        });
        break;
      case 'Unit':
      case 'Int':
      case 'Bool':
      case 'String':
      case 'Map':
      case 'Record':
        break;
      default:
        unreachable(a);
    }
    return this.choose([...withShare(leaves, opts, d, this.leafShare(d)), ...opts], d, what);
  }

  /**
   * `Compose(op, toward(a, x))` for a one-node op drawn uniformly from the
   * catalogue and an input type `x` it accepts: every op shows up often,
   * whatever types the rest of the term happens to produce.
   */
  applyOp(a: Type, d: number, among: readonly (typeof APPLY_OPS)[number][] = APPLY_OPS): Out {
    const candidates = among.filter((op) => this.allowed.has(op));
    if (candidates.length === 0) return this.forward(a, d);
    const op = this.draw.pick(candidates);
    const input = this.inputFor(op, a);
    const leaf = this.draw.pick(this.fixedLeaves(input).filter((l) => l.op === op));
    return { term: compose(leaf.make(), this.argument(op, a, input, d - 1)), output: leaf.output };
  }

  /** The argument of `applyOp`: from the input, with the second operand of some ops often a literal at their edge. */
  private argument(op: Op, a: Type, input: Type, d: number): Term {
    if (d >= 3 && input.kind === 'Pair' && this.allowed.has('Fanout') && this.draw.chance(0.5)) {
      const literal = (xs: readonly Value[], t: Type): Term | undefined => (this.allowed.has('Const') ? mk('Const', { type: t, value: this.draw.pick(xs) }) : undefined);
      let second: Term | undefined;
      switch (op) {
        case 'Split':
          second = literal(['', '', ',', ' ', 'a', '😀'], Str);
          break;
        case 'Div':
        case 'Mod':
          second = literal([0n, -1n, -1n, 1n, 2n, INT_MIN, INT_MAX], Int);
          break;
        case 'Slice':
          second = literal([[0n, 1n], [1n, 2n], [0n, 3n], [2n, 5n], [-1n, 1n], [3n, 2n], [1n, INT_MAX]], pair(Int, Int));
          break;
        case 'Add':
        case 'Sub':
        case 'Mul':
          second = literal([1n, -1n, 2n, INT_MAX, INT_MIN], Int);
          break;
        case 'Concat':
          second = literal(['', '😀', '"', '\\'], Str);
          break;
        default:
          break;
      }
      if (second) {
        // INT_MIN / -1 and INT_MIN Mod -1 are the quotients that overflow.
        const first = (op === 'Div' || op === 'Mod') && this.draw.chance(0.3) ? constInt(INT_MIN) : this.toward(a, input.fst, d - 1);
        return fanout(first, second);
      }
    }
    return this.toward(a, input, d);
  }

  /** An input type `op` accepts (for `applyOp`). */
  private inputFor(op: (typeof APPLY_OPS)[number], a: Type): Type {
    const t = () => this.pickType(a);
    const kv = () => map(this.pickKeyType(), t());
    switch (op) {
      case 'Id':
      case 'Show':
        return t();
      case 'Copy': {
        const x = t();
        return typeSize(x) * 2 < MAX_TYPE_SIZE ? x : Int;
      }
      case 'Int':
      case 'Get':
        return Unit;
      case 'Put':
        return this.state;
      case 'Fst':
      case 'Snd':
        return pair(t(), t());
      case 'Eq':
      case 'Equal':
      case 'Lt':
      case 'Le':
      case 'Gt':
      case 'Ge': {
        const x = t();
        return pair(x, x);
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Mod':
        return pair(Int, Int);
      case 'Incr':
      case 'Decr':
      case 'Neg':
      case 'ShowInt':
        return Int;
      case 'Not':
        return Bool;
      case 'And':
      case 'Or':
        return pair(Bool, Bool);
      case 'Concat':
      case 'Split':
        return pair(Str, Str);
      case 'StrLength':
      case 'ParseInt':
        return Str;
      case 'Slice':
        return pair(Str, pair(Int, Int));
      case 'Merge': {
        const x = t();
        return either(x, x);
      }
      case 'Distr':
        return pair(t(), this.draw.chance(0.7) ? either(t(), t()) : variant(Object.fromEntries(this.names(CASE_NAMES, 1, 3).map((n) => [n, t()]))));
      case 'Cons': {
        const e = t();
        return pair(e, list(e));
      }
      case 'Append': {
        const l = list(t());
        return pair(l, l);
      }
      case 'Uncons':
      case 'ListLength':
      case 'Reverse':
        return list(t());
      case 'MapFromList':
        return list(pair(this.pickKeyType(), t()));
      case 'MapInsert': {
        const m = kv();
        return m.kind === 'Map' ? pair(m, pair(m.key, m.value)) : unreachableType(m);
      }
      case 'MapLookup':
      case 'MapDelete': {
        const m = kv();
        return m.kind === 'Map' ? pair(m, m.key) : unreachableType(m);
      }
      case 'MapSize':
      case 'MapKeys':
      case 'MapToList':
        return kv();
      case 'Field':
      case 'SetField': {
        const r = record(Object.fromEntries(this.names(FIELD_NAMES, 1, 3).map((n) => [n, t()])));
        if (op === 'Field' || r.kind !== 'Record') return r;
        return pair(r, this.draw.pick(r.fields).type);
      }
      default:
        return unreachable(op);
    }
  }

  /** One-node terms from `a`, including those whose annotation is drawn. */
  private forwardLeaves(a: Type): Option<Out>[] {
    const opts: Option<Out>[] = this.fixedLeaves(a).map((l) => ({ w: l.w, ops: [l.op], make: () => ({ term: l.make(), output: l.output }) }));
    const small = typeSize(a) <= MAX_TYPE_SIZE;
    const annotated = (w: number, op: Op, make: () => Out): void => {
      opts.push({ w, ops: [op], make });
    };
    annotated(0.6, 'Const', () => {
      const t = this.pickType(a);
      return { term: this.constOf(t), output: t };
    });
    annotated(0.01, 'Fail', () => {
      const t = this.pickType(a);
      return { term: mk('Fail', { message: this.draw.text(), type: t }), output: t };
    });
    annotated(0.4, 'Nil', () => {
      const e = this.pickType(a);
      return { term: mk('Nil', { type: e }), output: list(e) };
    });
    annotated(0.4, 'MapEmpty', () => {
      const k = this.pickKeyType();
      const v = this.pickType(a);
      return { term: mk('MapEmpty', { key: k, type: v }), output: map(k, v) };
    });
    if (small) {
      annotated(1, 'InLeft', () => {
        const r = this.pickType(a);
        return { term: mk('InLeft', { type: r }), output: either(a, r) };
      });
      annotated(1, 'InRight', () => {
        const l = this.pickType(a);
        return { term: mk('InRight', { type: l }), output: either(l, a) };
      });
      annotated(1, 'Inject', () => {
        const [name, ...others] = this.names(CASE_NAMES, 1, 3);
        const cases: Record<string, Type> = { [name]: a };
        for (const n of others) cases[n] = this.pickType(a);
        const v = variant(cases);
        return { term: mk('Inject', { name, type: v }), output: v };
      });
    }
    if (a.kind === 'String') {
      annotated(0.1, 'Read', () => {
        const t = this.draw.chance(0.4) ? Int : this.draw.type();
        return { term: mk('Read', { type: t }), output: t };
      });
    }
    // Next to a computed input, a leaf that ignores it throws the computation away.
    if (a.kind === 'Unit') return opts;
    return opts.map((o) => (o.ops.some((op) => IGNORES_INPUT.has(op)) ? { ...o, w: o.w * 0.15 } : o));
  }

  /** One-node terms from `a` whose output type is fixed by `a`. */
  private fixedLeaves(a: Type): Leaf[] {
    const s = this.state;
    const leaves: Leaf[] = [];
    const add = (w: number, op: Op, output: Type, make: () => Term = () => leafTerm(op)): void => {
      leaves.push({ w, op, output, make });
    };
    add(1, 'Id', a);
    add(a.kind === 'Unit' ? 1 : 0.4, 'Consume', Unit);
    if (typeSize(a) * 2 < MAX_TYPE_SIZE) add(1, 'Copy', pair(a, a));
    add(0.4, 'Bool', Bool, () => mk('Bool', { value: this.draw.chance(0.5) }));
    add(1, 'Show', Str, () => mk('Show', { type: a }));
    if (typeEquals(a, s)) add(6, 'Put', Unit);
    switch (a.kind) {
      case 'Unit':
        add(6, 'Get', s);
        add(3, 'Int', Int, () => mk('Int', { value: this.intLiteral() }));
        break;
      case 'Int':
        add(2, 'Incr', Int);
        add(2, 'Decr', Int);
        add(2, 'Neg', Int);
        add(2, 'ShowInt', Str);
        break;
      case 'Bool':
        add(2, 'Not', Bool);
        break;
      case 'String':
        add(2, 'StrLength', Int);
        add(2, 'ParseInt', either(Unit, Int));
        break;
      case 'Pair': {
        const { fst, snd } = a;
        add(3, 'Fst', fst);
        add(3, 'Snd', snd);
        if (typeEquals(fst, snd)) {
          add(1, 'Eq', either(Unit, Unit));
          for (const op of ['Equal', 'Lt', 'Le', 'Gt', 'Ge'] as const) add(1, op, Bool);
        }
        if (fst.kind === 'Int' && snd.kind === 'Int') for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Mod'] as const) add(2, op, Int);
        if (fst.kind === 'Bool' && snd.kind === 'Bool') for (const op of ['And', 'Or'] as const) add(2, op, Bool);
        if (fst.kind === 'String' && snd.kind === 'String') {
          add(2, 'Concat', Str);
          add(2, 'Split', list(Str));
        }
        if (fst.kind === 'String' && snd.kind === 'Pair' && snd.fst.kind === 'Int' && snd.snd.kind === 'Int') add(3, 'Slice', Str);
        if (snd.kind === 'List' && typeEquals(fst, snd.elem)) add(3, 'Cons', snd);
        if (fst.kind === 'List' && typeEquals(fst, snd)) add(3, 'Append', fst);
        if (fst.kind === 'Map') {
          if (typeEquals(snd, pair(fst.key, fst.value))) add(3, 'MapInsert', fst);
          if (typeEquals(snd, fst.key)) {
            add(3, 'MapLookup', either(Unit, fst.value));
            add(3, 'MapDelete', fst);
          }
        }
        if (snd.kind === 'Either') add(3, 'Distr', either(pair(fst, snd.left), pair(fst, snd.right)));
        if (snd.kind === 'Variant') add(3, 'Distr', variant(snd.cases.map((c) => ({ name: c.name, type: pair(fst, c.type) }))));
        if (fst.kind === 'Record') {
          for (const f of fst.fields) if (typeEquals(f.type, snd)) add(3, 'SetField', fst, () => mk('SetField', { name: f.name }));
        }
        break;
      }
      case 'Either':
        if (typeEquals(a.left, a.right)) add(3, 'Merge', a.left);
        break;
      case 'List': {
        const e = a.elem;
        add(2, 'Uncons', either(Unit, pair(e, a)));
        add(2, 'ListLength', Int);
        add(2, 'Reverse', a);
        if (e.kind === 'Pair') add(3, 'MapFromList', map(e.fst, e.snd));
        break;
      }
      case 'Map':
        add(2, 'MapSize', Int);
        add(2, 'MapKeys', list(a.key));
        add(2, 'MapToList', list(pair(a.key, a.value)));
        break;
      case 'Record':
        for (const f of a.fields) add(3 / a.fields.length, 'Field', f.type, () => mk('Field', { name: f.name }));
        break;
      case 'Variant':
        break;
      default:
        unreachable(a);
    }
    return leaves;
  }

  // --- toward: a term `a -> b` -----------------------------------------------

  toward(a: Type, b: Type, d: number): Term {
    this.budget--;
    // Near the depth or node limit, prefer a term that uses its input over a constant that throws
    // the input away: a computation nobody looks at cannot show a difference between engines.
    const need = this.keepDepth(a, b);
    if (need <= d && (d <= need + 1 || this.budget <= 0) && this.draw.chance(0.85)) return this.keep(a, b, this.budget <= 0 ? need : d);
    const leaves = this.towardLeaves(a, b);
    const what = () => `a term ${showType(a)} -> ${showType(b)}`;
    if (d <= 1 || this.budget <= 0) return this.choose(leaves, 1, what);
    const s = this.state;
    const opts: Option<Term>[] = [];
    const sub = (x: Type, y: Type, depth: number) => this.toward(x, y, depth);
    opts.push(
      {
        // Go anywhere, then aim again.
        w: d > 3 ? 4 : 1,
        ops: ['Compose'],
        d: 2,
        make: () => {
          const x = this.forward(a, d - 1);
          return compose(sub(x.output, b, d - 1), x.term);
        },
      },
      a.kind === 'Unit'
        ? { w: 2.5, ops: ['Compose', 'Get'], d: 2, make: () => compose(sub(s, b, d - 1), leafTerm('Get')) }
        : {
            // Read the state next to the input, then aim from both.
            w: 2.5,
            ops: ['Compose', 'Fanout', 'Id', 'Get', 'Consume'],
            d: 4,
            make: () => compose(sub(pair(a, s), b, d - 1), fanout(leafTerm('Id'), compose(leafTerm('Get'), leafTerm('Consume')))),
          },
      {
        // Take the part of the input that has the wanted type.
        w: hasPart(a, b, Math.min(d, 3)) ? 6 : 0,
        ops: ['Compose', 'Fst', 'Snd', 'Field'],
        d: 2,
        make: () => this.projection(a, b, d) ?? this.constOf(b),
      },
      {
        // Write the state on the side, then answer.
        w: 2.5,
        ops: ['Compose', 'Snd', 'Fanout', 'Put'],
        d: 4,
        make: () => compose(leafTerm('Snd'), fanout(compose(leafTerm('Put'), sub(a, s, d - 3)), sub(a, b, d - 2))),
      },
      {
        w: 1,
        ops: ['Compose', 'Read', 'Show'],
        d: 3,
        make: () => compose(mk('Read', { type: b }), compose(mk('Show', { type: b }), sub(a, b, d - 2))),
      },
      {
        w: 0.05,
        ops: ['Compose', 'Read'],
        d: 2,
        make: () => compose(mk('Read', { type: b }), sub(a, Str, d - 1)),
      },
      { w: 0.8, ops: UNLEFT_COUNTDOWN_OPS, d: 7, make: () => this.unleftCountdown(a, b, d) },
      { w: 0.1, ops: ['Unleft'], d: 2, make: () => this.unleftAnyBody(a, b, d) },
      { w: 0.4, ops: ['Compose', 'Merge'], d: 2, make: () => compose(leafTerm('Merge'), sub(a, either(b, b), d - 1)) },
      { w: 0.4, ops: ['Compose', 'Fst'], d: 2, make: () => compose(leafTerm('Fst'), sub(a, pair(b, this.pickType(a)), d - 1)) },
    );
    this.construct(opts, a, b, d);
    this.destruct(opts, a, b, d);
    return this.choose([...withShare(leaves, opts, d, this.leafShare(d)), ...opts], d, what);
  }

  /** Options that build the outermost constructor of `b`. */
  private construct(opts: Option<Term>[], a: Type, b: Type, d: number): void {
    const sub = (x: Type, y: Type, depth: number) => this.toward(x, y, depth);
    const unary = (w: number, op: Op, from: () => Type) =>
      opts.push({ w, ops: ['Compose', op], d: 2, make: () => compose(leafTerm(op), sub(a, from(), d - 1)) });
    const binary = (w: number, op: Op, fst: () => Type, snd: () => Type) =>
      opts.push({ w, ops: ['Compose', 'Fanout', op], d: 3, make: () => compose(leafTerm(op), fanout(sub(a, fst(), d - 2), sub(a, snd(), d - 2))) });
    switch (b.kind) {
      case 'Unit':
        opts.push({ w: 3, ops: ['Compose', 'Put'], d: 2, make: () => compose(leafTerm('Put'), sub(a, this.state, d - 1)) });
        break;
      case 'Int': {
        for (const op of ['Add', 'Sub', 'Mul'] as const) binary(1.5, op, () => Int, () => Int);
        for (const op of ['Div', 'Mod'] as const) {
          opts.push({
            w: 1.5,
            ops: ['Compose', 'Fanout', 'Const', op],
            d: 3,
            make: () => {
              // INT_MIN / -1 is the one quotient that overflows (Wasm's i64.div_s traps on it).
              const dividend = this.draw.chance(0.15) ? constInt(INT_MIN) : sub(a, Int, d - 2);
              const divisor = this.draw.chance(0.5) ? constInt(this.draw.pick(DIVISORS)) : sub(a, Int, d - 2);
              return compose(leafTerm(op), fanout(dividend, divisor));
            },
          });
        }
        for (const op of ['Incr', 'Decr', 'Neg'] as const) unary(1, op, () => Int);
        unary(1, 'StrLength', () => Str);
        unary(0.7, 'ListLength', () => list(this.pickType(a)));
        unary(0.7, 'MapSize', () => map(this.pickKeyType(), this.pickType(a)));
        opts.push({ w: 0.3, ops: ['Compose', 'Int', 'Consume'], d: 2, make: () => compose(mk('Int', { value: this.intLiteral() }), leafTerm('Consume')) });
        // Digest any input into a number that depends on all of it.
        opts.push({ w: 0.7, ops: ['Compose', 'StrLength', 'Show'], d: 2, make: () => compose(leafTerm('StrLength'), mk('Show', { type: a })) });
        break;
      }
      case 'Bool':
        for (const op of ['Equal', 'Lt', 'Le', 'Gt', 'Ge'] as const) {
          opts.push({
            w: 0.8,
            ops: ['Compose', 'Fanout', op],
            d: 3,
            make: () => {
              const t = this.pickType(a);
              return compose(leafTerm(op), fanout(sub(a, t, d - 2), sub(a, t, d - 2)));
            },
          });
        }
        // Compare the input itself with a value of its type: data-dependent, and exercises the order on every type.
        opts.push({ w: this.comparisons().length > 0 ? 1.5 : 0, ops: ['Compose', 'Fanout', 'Id', 'Const'], d: 3, make: () => this.compareWithConstant(a) });
        unary(1, 'Not', () => Bool);
        binary(0.8, 'And', () => Bool, () => Bool);
        binary(0.8, 'Or', () => Bool, () => Bool);
        break;
      case 'String':
        unary(2, 'ShowInt', () => Int);
        opts.push({
          w: 2,
          ops: ['Compose', 'Show'],
          d: 2,
          make: () => {
            const t = this.pickType(a);
            return compose(mk('Show', { type: t }), sub(a, t, d - 1));
          },
        });
        binary(1, 'Concat', () => Str, () => Str);
        opts.push({
          w: 1,
          ops: ['Compose', 'Fanout', 'Slice', 'Const'],
          d: 4,
          make: () => {
            // Small indices land inside the text, where code points and UTF-16 units differ.
            const index = () => (this.draw.chance(0.5) ? constInt(BigInt(this.draw.int(-1, 6))) : sub(a, Int, d - 3));
            return compose(leafTerm('Slice'), fanout(sub(a, Str, d - 2), fanout(index(), index())));
          },
        });
        break;
      case 'Pair': {
        const { fst, snd } = b;
        opts.push({ w: 4, ops: ['Fanout'], d: 2, make: () => fanout(sub(a, fst, d - 1), sub(a, snd, d - 1)) });
        if (a.kind === 'Pair' && typeEquals(a.snd, snd)) opts.push({ w: 2, ops: ['First'], d: 2, make: () => mk('First', { body: sub(a.fst, fst, d - 1) }) });
        if (a.kind === 'Pair' && typeEquals(a.fst, fst)) opts.push({ w: 2, ops: ['Second'], d: 2, make: () => mk('Second', { body: sub(a.snd, snd, d - 1) }) });
        break;
      }
      case 'Either': {
        const { left: l, right: r } = b;
        opts.push(
          { w: 2, ops: ['Compose', 'InLeft'], d: 2, make: () => compose(mk('InLeft', { type: r }), sub(a, l, d - 1)) },
          { w: 2, ops: ['Compose', 'InRight'], d: 2, make: () => compose(mk('InRight', { type: l }), sub(a, r, d - 1)) },
        );
        if (a.kind === 'Either') opts.push({ w: 3, ops: ['Case'], d: 2, make: () => mk('Case', { left: sub(a.left, l, d - 1), right: sub(a.right, r, d - 1) }) });
        if (l.kind === 'Unit') {
          if (r.kind === 'Int') unary(1.5, 'ParseInt', () => Str);
          if (r.kind === 'Unit') {
            const t = once(() => this.pickType(a));
            binary(1, 'Eq', t, t);
          }
          if (r.kind === 'Pair' && r.snd.kind === 'List' && typeEquals(r.fst, r.snd.elem)) unary(1.5, 'Uncons', () => r.snd);
          const key = once(() => this.pickKeyType());
          binary(1.5, 'MapLookup', () => map(key(), r), key);
        }
        if (l.kind === 'Pair' && r.kind === 'Pair' && typeEquals(l.fst, r.fst)) binary(1.5, 'Distr', () => l.fst, () => either(l.snd, r.snd));
        break;
      }
      case 'List': {
        const e = b.elem;
        binary(3, 'Cons', () => e, () => b);
        binary(1, 'Append', () => b, () => b);
        unary(1, 'Reverse', () => b);
        if (a.kind === 'List') opts.push({ w: 4, ops: ['ListMap'], d: 2, make: () => mk('ListMap', { body: sub(a.elem, e, d - 1) }) });
        opts.push({
          w: 2,
          ops: ['Compose', 'ListMap'],
          d: 3,
          make: () => {
            const x = this.pickType(a);
            return compose(mk('ListMap', { body: sub(x, e, d - 2) }), sub(a, list(x), d - 1));
          },
        });
        unary(1, 'MapKeys', () => map(e, this.pickType(a)));
        if (e.kind === 'Pair') unary(1.5, 'MapToList', () => map(e.fst, e.snd));
        if (e.kind === 'String') {
          opts.push({
            w: 1.5,
            ops: ['Compose', 'Fanout', 'Split', 'Const'],
            d: 3,
            // The empty separator splits into code points, where UTF-16 and UTF-8 engines can disagree.
            make: () => compose(leafTerm('Split'), fanout(sub(a, Str, d - 2), this.draw.chance(0.4) ? mk('Const', { type: Str, value: this.draw.pick(['', ',', ' ']) }) : sub(a, Str, d - 2))),
          });
        }
        break;
      }
      case 'Map':
        opts.push({
          w: 3,
          ops: ['Compose', 'Fanout', 'MapInsert'],
          d: 4,
          make: () => compose(leafTerm('MapInsert'), fanout(sub(a, b, d - 2), fanout(sub(a, b.key, d - 3), sub(a, b.value, d - 3)))),
        });
        binary(1, 'MapDelete', () => b, () => b.key);
        unary(2, 'MapFromList', () => list(pair(b.key, b.value)));
        break;
      case 'Record':
        opts.push({
          w: 4,
          ops: ['Record'],
          d: 2,
          make: () => mk('Record', { fields: Object.fromEntries(b.fields.map((f) => [f.name, sub(a, f.type, d - 1)])) }),
        });
        for (const f of b.fields) {
          opts.push({
            w: 2 / b.fields.length,
            ops: ['Compose', 'Fanout', 'SetField'],
            d: 3,
            make: () => compose(mk('SetField', { name: f.name }), fanout(sub(a, b, d - 2), sub(a, f.type, d - 2))),
          });
        }
        break;
      case 'Variant': {
        for (const c of b.cases) {
          opts.push({ w: 4 / b.cases.length, ops: ['Compose', 'Inject'], d: 2, make: () => compose(mk('Inject', { name: c.name, type: b }), sub(a, c.type, d - 1)) });
        }
        const first = b.cases[0].type;
        if (first.kind === 'Pair' && b.cases.every((c) => c.type.kind === 'Pair' && typeEquals(c.type.fst, first.fst))) {
          const payloads = variant(b.cases.map((c) => ({ name: c.name, type: (c.type as { snd: Type }).snd })));
          binary(1.5, 'Distr', () => first.fst, () => payloads);
        }
        break;
      }
      default:
        unreachable(b);
    }
  }

  /** Options that take `a` apart on the way to `b`. */
  private destruct(opts: Option<Term>[], a: Type, b: Type, d: number): void {
    const sub = (x: Type, y: Type, depth: number) => this.toward(x, y, depth);
    switch (a.kind) {
      case 'Pair': {
        const { fst, snd } = a;
        opts.push(
          { w: 2, ops: ['Compose', 'Fst'], d: 2, make: () => compose(sub(fst, b, d - 1), leafTerm('Fst')) },
          { w: 2, ops: ['Compose', 'Snd'], d: 2, make: () => compose(sub(snd, b, d - 1), leafTerm('Snd')) },
        );
        if (snd.kind === 'Bool') opts.push({ w: 4, ops: ['If'], d: 2, make: () => mk('If', { onTrue: sub(fst, b, d - 1), onFalse: sub(fst, b, d - 1) }) });
        if (snd.kind === 'List' && typeEquals(fst, b)) opts.push({ w: 4, ops: ['Fold'], d: 2, make: () => mk('Fold', { body: sub(pair(b, snd.elem), b, d - 1) }) });
        break;
      }
      case 'Either':
        opts.push({
          w: 3,
          ops: ['Compose', 'Merge', 'Case'],
          d: 3,
          make: () => compose(leafTerm('Merge'), mk('Case', { left: sub(a.left, b, d - 2), right: sub(a.right, b, d - 2) })),
        });
        break;
      case 'Variant':
        opts.push({ w: 5, ops: ['Match'], d: 2, make: () => mk('Match', { cases: Object.fromEntries(a.cases.map((c) => [c.name, sub(c.type, b, d - 1)])) }) });
        break;
      case 'Record':
        for (const f of a.fields) {
          opts.push({ w: 2 / a.fields.length, ops: ['Compose', 'Field'], d: 2, make: () => compose(sub(f.type, b, d - 1), mk('Field', { name: f.name })) });
        }
        break;
      case 'List':
        opts.push(
          {
            w: 3,
            ops: ['Compose', 'Fold', 'Fanout', 'Id'],
            d: 3,
            make: () => compose(mk('Fold', { body: sub(pair(b, a.elem), b, d - 2) }), fanout(sub(a, b, d - 2), leafTerm('Id'))),
          },
          { w: 1, ops: ['Compose', 'Uncons'], d: 2, make: () => compose(sub(either(Unit, pair(a.elem, a)), b, d - 1), leafTerm('Uncons')) },
        );
        break;
      case 'Map':
        opts.push({ w: 1, ops: ['Compose', 'MapToList'], d: 2, make: () => compose(sub(list(pair(a.key, a.value)), b, d - 1), leafTerm('MapToList')) });
        break;
      case 'String':
        opts.push({ w: 1, ops: ['Compose', 'ParseInt'], d: 2, make: () => compose(sub(either(Unit, Int), b, d - 1), leafTerm('ParseInt')) });
        break;
      case 'Unit':
      case 'Int':
      case 'Bool':
        break;
      default:
        unreachable(a);
    }
  }

  /** One-node terms `a -> b`; Const (and rarely Fail) always fit. */
  private towardLeaves(a: Type, b: Type): Option<Term>[] {
    const opts: Option<Term>[] = [];
    for (const l of this.fixedLeaves(a)) {
      if (typeEquals(l.output, b)) opts.push({ w: l.op === 'Id' ? 4 : IGNORES_INPUT.has(l.op) ? l.w : 3 * l.w, ops: [l.op], make: l.make });
    }
    // A constant throws away whatever computed its input: only a fallback when some leaf keeps the data.
    const keeps = opts.some((o) => !o.ops.some((op) => IGNORES_INPUT.has(op)));
    opts.push({ w: keeps ? 0.3 : 1, ops: ['Const'], make: () => this.constOf(b) }, { w: 0.004, ops: ['Fail'], make: () => mk('Fail', { message: this.draw.text(), type: b }) });
    switch (b.kind) {
      case 'List':
        opts.push({ w: keeps ? 0.3 : 1, ops: ['Nil'], make: () => mk('Nil', { type: b.elem }) });
        break;
      case 'Map':
        opts.push({ w: keeps ? 0.3 : 1, ops: ['MapEmpty'], make: () => mk('MapEmpty', { key: b.key, type: b.value }) });
        break;
      case 'Either':
        if (typeEquals(b.left, a)) opts.push({ w: 2, ops: ['InLeft'], make: () => mk('InLeft', { type: b.right }) });
        if (typeEquals(b.right, a)) opts.push({ w: 2, ops: ['InRight'], make: () => mk('InRight', { type: b.left }) });
        break;
      case 'Variant':
        for (const c of b.cases) if (typeEquals(c.type, a)) opts.push({ w: 2, ops: ['Inject'], make: () => mk('Inject', { name: c.name, type: b }) });
        break;
      case 'Unit':
      case 'Int':
      case 'Bool':
      case 'String':
      case 'Pair':
      case 'Record':
        break;
      default:
        unreachable(b);
    }
    if (a.kind === 'String') opts.push({ w: 0.03, ops: ['Read'], make: () => mk('Read', { type: b }) });
    return opts;
  }

  // --- terms that keep their input -------------------------------------------

  private readonly keepDepths = new Map<string, number>();

  /** The least depth of a term `a -> b` built by `keep` (Infinity if the allowed ops cannot). */
  private keepDepth(a: Type, b: Type): number {
    const key = `${this.allowed.size}|${typeKey(a)}|${typeKey(b)}`;
    let n = this.keepDepths.get(key);
    if (n === undefined) {
      n = Infinity;
      for (const o of this.keepOptions(a, b)) if (o.need < n && o.ops.every((op) => this.allowed.has(op))) n = o.need;
      this.keepDepths.set(key, n);
    }
    return n;
  }

  /** A term `a -> b` of depth at most `d` whose output depends on its input where the types allow it. Needs `d >= keepDepth(a, b)`. */
  private keep(a: Type, b: Type, d: number): Term {
    const usable = this.keepOptions(a, b).filter((o) => o.need <= d && o.ops.every((op) => this.allowed.has(op)));
    if (usable.length === 0) throw new Error(`no input-keeping term ${showType(a)} -> ${showType(b)} within depth ${d}`);
    // Prefer the shallow ways: the deep ones are what the random options are for.
    const best = Math.min(...usable.map((o) => o.need));
    return this.choose(
      usable.map((o) => ({ w: (o.need === best ? 3 : 1) * (o.lossy ? 0.3 : 1), ops: o.ops, make: () => o.make(d) })),
      d,
      () => `an input-keeping term ${showType(a)} -> ${showType(b)}`,
    );
  }

  /**
   * The ways `keep` builds `a -> b`, each with the depth it needs. Sub-terms
   * are smaller on one side (a part of `a`, or a part of `b`), so the
   * recursion through `keepDepth` ends.
   */
  private keepOptions(a: Type, b: Type): KeepOption[] {
    const out: KeepOption[] = [];
    const sub = (x: Type, y: Type) => this.keepDepth(x, y);
    const toward = (x: Type, y: Type, depth: number) => this.toward(x, y, depth);
    if (typeEquals(a, b)) out.push({ need: 1, ops: ['Id'], make: () => leafTerm('Id') });
    for (const l of this.fixedLeaves(a)) {
      if (l.op !== 'Id' && !IGNORES_INPUT.has(l.op) && typeEquals(l.output, b)) out.push({ need: 1, lossy: l.op === 'Show' && a.kind === 'String', ops: [l.op], make: l.make });
    }
    switch (b.kind) {
      case 'Unit':
        out.push({ need: 1, ops: ['Consume'], make: () => leafTerm('Consume') });
        break;
      case 'String':
        // Show escapes everything outside ASCII: text that is already a String should mostly stay raw.
        if (a.kind !== 'String') out.push({ need: 1, ops: ['Show'], make: () => mk('Show', { type: a }) });
        break;
      case 'Int':
        out.push({ need: 2, lossy: true, ops: ['Compose', 'StrLength', 'Show'], make: () => compose(leafTerm('StrLength'), mk('Show', { type: a })) });
        break;
      case 'Bool':
        if (this.comparisons().length > 0) out.push({ need: 3, lossy: true, ops: ['Compose', 'Fanout', 'Id', 'Const'], make: () => this.compareWithConstant(a) });
        break;
      case 'Pair': {
        const { fst, snd } = b;
        out.push({ need: 1 + Math.max(sub(a, fst), sub(a, snd)), ops: ['Fanout'], make: (d) => fanout(toward(a, fst, d - 1), toward(a, snd, d - 1)) });
        break;
      }
      case 'Either': {
        const { left: l, right: r } = b;
        if (!typeEquals(l, a)) out.push({ need: 1 + sub(a, l), ops: ['Compose', 'InLeft'], make: (d) => compose(mk('InLeft', { type: r }), toward(a, l, d - 1)) });
        if (!typeEquals(r, a)) out.push({ need: 1 + sub(a, r), ops: ['Compose', 'InRight'], make: (d) => compose(mk('InRight', { type: l }), toward(a, r, d - 1)) });
        if (typeEquals(l, a)) out.push({ need: 1, ops: ['InLeft'], make: () => mk('InLeft', { type: r }) });
        if (typeEquals(r, a)) out.push({ need: 1, ops: ['InRight'], make: () => mk('InRight', { type: l }) });
        break;
      }
      case 'Variant':
        for (const c of b.cases) {
          if (typeEquals(c.type, a)) out.push({ need: 1, ops: ['Inject'], make: () => mk('Inject', { name: c.name, type: b }) });
          else out.push({ need: 1 + sub(a, c.type), ops: ['Compose', 'Inject'], make: (d) => compose(mk('Inject', { name: c.name, type: b }), toward(a, c.type, d - 1)) });
        }
        break;
      case 'Record':
        out.push({
          need: 1 + Math.max(...b.fields.map((f) => sub(a, f.type))),
          ops: ['Record'],
          make: (d) => mk('Record', { fields: Object.fromEntries(b.fields.map((f) => [f.name, toward(a, f.type, d - 1)])) }),
        });
        break;
      case 'List': {
        const e = b.elem;
        if (a.kind === 'List') out.push({ need: 1 + sub(a.elem, e), ops: ['ListMap'], make: (d) => mk('ListMap', { body: toward(a.elem, e, d - 1) }) });
        out.push({
          need: 2 + sub(a, e),
          ops: ['Compose', 'Fanout', 'Cons', 'Nil'],
          make: (d) => compose(leafTerm('Cons'), fanout(toward(a, e, d - 2), mk('Nil', { type: e }))),
        });
        break;
      }
      case 'Map': {
        const { key, value } = b;
        out.push({
          need: 3 + Math.max(sub(a, key), sub(a, value)),
          ops: ['Compose', 'Fanout', 'MapInsert', 'MapEmpty'],
          make: (d) => compose(leafTerm('MapInsert'), fanout(mk('MapEmpty', { key, type: value }), fanout(toward(a, key, d - 3), toward(a, value, d - 3)))),
        });
        break;
      }
      default:
        unreachable(b);
    }
    switch (a.kind) {
      case 'Pair':
        out.push(
          { need: 1 + sub(a.fst, b), ops: ['Compose', 'Fst'], make: (d) => compose(toward(a.fst, b, d - 1), leafTerm('Fst')) },
          { need: 1 + sub(a.snd, b), ops: ['Compose', 'Snd'], make: (d) => compose(toward(a.snd, b, d - 1), leafTerm('Snd')) },
        );
        break;
      case 'Either':
        out.push({
          need: 2 + Math.max(sub(a.left, b), sub(a.right, b)),
          ops: ['Compose', 'Merge', 'Case'],
          make: (d) => compose(leafTerm('Merge'), mk('Case', { left: toward(a.left, b, d - 2), right: toward(a.right, b, d - 2) })),
        });
        break;
      case 'Variant':
        out.push({
          need: 1 + Math.max(...a.cases.map((c) => sub(c.type, b))),
          ops: ['Match'],
          make: (d) => mk('Match', { cases: Object.fromEntries(a.cases.map((c) => [c.name, toward(c.type, b, d - 1)])) }),
        });
        break;
      case 'Record':
        for (const f of a.fields) out.push({ need: 1 + sub(f.type, b), ops: ['Compose', 'Field'], make: (d) => compose(toward(f.type, b, d - 1), mk('Field', { name: f.name })) });
        break;
      case 'Unit':
      case 'Int':
      case 'Bool':
      case 'String':
      case 'List':
      case 'Map':
        break;
      default:
        unreachable(a);
    }
    return out;
  }

  // --- idioms ----------------------------------------------------------------

  private comparisons(): Op[] {
    return (['Equal', 'Lt', 'Le', 'Gt', 'Ge'] as const).filter((op) => this.allowed.has(op));
  }

  /** `Compose(cmp, Fanout(Id, Const v))` or the reverse, `a -> Bool`. */
  private compareWithConstant(a: Type): Term {
    const op = this.draw.pick(this.comparisons());
    const both = [leafTerm('Id'), this.constOf(a)];
    if (this.draw.chance(0.5)) both.reverse();
    return compose(leafTerm(op), fanout(both[0], both[1]));
  }

  /** `Fst`/`Snd`/`Field` steps (at most `d`, at most 3) from `a` down to a part of type `b`. */
  private projection(a: Type, b: Type, d: number): Term | undefined {
    const paths = partPaths(a, b, Math.min(d, 3));
    if (paths.length === 0) return undefined;
    const steps = this.draw.pick(paths);
    return steps.reduce((inner: Term | undefined, step) => (inner ? compose(step, inner) : step), undefined);
  }

  /**
   * A countdown loop `a -> b` over loop state `(Int, a)`: usually a few
   * iterations, sometimes a count taken from the data (huge, or negative),
   * sometimes a loop that never stops (so OUT_OF_FUEL happens on purpose):
   *
   *   Unleft{(Int, a)} (decide . Merge . Case (Fanout count keep) (First Decr))
   *   decide = If (InLeft . toward(b)) InRight . Fanout Id (counter <= 0)
   */
  private unleftCountdown(a: Type, b: Type, d: number): Term {
    const loop = pair(Int, a);
    const inner = d - 5;
    const kind = this.draw.unit();
    // Only a loop known to be short may run generated code on every iteration: a long one
    // (a count from the data, or no end) with a step that doubles a string would exhaust memory before fuel.
    const short = kind < 0.8;
    const forever = kind >= 0.96;
    const count = short ? constInt(BigInt(this.draw.int(0, 6))) : this.toward(a, Int, inner);
    const keep = this.draw.chance(0.3) ? this.toward(a, a, inner) : leafTerm('Id');
    const decrement = mk('First', { body: leafTerm('Decr') });
    const stepTerm = short && this.draw.chance(0.4) && this.allowed.has('Second') ? compose(mk('Second', { body: this.toward(a, a, d - 6) }), decrement) : decrement;
    const done = forever && this.allowed.has('Bool') ? mk('Bool', { value: false }) : compose(leafTerm('Le'), fanout(leafTerm('Fst'), constInt(0n)));
    const answer = compose(mk('InLeft', { type: loop }), this.toward(loop, b, inner));
    const decide = compose(mk('If', { onTrue: answer, onFalse: mk('InRight', { type: b }) }), fanout(leafTerm('Id'), done));
    const body = compose(decide, compose(leafTerm('Merge'), mk('Case', { left: fanout(count, keep), right: stepTerm })));
    return mk('Unleft', { body, type: loop });
  }

  /**
   * `Unleft{c} body` with a generated body: it may stop at once, after a few
   * rounds or never. It may run up to the whole fuel, so nothing may grow
   * from one round to the next: the loop type holds no String, List or Map,
   * and the body does not Put.
   */
  private unleftAnyBody(a: Type, b: Type, d: number): Term {
    const loop = this.draw.pick(BOUNDED_LOOP_TYPES);
    const saved = this.allowed;
    this.allowed = new Set([...saved].filter((op) => op !== 'Put'));
    try {
      return mk('Unleft', { body: this.toward(either(a, loop), either(b, loop), d - 1), type: loop });
    } finally {
      this.allowed = saved;
    }
  }

  // --- types and literals ----------------------------------------------------

  private pickType(a: Type): Type {
    const parts = components(a);
    const options: Option<Type>[] = [
      { w: 3, ops: [], make: () => Int },
      { w: 1, ops: [], make: () => Bool },
      { w: 3, ops: [], make: () => Str },
      { w: 0.3, ops: [], make: () => Unit },
      { w: 2, ops: [], make: () => this.state },
      { w: typeSize(a) <= MAX_TYPE_SIZE ? 1.5 : 0, ops: [], make: () => a },
      { w: parts.length > 0 ? 2 : 0, ops: [], make: () => this.draw.pick(parts) },
      { w: 4, ops: [], make: () => this.draw.type() },
    ];
    const t = this.choose(options, 1, () => 'a type');
    return typeSize(t) <= MAX_TYPE_SIZE ? t : Int;
  }

  private pickKeyType(): Type {
    return this.choose<Type>(
      [
        { w: 3, ops: [], make: () => Int },
        { w: 2, ops: [], make: () => Str },
        { w: 1, ops: [], make: () => Bool },
        { w: 0.5, ops: [], make: () => Unit },
        { w: 1.5, ops: [], make: () => this.draw.type() },
      ],
      1,
      () => 'a key type',
    );
  }

  private intLiteral(): bigint {
    return this.draw.chance(0.5) ? (this.draw.value(Int) as bigint) : this.draw.pick(INTERESTING_INTS);
  }

  private constOf(t: Type): Term {
    return mk('Const', { type: t, value: t.kind === 'Int' ? this.intLiteral() : this.draw.value(t) });
  }

  /** Between min and max distinct names from the pool, in pool order. */
  private names(pool: readonly string[], min: number, max: number): string[] {
    const n = this.draw.int(min, max);
    const start = this.draw.int(0, pool.length - 1);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(pool[(start + i * 2) % pool.length]);
    return [...new Set(out)];
  }
}

/** Share of the total weight that goes to one-node terms when the depth allows more. */
const LEAF_SHARE = 0.1;

/** `leaves` reweighted so that they get `share` of the weight next to the usable `others`. */
function withShare<T>(leaves: readonly Option<T>[], others: readonly Option<T>[], d: number, share: number): Option<T>[] {
  const sum = (xs: readonly Option<T>[]) => xs.reduce((n, o) => n + ((o.d ?? 1) <= d ? o.w : 0), 0);
  const have = sum(leaves);
  const want = (share / (1 - share)) * sum(others);
  return have === 0 ? [] : leaves.map((o) => ({ ...o, w: (o.w * want) / have }));
}

/** The one-node ops `applyOp` draws from: those whose output type follows from their input. */
const APPLY_OPS = [
  'Id', 'Copy', 'Show', 'Int', 'Get', 'Put', 'Fst', 'Snd', 'Eq', 'Equal', 'Lt', 'Le', 'Gt', 'Ge', 'Add', 'Sub', 'Mul', 'Div', 'Mod',
  'Incr', 'Decr', 'Neg', 'ShowInt', 'Not', 'And', 'Or', 'Concat', 'Split', 'StrLength', 'ParseInt', 'Slice', 'Merge', 'Distr',
  'Cons', 'Append', 'Uncons', 'ListLength', 'Reverse', 'MapFromList', 'MapInsert', 'MapLookup', 'MapDelete', 'MapSize', 'MapKeys',
  'MapToList', 'Field', 'SetField',
] as const satisfies readonly Op[];

/** Loop types whose values have a bounded size. */
const BOUNDED_LOOP_TYPES: readonly Type[] = [Int, Bool, Unit, pair(Int, Bool), either(Unit, Int), either(Int, pair(Bool, Int)), variant({ A: Int, B: Unit })];

/** The ways down from `a` to a part of type `b` (not `a` itself), each a list of one-node steps applied first to last. */
function partPaths(a: Type, b: Type, maxSteps: number): Term[][] {
  const found: Term[][] = [];
  const walk = (t: Type, steps: Term[]): void => {
    if (steps.length > 0 && typeEquals(t, b)) found.push(steps);
    if (steps.length === maxSteps) return;
    if (t.kind === 'Pair') {
      walk(t.fst, [...steps, leafTerm('Fst')]);
      walk(t.snd, [...steps, leafTerm('Snd')]);
    } else if (t.kind === 'Record') {
      for (const f of t.fields) walk(f.type, [...steps, mk('Field', { name: f.name })]);
    }
  };
  walk(a, []);
  return found;
}

const hasPart = (a: Type, b: Type, maxSteps: number): boolean => partPaths(a, b, maxSteps).length > 0;

interface KeepOption {
  readonly need: number;
  /** Keeps little of the input (a length, a comparison): used when nothing better fits. */
  readonly lossy?: boolean;
  readonly ops: readonly Op[];
  readonly make: (d: number) => Term;
}

const typeKeys = new WeakMap<Type, string>();
function typeKey(t: Type): string {
  let k = typeKeys.get(t);
  if (k === undefined) {
    k = JSON.stringify(typeToJson(t));
    typeKeys.set(t, k);
  }
  return k;
}

/** Leaves whose output does not depend on their input. */
const IGNORES_INPUT: ReadonlySet<Op> = new Set<Op>(['Const', 'Fail', 'Bool', 'Nil', 'MapEmpty', 'Consume', 'Int', 'Get']);

const STRING_OPS: readonly (typeof APPLY_OPS)[number][] = ['Split', 'Split', 'Slice', 'Slice', 'StrLength', 'Concat', 'ParseInt'];
const INT_OPS: readonly (typeof APPLY_OPS)[number][] = ['Incr', 'Decr', 'Neg', 'Add', 'Sub', 'Mul', 'Div', 'Mod', 'ShowInt'];

const UNLEFT_COUNTDOWN_OPS: readonly Op[] = ['Unleft', 'Compose', 'Merge', 'Case', 'Fanout', 'Id', 'First', 'Decr', 'If', 'InLeft', 'InRight', 'Le', 'Fst', 'Const'];

/** A draw made on first use only, so options that are not chosen draw nothing. */
function once<T>(f: () => T): () => T {
  let done = false;
  let memo: T;
  return () => {
    if (!done) {
      memo = f();
      done = true;
    }
    return memo;
  };
}

function components(t: Type): Type[] {
  switch (t.kind) {
    case 'Unit':
    case 'Int':
    case 'Bool':
    case 'String':
      return [];
    case 'Pair':
      return [t.fst, t.snd];
    case 'Either':
      return [t.left, t.right];
    case 'List':
      return [t.elem];
    case 'Map':
      return [t.key, t.value];
    case 'Record':
      return t.fields.map((f) => f.type);
    case 'Variant':
      return t.cases.map((c) => c.type);
    default:
      return unreachable(t);
  }
}

function unreachableType(t: Type): never {
  throw new Error(`unexpected type ${showType(t)}`);
}

function unreachable(x: never): never {
  throw new Error(`unhandled type kind ${JSON.stringify((x as { kind?: string }).kind)}`);
}

// ---------------------------------------------------------------------------
// Inputs for a machine that reads text

/** Valid Show text of a value, the same decorated as Read allows, or text that (almost surely) does not parse. */
function readInput(draw: Draw, t: Type): string {
  const r = draw.unit();
  if (r < 0.55) return showValue(t, draw.value(t));
  if (r < 0.75) return decorate(draw, showValue(t, draw.value(t)));
  if (r < 0.88) {
    const text = showValue(t, draw.value(t));
    // Cut short, trailing junk, or one more digit (an Int may then leave the 64-bit range, which must not parse).
    const r2 = draw.unit();
    if (r2 < 0.4) return text.slice(0, draw.int(0, Math.max(0, text.length - 1)));
    if (r2 < 0.7) return `${text} ${draw.pick(['x', ')', '1', ',', 'Left'])}`;
    return `${text}${draw.pick(['0', '7', '9'])}`;
  }
  return draw.text();
}

/** Whitespace and redundant parentheses around the whole value, which Read accepts. */
function decorate(draw: Draw, text: string): string {
  const ws = () => draw.pick(['', ' ', '  ', '\t', '\n', '\r\n']);
  let out = text;
  for (let i = draw.int(0, 2); i > 0; i--) out = `(${ws()}${out}${ws()})`;
  return `${ws()}${out}${ws()}`;
}
