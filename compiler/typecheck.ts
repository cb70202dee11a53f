// Typechecker for untyped terms: forward inference from the state and input types.
//
//   typecheck(Compose(Incr, Get), { state: Int, input: Unit })
//     => { ok: true, typed: { term, input: (), output: Int, children: [Incr: Int -> Int, Get: () -> Int] } }
//   typecheck(Compose(Incr, Read(String)), { state: Int, input: String })
//     => { ok: false, error: SM101 Input type mismatch at Compose › left › Incr (found String, expected Int) }
//
// Every combinator's output type follows from its input type and its own
// annotations (SEMANTICS.md), so one pass from the root, left to right in
// evaluation order, types the whole term: no type variables, no unification.
// Term limits (TERM_LIMITS) are checked by a loop before checking starts, and
// the checker keeps its own stack of unfinished nodes instead of recursing, so
// a term nested 100,000 deep gives a diagnostic, never a stack overflow.

import { type Diagnostic, type DiagnosticArgs, type DiagnosticCode, closestName, error, formatPath } from './diagnostics.ts';
import { type Op, OP_NAMES, OPS, type Term, type TermOf, TERM_LIMITS } from './terms.ts';
import { type Field, type Type, Bool, Int, Str, Unit, either, list, map, pair, showType, typeEquals, unreachableKind } from './types.ts';
import { INT_MAX, INT_MIN, PMap, isValueOf } from './values.ts';

/** A term annotated by the typechecker: every node carries its input and output type. */
export interface Typed {
  /** This node as received (its own sub-terms untyped). */
  readonly term: Term;
  readonly input: Type;
  readonly output: Type;
  /** Typed sub-terms, in the order of `children(term)`. */
  readonly children: readonly Typed[];
}

/** What a term is checked against: `s; input -> output`. Without `output`, the output is only inferred. */
export interface TypeEnv {
  readonly state: Type;
  readonly input: Type;
  readonly output?: Type;
}

export type TypecheckResult = { readonly ok: true; readonly typed: Typed } | { readonly ok: false; readonly error: Diagnostic };

/** Types `term` as `state; input -> ?`, and checks the answer against `env.output` when given. Never throws for an ill-typed term. */
export function typecheck(term: Term, env: TypeEnv): TypecheckResult {
  return run(term, env.state, env.input, env.output, 'the declared output');
}

/**
 * A state migration is a term `(); old state -> new state`: it runs once,
 * with no state of its own, on the old state as its input.
 */
export function typecheckMigration(term: Term, from: Type, to: Type): TypecheckResult {
  return run(term, Unit, from, to, 'the new state type');
}

/** The output type of `term` at `state; input -> ?`; throws `TypecheckError` when it is ill-typed. */
export function inferType(term: Term, state: Type, input: Type): Type {
  const result = typecheck(term, { state, input });
  if (!result.ok) throw new TypecheckError(result.error);
  return result.typed.output;
}

/** Thrown by `inferType`; the message is the diagnostic's code, path and sentence. */
export class TypecheckError extends Error {
  override name = 'TypecheckError';
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.code} ${diagnostic.title} at ${formatPath(diagnostic.path)}: ${diagnostic.message}`);
  }
}

function run(term: Term, state: Type, input: Type, output: Type | undefined, outputBecause: string): TypecheckResult {
  const tooBig = checkLimits(term);
  if (tooBig !== null) return { ok: false, error: tooBig };
  const checker = new Checker(state);
  let typed: Typed;
  try {
    checker.bounded(state, 'the state type');
    checker.bounded(input, 'the input type');
    if (output !== undefined) checker.bounded(output, outputBecause);
    typed = checker.check(term, input);
  } catch (e) {
    if (e instanceof Reported) return { ok: false, error: e.diagnostic };
    throw e;
  }
  if (output !== undefined && !typeEquals(typed.output, output)) {
    const d = error('SM203', [], {
      found: typed.output,
      foundBecause: 'the output of the term',
      expected: output,
      expectedBecause: outputBecause,
      hint: fitHint(typed.output, output, typed),
    });
    return { ok: false, error: d };
  }
  return { ok: true, typed };
}

/**
 * Refuses a term deeper than TERM_LIMITS.maxDepth (the root is level 1, as in
 * `termDepth`) or with more than maxNodes nodes, before the checker sees it. It is `termDepth` and `termSize` fused into one walk that stops at
 * the first limit passed: a sub-term shared n times counts n times, so a small
 * object graph unfolding into 2^40 nodes is refused after maxNodes steps
 * instead of walked in full, and it allocates nothing per node.
 */
function checkLimits(root: Term): Diagnostic | null {
  const maxDepth = TERM_LIMITS.maxDepth;
  const maxNodes = TERM_LIMITS.maxNodes;
  const terms: Term[] = [root];
  const depths: number[] = [1];
  let nodes = 0;
  while (terms.length > 0) {
    const t = terms.pop()!;
    const depth = depths.pop()!;
    if (++nodes > maxNodes) return error('SM002', [], { limit: String(maxNodes) });
    if (depth > maxDepth) return error('SM001', [], { limit: String(maxDepth) });
    const fields = t as unknown as Record<string, unknown>;
    for (const name of SUBTERM_FIELDS[t.op]) {
      terms.push(fields[name] as Term);
      depths.push(depth + 1);
    }
    for (const name of SUBTERMS_FIELDS[t.op]) {
      const subs = fields[name] as Record<string, Term>;
      for (const key in subs) {
        terms.push(subs[key]);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}

/** Per op, the names of its fields holding one sub-term / named sub-terms (from OPS, computed once). */
const SUBTERM_FIELDS = fieldsOfKind('term');
const SUBTERMS_FIELDS = fieldsOfKind('terms');

function fieldsOfKind(kind: 'term' | 'terms'): Readonly<Record<Op, readonly string[]>> {
  const out = {} as Record<Op, readonly string[]>;
  for (const o of OP_NAMES) out[o] = OPS[o].fields.filter(([, k]) => k === kind).map(([n]) => n);
  return out;
}

/**
 * Bounds on every type the checker meets or infers. Within TERM_LIMITS a term
 * can still build huge types (each Copy doubles its input's type, a long chain
 * of InLeft nests one level per step); past these limits it is refused, so
 * comparing, printing and laying out types stays cheap and never overflows the
 * stack. Size counts a shared part once per occurrence, as printing would.
 */
export const TYPE_LIMITS = { maxDepth: 1000, maxSize: 100_000 } as const;

/** Measures pack depth * DEPTH_UNIT + size into one number; both are capped below DEPTH_UNIT. */
const DEPTH_UNIT = 2 ** 21;
const MEASURE_CAP = DEPTH_UNIT - 1;
const LEAF_MEASURE = DEPTH_UNIT + 1;

/**
 * Depth and size of types, memoised per type object for one typecheck run (a
 * Map dropped with the run: a long-lived WeakMap of short-lived types costs
 * more in garbage collection than re-measuring the few types given from outside).
 */
class Measures {
  private readonly known = new Map<Type, number>();

  of(t: Type): number {
    switch (t.kind) {
      case 'Unit':
      case 'Int':
      case 'Bool':
      case 'String':
        return LEAF_MEASURE;
      case 'Pair':
        return this.cached(t) ?? this.combine2(t, t.fst, t.snd);
      case 'Either':
        return this.cached(t) ?? this.combine2(t, t.left, t.right);
      case 'List':
        return this.cached(t) ?? this.combine2(t, t.elem, null);
      case 'Map':
        return this.cached(t) ?? this.combine2(t, t.key, t.value);
      case 'Record':
      case 'Variant':
        return this.cached(t) ?? this.measureFully(t);
      default:
        return unreachableKind(t);
    }
  }

  private cached(t: Type): number | undefined {
    return this.known.get(t);
  }

  /** The usual case: a type just built from parts already measured. */
  private combine2(t: Type, a: Type, b: Type | null): number {
    const ma = this.peek(a);
    const mb = b === null ? 0 : this.peek(b);
    if (ma < 0 || mb < 0) return this.measureFully(t);
    const m = combine(1 + (ma % DEPTH_UNIT) + (mb % DEPTH_UNIT), 1 + Math.max(Math.floor(ma / DEPTH_UNIT), Math.floor(mb / DEPTH_UNIT)));
    this.known.set(t, m);
    return m;
  }

  /** The measure if it is known without walking, else -1. */
  private peek(t: Type): number {
    switch (t.kind) {
      case 'Unit':
      case 'Int':
      case 'Bool':
      case 'String':
        return LEAF_MEASURE;
      default:
        return this.known.get(t) ?? -1;
    }
  }

  /** Iterative post-order walk, so a type nested 100,000 deep is measured, not overflowed on. */
  private measureFully(root: Type): number {
    const todo: Type[] = [root];
    while (todo.length > 0) {
      const t = todo[todo.length - 1];
      const ps = parts(t);
      let ready = true;
      for (const p of ps) {
        if (this.peek(p) < 0) {
          todo.push(p);
          ready = false;
        }
      }
      if (!ready) continue;
      todo.pop();
      let size = 1;
      let depth = 0;
      for (const p of ps) {
        const m = this.peek(p);
        size += m % DEPTH_UNIT;
        depth = Math.max(depth, Math.floor(m / DEPTH_UNIT));
      }
      this.known.set(t, combine(size, depth + 1));
    }
    return this.known.get(root)!;
  }
}

function combine(size: number, depth: number): number {
  return Math.min(depth, MEASURE_CAP) * DEPTH_UNIT + Math.min(size, MEASURE_CAP);
}

const NO_PARTS: readonly Type[] = Object.freeze([]);

function parts(t: Type): readonly Type[] {
  switch (t.kind) {
    case 'Unit':
    case 'Int':
    case 'Bool':
    case 'String':
      return NO_PARTS;
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
      return t.cases.map((f) => f.type);
    default:
      return unreachableKind(t);
  }
}

/** Carries a diagnostic out of the checker's loop; not an Error, so throwing it captures no stack trace. */
class Reported {
  constructor(readonly diagnostic: Diagnostic) {}
}

const NO_CHILDREN: readonly Typed[] = Object.freeze([]);
const EQ_OUTPUT = either(Unit, Unit);
const PARSE_INT_OUTPUT = either(Unit, Int);
const INT_PAIR = pair(Int, Int);
const BOOL_PAIR = pair(Bool, Bool);
const STRING_PAIR = pair(Str, Str);
const SLICE_INPUT = pair(Str, INT_PAIR);
const STRING_LIST = list(Str);
/** The rule `record()` in types.ts applies to field names, checked here so a bad name is a diagnostic, not a throw. */
const FIELD_NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;
/** Ops with sub-terms: each gets a Frame while its sub-terms are checked; the rest are typed by `leafOp`. */
type BranchOp = 'Compose' | 'First' | 'Second' | 'Case' | 'Fanout' | 'If' | 'Unleft' | 'ListMap' | 'Fold' | 'Record' | 'Match';
type BranchTerm = Extract<Term, { op: BranchOp }>;
type LeafTerm = Exclude<Term, { op: BranchOp }>;
type PairType = Type & { kind: 'Pair' };
type EitherType = Type & { kind: 'Either' };
type ListType = Type & { kind: 'List' };
type VariantType = Type & { kind: 'Variant' };
const NO_NAMES: readonly string[] = Object.freeze([]);
const ID: Term = Object.freeze({ op: 'Id' });
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A node with sub-terms whose checking is under way. */
class Frame {
  /** Typed sub-terms, in evaluation order (Compose: right, then left). */
  readonly checked: Typed[] = [];
  constructor(
    readonly term: BranchTerm,
    /** Its shape (a pair for First, an Either for Case, …) was checked on entry, so `next` and `finish` may narrow it. */
    readonly input: Type,
    /** Record fields / Match cases in sorted order. */
    readonly names: readonly string[],
    readonly from: string,
    readonly producer: Typed | null,
    readonly label: string | null,
  ) {}
}

class Checker {
  /** Labels from the root to the node being checked; copied only when a diagnostic is raised. */
  private readonly path: string[] = [];
  private readonly stack: Frame[] = [];
  private readonly measures = new Measures();
  // The sub-term `next` chose, kept in fields so choosing allocates nothing.
  private nextTerm: Term = ID;
  private nextInput: Type = Unit;
  private nextFrom = '';
  private nextProducer: Typed | null = null;
  private nextLabel = '';

  constructor(private readonly state: Type) {}

  private fail<C extends DiagnosticCode>(code: C, args: DiagnosticArgs<C>): never {
    throw new Reported(error(code, this.path, args));
  }

  /**
   * Types a whole term without recursion: `stack` holds one frame per
   * unfinished node that has sub-terms, so nesting depth costs heap, never
   * call stack (a server may typecheck a maximally deep upgrade while deep in
   * its own calls). Sub-terms are visited in evaluation order.
   */
  check(root: Term, input: Type): Typed {
    const stack = this.stack;
    let done = this.enter(root, input, 'the input type', null, null);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (done !== null) frame.checked.push(done);
      if (this.next(frame)) {
        done = this.enter(this.nextTerm, this.nextInput, this.nextFrom, this.nextProducer, this.nextLabel);
      } else {
        done = this.finish(frame);
        this.bounded(done.output, frame.term.op);
        stack.pop();
        this.path.pop();
        if (frame.label !== null) this.path.pop();
      }
    }
    return done!;
  }

  /**
   * Starts checking `t`: a node without sub-terms is typed at once; a node
   * with sub-terms gets its input's shape checked and a frame (answers null).
   * `from` says where `a` came from and `producer` is the typed term that
   * produced it, when there is one: both only feed diagnostics.
   */
  private enter(t: Term, a: Type, from: string, producer: Typed | null, label: string | null): Typed | null {
    if (label !== null) this.path.push(label);
    this.path.push(t.op);
    let names: readonly string[] = NO_NAMES;
    switch (t.op) {
      case 'Compose':
      case 'Fanout':
      case 'Unleft':
        break;
      case 'First':
        this.pair(t, a, from, '(a, c)');
        break;
      case 'Second':
        this.pair(t, a, from, '(a, b)');
        break;
      case 'Case':
        this.either(t, a, from, 'Either a b');
        break;
      case 'If': {
        const p = this.pair(t, a, from, '(a, Bool)');
        if (p.snd.kind !== 'Bool') this.mismatch(t, a, pair(p.fst, Bool), from, producer);
        break;
      }
      case 'ListMap':
        this.list(t, a, from);
        break;
      case 'Fold': {
        const p = this.pair(t, a, from, '(b, List a)');
        if (p.snd.kind !== 'List') {
          this.fail('SM102', { op: t.op, shape: 'a pair of an accumulator and a list', found: a, foundBecause: from, expectedShape: '(b, List a)', expectedBecause: 'the input of Fold' });
        }
        break;
      }
      case 'Record':
        names = this.recordNames(t);
        break;
      case 'Match':
        names = this.matchNames(t, a, from);
        break;
      default: {
        const typed = this.leafOp(t, a, from, producer);
        this.bounded(typed.output, t.op);
        this.path.pop();
        if (label !== null) this.path.pop();
        return typed;
      }
    }
    this.stack.push(new Frame(t, a, names, from, producer, label));
    return null;
  }

  /** Sets `next*` to the frame's next sub-term to check, in evaluation order; false when all are checked. */
  private next(frame: Frame): boolean {
    const t = frame.term;
    const i = frame.checked.length;
    const a = frame.input;
    switch (t.op) {
      case 'Compose':
        if (i === 0) return this.child(t.right, a, frame.from, frame.producer, 'right');
        if (i === 1) return this.child(t.left, frame.checked[0].output, 'the output of right', frame.checked[0], 'left');
        return false;
      case 'Fanout':
        if (i === 0) return this.child(t.left, a, frame.from, frame.producer, 'left');
        if (i === 1) return this.child(t.right, a, frame.from, frame.producer, 'right');
        return false;
      case 'First':
        return i === 0 && this.child(t.body, (a as PairType).fst, "the first component of First's input", null, 'body');
      case 'Second':
        return i === 0 && this.child(t.body, (a as PairType).snd, "the second component of Second's input", null, 'body');
      case 'Case': {
        const e = a as EitherType;
        if (i === 0) return this.child(t.left, e.left, "the Left side of Case's input", null, 'branch 1');
        if (i === 1) return this.child(t.right, e.right, "the Right side of Case's input", null, 'branch 2');
        return false;
      }
      case 'If': {
        const x = (a as PairType).fst;
        if (i === 0) return this.child(t.onTrue, x, "the first component of If's input", null, 'onTrue');
        if (i === 1) return this.child(t.onFalse, x, "the first component of If's input", null, 'onFalse');
        return false;
      }
      case 'Unleft':
        return i === 0 && this.child(t.body, this.bounded(either(a, t.type), 'the loop value of Unleft'), "Unleft's loop value: Left its input, or Right its loop type", null, 'body');
      case 'ListMap':
        return i === 0 && this.child(t.body, (a as ListType).elem, "an element of ListMap's input", null, 'body');
      case 'Fold': {
        const p = a as PairType;
        return i === 0 && this.child(t.body, this.bounded(pair(p.fst, (p.snd as ListType).elem), 'the input of Fold\'s body'), "(accumulator, element) from Fold's input", null, 'body');
      }
      case 'Record': {
        if (i === frame.names.length) return false;
        const name = frame.names[i];
        return this.child(t.fields[name], a, frame.from, frame.producer, `field ${name}`);
      }
      case 'Match': {
        const cases = (a as VariantType).cases;
        // Each case's output is compared as soon as it is known, so the first case that differs is the one reported.
        if (i >= 2) this.sameCaseOutputs(frame.checked, cases, i - 1);
        if (i === cases.length) return false;
        const name = cases[i].name;
        return this.child(t.cases[name], cases[i].type, `the payload of case ${name}`, null, `case ${name}`);
      }
      default:
        return unreachableKind(t);
    }
  }

  /**
   * Refuses a type past TYPE_LIMITS. `what` is an op (whose output `t` is) or
   * a phrase. Measures are cached per type object, so this is one Map
   * lookup for a type seen before.
   */
  bounded(t: Type, what: string): Type {
    const m = this.measures.of(t);
    const depth = Math.floor(m / DEPTH_UNIT);
    const size = m % DEPTH_UNIT;
    if (depth <= TYPE_LIMITS.maxDepth && size <= TYPE_LIMITS.maxSize) return t;
    return this.fail('SM003', {
      what: /^[A-Z]/.test(what) ? `The output of ${what}` : what.charAt(0).toUpperCase() + what.slice(1),
      why: depth > TYPE_LIMITS.maxDepth ? `nested more than ${TYPE_LIMITS.maxDepth} levels deep` : `with more than ${TYPE_LIMITS.maxSize} parts written out`,
    });
  }

  private child(t: Term, input: Type, from: string, producer: Typed | null, label: string): true {
    this.nextTerm = t;
    this.nextInput = input;
    this.nextFrom = from;
    this.nextProducer = producer;
    this.nextLabel = label;
    return true;
  }

  /** The typed node of a frame whose sub-terms are all checked; `children` in the order of `children(term)`. */
  private finish(frame: Frame): Typed {
    const t = frame.term;
    const a = frame.input;
    const c = frame.checked;
    switch (t.op) {
      case 'Compose':
        return node(t, a, c[1].output, [c[1], c[0]]);
      case 'Fanout':
        return node(t, a, pair(c[0].output, c[1].output), c);
      case 'First': {
        const p = a as PairType;
        return node(t, a, c[0].output === p.fst ? a : pair(c[0].output, p.snd), c);
      }
      case 'Second': {
        const p = a as PairType;
        return node(t, a, c[0].output === p.snd ? a : pair(p.fst, c[0].output), c);
      }
      case 'Case': {
        const e = a as EitherType;
        return node(t, a, c[0].output === e.left && c[1].output === e.right ? a : either(c[0].output, c[1].output), c);
      }
      case 'If':
        if (!typeEquals(c[1].output, c[0].output)) {
          this.fail('SM201', { found: c[1].output, foundBecause: 'the output of onFalse', expected: c[0].output, expectedBecause: 'the output of onTrue' });
        }
        return node(t, a, c[0].output, c);
      case 'Unleft': {
        const out = c[0].output;
        if (out.kind !== 'Either' || !typeEquals(out.right, t.type)) {
          return this.fail('SM205', {
            loop: showType(t.type),
            found: out,
            foundBecause: 'the output of body',
            ...(out.kind === 'Either' ? { expected: either(out.left, t.type) } : { expectedShape: `Either b ${asArgument(t.type)}` }),
            expectedBecause: "Unleft's loop type",
          });
        }
        return node(t, a, out.left, c);
      }
      case 'ListMap': {
        const l = a as ListType;
        return node(t, a, c[0].output === l.elem ? a : list(c[0].output), c);
      }
      case 'Fold': {
        const acc = (a as PairType).fst;
        if (!typeEquals(c[0].output, acc)) {
          this.fail('SM204', { found: c[0].output, foundBecause: 'the output of body', expected: acc, expectedBecause: "the accumulator, first component of Fold's input" });
        }
        return node(t, a, acc, c);
      }
      case 'Record': {
        const fields: Field[] = [];
        for (let i = 0; i < c.length; i++) fields.push({ name: frame.names[i], type: c[i].output });
        return node(t, a, { kind: 'Record', fields }, c);
      }
      case 'Match':
        return node(t, a, c[0].output, c);
      default:
        return unreachableKind(t);
    }
  }

  /** Record field names, sorted (the order of `children`), each valid in a record type. */
  private recordNames(t: TermOf<'Record'>): string[] {
    const names = Object.keys(t.fields).sort(byName);
    if (names.length === 0) this.fail('SM302', {});
    for (const name of names) if (!FIELD_NAME.test(name)) this.fail('SM303', { name: JSON.stringify(name) });
    return names;
  }

  /** Checks that Match's cases are exactly the cases of its input variant. */
  private matchNames(t: TermOf<'Match'>, a: Type, from: string): string[] {
    const names = Object.keys(t.cases).sort(byName);
    if (names.length === 0) this.fail('SM309', {});
    if (a.kind !== 'Variant') {
      return this.fail('SM102', {
        op: t.op,
        shape: 'a variant',
        found: a,
        foundBecause: from,
        expectedShape: `<${names.map((n, i) => `${n}: t${i + 1}`).join(', ')}>`,
        expectedBecause: 'the cases of Match',
        hint: a.kind === 'Either' ? 'An Either is taken apart with Case; Match takes a variant.' : undefined,
      });
    }
    const cases = a.cases;
    const extra = names.filter((n) => !cases.some((c) => c.name === n));
    const missing = cases.filter((c) => !Object.prototype.hasOwnProperty.call(t.cases, c.name));
    if (extra.length > 0) {
      const guess = missing.length > 0 ? closestName(extra[0], missing.map((c) => c.name)) : undefined;
      this.fail('SM308', {
        names: listWords(extra),
        found: a,
        foundBecause: from,
        hint: guess !== undefined ? `did you mean ${guess}? The variant has a case ${guess} and no case ${extra[0]}.` : `The variant's cases are ${listWords(cases.map((c) => c.name))}.`,
      });
    }
    if (missing.length > 0) {
      this.fail('SM307', {
        names: listWords(missing.map((c) => c.name)),
        found: a,
        foundBecause: from,
        hint: `Add a case for each: ${missing.map((c) => `${c.name}, taking ${showType(c.type)}`).join('; ')}.`,
      });
    }
    // Same names, both sorted: case i of the term is case i of the variant.
    return names;
  }

  private sameCaseOutputs(checked: readonly Typed[], cases: readonly Field[], i: number): void {
    if (!typeEquals(checked[i].output, checked[0].output)) {
      this.fail('SM202', {
        found: checked[i].output,
        foundBecause: `the output of case ${cases[i].name}`,
        expected: checked[0].output,
        expectedBecause: `the output of case ${cases[0].name}`,
      });
    }
  }

  /** Ops without sub-terms: typed on the spot. */
  private leafOp(t: LeafTerm, a: Type, from: string, producer: Typed | null): Typed {
    switch (t.op) {
      case 'Id':
        return leaf(t, a, a);
      case 'Fst':
        return leaf(t, a, this.pair(t, a, from, '(a, b)').fst);
      case 'Snd':
        return leaf(t, a, this.pair(t, a, from, '(a, b)').snd);
      case 'Int': {
        const v: unknown = t.value;
        if (typeof v !== 'bigint' || v < INT_MIN || v > INT_MAX) this.fail('SM402', { value: String(v) });
        this.exactly(t, a, Unit, from, producer);
        return leaf(t, a, Int);
      }
      case 'Copy':
        return leaf(t, a, pair(a, a));
      case 'Incr':
      case 'Decr':
      case 'Neg':
        this.exactly(t, a, Int, from, producer);
        return leaf(t, a, Int);
      case 'Consume':
        return leaf(t, a, Unit);
      case 'Get':
        this.exactly(t, a, Unit, from, producer);
        return leaf(t, a, this.state);
      case 'Put':
        this.exactly(t, a, this.state, from, producer, 'the state type', putHint(a, this.state));
        return leaf(t, a, Unit);
      case 'Bool':
        return leaf(t, a, Bool);
      case 'Not':
        this.exactly(t, a, Bool, from, producer);
        return leaf(t, a, Bool);
      case 'Read':
        this.exactly(t, a, Str, from, producer, undefined, typeEquals(a, t.type) ? `The input already is ${article(t.type)}: no Read is needed.` : undefined);
        return leaf(t, a, t.type);
      case 'Show':
        if (!typeEquals(a, t.type)) {
          this.fail('SM403', {
            found: a,
            foundBecause: from,
            expected: t.type,
            expectedBecause: "Show's type annotation",
            hint: `Annotate Show with the type of its input: Show(${showType(a)}).`,
          });
        }
        return leaf(t, a, Str);
      case 'Eq':
        this.sameComponents(t, a, from);
        return leaf(t, a, EQ_OUTPUT);
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Mod':
        this.exactly(t, a, INT_PAIR, from, producer);
        return leaf(t, a, Int);
      case 'Lt':
      case 'Le':
      case 'Gt':
      case 'Ge':
      case 'Equal':
        this.sameComponents(t, a, from);
        return leaf(t, a, Bool);
      case 'And':
      case 'Or':
        this.exactly(t, a, BOOL_PAIR, from, producer);
        return leaf(t, a, Bool);
      case 'Concat':
        this.exactly(t, a, STRING_PAIR, from, producer);
        return leaf(t, a, Str);
      case 'StrLength':
        this.exactly(t, a, Str, from, producer);
        return leaf(t, a, Int);
      case 'Slice':
        this.exactly(t, a, SLICE_INPUT, from, producer);
        return leaf(t, a, Str);
      case 'Split':
        this.exactly(t, a, STRING_PAIR, from, producer);
        return leaf(t, a, STRING_LIST);
      case 'ParseInt':
        this.exactly(t, a, Str, from, producer);
        return leaf(t, a, PARSE_INT_OUTPUT);
      case 'ShowInt':
        this.exactly(t, a, Int, from, producer);
        return leaf(t, a, Str);
      case 'InLeft':
        return leaf(t, a, either(a, t.type));
      case 'InRight':
        return leaf(t, a, either(t.type, a));
      case 'Merge': {
        const e = this.either(t, a, from, 'Either a a');
        if (!typeEquals(e.right, e.left)) {
          this.fail('SM107', { found: e.right, foundBecause: 'the Right side', expected: e.left, expectedBecause: 'the Left side' });
        }
        return leaf(t, a, e.left);
      }
      case 'Distr': {
        const shape = '(a, Either b c) or (a, <n: t, …>)';
        const p = this.pair(t, a, from, shape);
        const s = p.snd;
        if (s.kind === 'Either') return leaf(t, a, either(pair(p.fst, s.left), pair(p.fst, s.right)));
        if (s.kind === 'Variant') {
          const cases: Field[] = s.cases.map((c) => ({ name: c.name, type: pair(p.fst, c.type) }));
          return leaf(t, a, { kind: 'Variant', cases });
        }
        return this.fail('SM102', { op: t.op, shape: 'a pair whose second component is an Either or a variant', found: a, foundBecause: from, expectedShape: shape, expectedBecause: `the input of ${t.op}` });
      }
      case 'Nil':
        return leaf(t, a, list(t.type));
      case 'Cons': {
        const p = this.pair(t, a, from, '(e, List e)');
        if (p.snd.kind !== 'List') return this.mismatch(t, a, pair(p.fst, list(p.fst)), from, producer);
        if (!typeEquals(p.fst, p.snd.elem)) {
          this.fail('SM104', {
            found: p.fst,
            foundBecause: 'the element, first component of the input',
            expected: p.snd.elem,
            expectedBecause: 'the elements of the list, second component of the input',
          });
        }
        return leaf(t, a, p.snd);
      }
      case 'Uncons': {
        const l = this.list(t, a, from);
        return leaf(t, a, either(Unit, pair(l.elem, a)));
      }
      case 'ListLength':
        this.list(t, a, from);
        return leaf(t, a, Int);
      case 'Append': {
        const p = this.pair(t, a, from, '(List e, List e)');
        if (p.fst.kind !== 'List') this.fail('SM102', { op: t.op, shape: 'a pair of lists', found: a, foundBecause: from, expectedShape: '(List e, List e)', expectedBecause: `the input of ${t.op}` });
        this.sameComponents(t, a, from);
        return leaf(t, a, p.fst);
      }
      case 'Reverse':
        this.list(t, a, from);
        return leaf(t, a, a);
      case 'MapEmpty':
        return leaf(t, a, map(t.key, t.type));
      case 'MapInsert': {
        const shape = '(Map k v, (k, v))';
        const { fst: m, snd: entry } = this.mapAndKey(t, a, from, shape);
        if (entry.kind !== 'Pair') return this.mismatch(t, a, pair(m, pair(m.key, m.value)), from, producer);
        this.sameKey(t, m, entry.fst);
        if (!typeEquals(entry.snd, m.value)) {
          this.fail('SM106', { found: entry.snd, foundBecause: 'the value', expected: m.value, expectedBecause: 'the value type of the map' });
        }
        return leaf(t, a, m);
      }
      case 'MapLookup': {
        const { fst: m, snd: key } = this.mapAndKey(t, a, from, '(Map k v, k)');
        this.sameKey(t, m, key);
        return leaf(t, a, either(Unit, m.value));
      }
      case 'MapDelete': {
        const { fst: m, snd: key } = this.mapAndKey(t, a, from, '(Map k v, k)');
        this.sameKey(t, m, key);
        return leaf(t, a, m);
      }
      case 'MapSize':
        this.map(t, a, from);
        return leaf(t, a, Int);
      case 'MapKeys':
        return leaf(t, a, list(this.map(t, a, from).key));
      case 'MapToList': {
        const m = this.map(t, a, from);
        return leaf(t, a, list(pair(m.key, m.value)));
      }
      case 'MapFromList': {
        const shape = 'List (k, v)';
        if (a.kind !== 'List' || a.elem.kind !== 'Pair') {
          return this.fail('SM102', { op: t.op, shape: 'a list of pairs', found: a, foundBecause: from, expectedShape: shape, expectedBecause: `the input of ${t.op}` });
        }
        return leaf(t, a, map(a.elem.fst, a.elem.snd));
      }
      case 'Field': {
        const r = this.record(t, a, from, t.name);
        return leaf(t, a, this.fieldOf(t, r, t.name, from).type);
      }
      case 'SetField': {
        const p = this.pair(t, a, from, `({${t.name}: t, …}, t)`);
        const r = p.fst;
        if (r.kind !== 'Record') {
          return this.fail('SM102', { op: t.op, shape: 'a pair of a record and a value', found: a, foundBecause: from, expectedShape: `({${t.name}: t, …}, t)`, expectedBecause: `the input of ${t.op}` });
        }
        const field = this.fieldOf(t, r, t.name, from);
        if (!typeEquals(p.snd, field.type)) {
          this.fail('SM108', {
            name: t.name,
            found: p.snd,
            foundBecause: 'the value, second component of the input',
            expected: field.type,
            expectedBecause: `the type of field ${t.name}`,
          });
        }
        return leaf(t, a, r);
      }
      case 'Inject': {
        const v = t.type;
        if (v.kind !== 'Variant') {
          return this.fail('SM306', { name: t.name, found: v, foundBecause: "Inject's type annotation", expectedShape: `<${t.name}: t, …>` });
        }
        const c = v.cases.find((k) => k.name === t.name);
        if (c === undefined) {
          return this.fail('SM304', {
            name: t.name,
            expected: v,
            expectedBecause: "Inject's type annotation",
            hint: suggestName(t.name, v.cases, 'case', (n) => `Inject(${n}, …)`),
          });
        }
        if (!typeEquals(a, c.type)) {
          this.fail('SM305', {
            name: t.name,
            found: a,
            foundBecause: from,
            expected: c.type,
            expectedBecause: `the payload of case ${t.name}`,
            hint: fitHint(a, c.type, producer),
          });
        }
        return leaf(t, a, v);
      }
      case 'Const':
        if (!isValueOf(t.type, t.value)) {
          this.fail('SM401', { value: describeValue(t.value), expected: t.type, expectedBecause: "Const's type annotation" });
        }
        return leaf(t, a, t.type);
      case 'Fail':
        return leaf(t, a, t.type);
      default:
        return unreachableKind(t);
    }
  }

  /** Requires `a` to be `expected` (SM101). */
  private exactly(t: Term, a: Type, expected: Type, from: string, producer: Typed | null, because?: string, hint?: string): void {
    if (!typeEquals(a, expected)) this.mismatch(t, a, expected, from, producer, because, hint);
  }

  private mismatch(t: Term, a: Type, expected: Type, from: string, producer: Typed | null, because?: string, hint?: string): never {
    const op = t.op;
    let h = hint;
    if (h === undefined && (op === 'Get' || op === 'Int')) {
      const self = op === 'Int' ? `Int(${t.value})` : 'Get';
      h = `${op} takes (): discard the input first, as in Compose(${self}, Consume).`;
    }
    return this.fail('SM101', {
      op,
      found: a,
      foundBecause: from,
      expected,
      expectedBecause: because ?? `the input of ${op}`,
      hint: h ?? fitHint(a, expected, producer),
    });
  }

  private pair(t: Term, a: Type, from: string, shape: string): Type & { kind: 'Pair' } {
    if (a.kind === 'Pair') return a;
    return this.fail('SM102', { op: t.op, shape: 'a pair', found: a, foundBecause: from, expectedShape: shape, expectedBecause: `the input of ${t.op}`, hint: shapeHint(a, 'Pair') });
  }

  private either(t: Term, a: Type, from: string, shape: string): Type & { kind: 'Either' } {
    if (a.kind === 'Either') return a;
    return this.fail('SM102', { op: t.op, shape: 'an Either', found: a, foundBecause: from, expectedShape: shape, expectedBecause: `the input of ${t.op}`, hint: shapeHint(a, 'Either') });
  }

  private list(t: Term, a: Type, from: string): Type & { kind: 'List' } {
    if (a.kind === 'List') return a;
    return this.fail('SM102', { op: t.op, shape: 'a list', found: a, foundBecause: from, expectedShape: 'List e', expectedBecause: `the input of ${t.op}`, hint: shapeHint(a, 'List') });
  }

  private map(t: Term, a: Type, from: string): Type & { kind: 'Map' } {
    if (a.kind === 'Map') return a;
    return this.fail('SM102', { op: t.op, shape: 'a map', found: a, foundBecause: from, expectedShape: 'Map k v', expectedBecause: `the input of ${t.op}`, hint: shapeHint(a, 'Map') });
  }

  private record(t: Term, a: Type, from: string, name: string): Type & { kind: 'Record' } {
    if (a.kind === 'Record') return a;
    return this.fail('SM102', { op: t.op, shape: 'a record', found: a, foundBecause: from, expectedShape: `{${name}: t, …}`, expectedBecause: `the input of ${t.op}` });
  }

  /** An input `(Map k v, …)`. */
  private mapAndKey(t: Term, a: Type, from: string, shape: string): { readonly fst: Type & { kind: 'Map' }; readonly snd: Type } {
    if (a.kind === 'Pair' && a.fst.kind === 'Map') return { fst: a.fst, snd: a.snd };
    return this.fail('SM102', { op: t.op, shape: 'a pair of a map and a key', found: a, foundBecause: from, expectedShape: shape, expectedBecause: `the input of ${t.op}` });
  }

  private sameKey(t: Term, m: Type & { kind: 'Map' }, key: Type): void {
    if (!typeEquals(key, m.key)) {
      this.fail('SM105', { op: t.op, found: key, foundBecause: 'the key', expected: m.key, expectedBecause: 'the key type of the map' });
    }
  }

  private sameComponents(t: Term, a: Type, from: string): void {
    const p = this.pair(t, a, from, t.op === 'Append' ? '(List e, List e)' : '(a, a)');
    if (!typeEquals(p.snd, p.fst)) {
      this.fail('SM103', { op: t.op, found: p.snd, foundBecause: 'the second component', expected: p.fst, expectedBecause: 'the first component' });
    }
  }

  private fieldOf(t: Term, r: Type & { kind: 'Record' }, name: string, from: string): Field {
    const field = r.fields.find((f) => f.name === name);
    if (field !== undefined) return field;
    return this.fail('SM301', {
      op: t.op,
      name,
      found: r,
      foundBecause: from,
      hint: suggestName(name, r.fields, 'field', (n) => `${t.op}(${n})`),
    });
  }
}

function leaf(term: Term, input: Type, output: Type): Typed {
  return { term, input, output, children: NO_CHILDREN };
}

function node(term: Term, input: Type, output: Type, children: readonly Typed[]): Typed {
  return { term, input, output, children };
}

// ---------------------------------------------------------------------------
// Hints: computed only once a diagnostic is raised.

/** The step that runs last in a typed term: the left end of a chain of Composes. */
function lastStep(typed: Typed): Typed {
  let t = typed;
  while (t.term.op === 'Compose') t = t.children[0];
  return t;
}

/** Why a value of type `found` is not the `expected` one, and the likely fix. */
function fitHint(found: Type, expected: Type, producer: Typed | null): string | undefined {
  if (producer !== null) {
    const last = lastStep(producer);
    const input = last.input;
    switch (last.term.op) {
      case 'Fst':
        if (input.kind === 'Pair' && typeEquals(input.snd, expected)) return `did you mean Snd? Fst takes the first component of ${showType(input)}; the second is the ${showType(expected)} wanted here.`;
        break;
      case 'Snd':
        if (input.kind === 'Pair' && typeEquals(input.fst, expected)) return `did you mean Fst? Snd takes the second component of ${showType(input)}; the first is the ${showType(expected)} wanted here.`;
        break;
      case 'Field': {
        const other = input.kind === 'Record' ? input.fields.find((f) => typeEquals(f.type, expected)) : undefined;
        if (other !== undefined) return `did you mean Field(${other.name})? It is the field of type ${showType(expected)}.`;
        break;
      }
      case 'Put':
        if (found.kind === 'Unit') return 'Put answers (): to go on with the new state, read it back, as in Compose(Get, Put).';
        break;
      case 'Consume':
        if (found.kind === 'Unit') return 'Consume discards its input and answers ().';
        break;
    }
  }
  if (found.kind === 'Pair') {
    if (typeEquals(found.fst, expected)) return `The first component of ${showType(found)} is the ${showType(expected)} wanted here: take it with Fst first.`;
    if (typeEquals(found.snd, expected)) return `The second component of ${showType(found)} is the ${showType(expected)} wanted here: take it with Snd first.`;
  }
  if (expected.kind === 'Int' && found.kind === 'String') return 'ParseInt or Read(Int) turns a String into an Int.';
  if (expected.kind === 'String' && found.kind !== 'String') return `Show(${showType(found)}) turns ${article(found)} into a String.`;
  if (expected.kind === 'Bool' && typeEquals(found, EQ_OUTPUT)) return 'Eq answers Either () (); Equal answers a Bool.';
  return undefined;
}

/** Put replaces the whole state; a value that fits one component is a partial update. */
function putHint(found: Type, state: Type): string | undefined {
  if (state.kind !== 'Pair') return undefined;
  if (typeEquals(found, state.fst)) return 'Put replaces the whole state. To change only its first component: Compose(Put, Compose(First(…), Get)).';
  if (typeEquals(found, state.snd)) return 'Put replaces the whole state. To change only its second component: Compose(Put, Compose(Second(…), Get)).';
  return undefined;
}

/** How to get the kind of value an op needs from the kind it got. */
function shapeHint(found: Type, wanted: 'Pair' | 'Either' | 'List' | 'Map'): string | undefined {
  if (wanted === 'Pair' && found.kind === 'Either') return 'An Either is taken apart with Case or Merge.';
  if (wanted === 'Pair' && found.kind === 'Record') return 'A record is taken apart with Field.';
  if (wanted === 'Either' && found.kind === 'Variant') return 'A variant is taken apart with Match.';
  if (found.kind === 'Unit') return `The input is (): something before this discards its value (Consume, Put) or this runs where no value is given.`;
  return undefined;
}

function suggestName(name: string, known: readonly Field[], what: 'field' | 'case', spell: (n: string) => string): string {
  const guess = closestName(
    name,
    known.map((f) => f.name),
  );
  if (guess !== undefined) return `did you mean ${spell(guess)}?`;
  return `The ${what}s are ${listWords(known.map((f) => f.name))}.`;
}

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function article(t: Type): string {
  const s = showType(t);
  if (/^[A-Z]/.test(s)) return `${/^[AEIOU]/.test(s) ? 'an' : 'a'} ${s}`;
  return `a value of type ${s}`;
}

function asArgument(t: Type): string {
  const s = showType(t);
  return /^(Either|List|Map) /.test(s) ? `(${s})` : s;
}

/** A short, never-throwing rendering of a value that may be ill-formed (it failed `isValueOf`). */
function describeValue(v: unknown): string {
  const s = describe(v, 4);
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

function describe(v: unknown, depth: number): string {
  if (depth === 0) return '…';
  if (v === null) return '()';
  if (v === undefined) return 'nothing';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return `${v} (a JavaScript number, not a bigint)`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof PMap) return `fromList [${v.entries().map(([k, x]) => `(${describe(k, depth - 1)},${describe(x, depth - 1)})`).join(',')}]`;
  if (Array.isArray(v)) return `[${v.map((e) => describe(e, depth - 1)).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.tag === 'string' && 'value' in o && Object.keys(o).length === 2) return `${o.tag} ${describe(o.value, depth - 1)}`;
    return `{${Object.keys(o).map((k) => `${k} = ${describe(o[k], depth - 1)}`).join(', ')}}`;
  }
  return String(v);
}
