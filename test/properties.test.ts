// Properties of the language over random well-typed terms (test/gen/typed-terms.ts):
//
//   generated term, state s, input a, output b
//     => typecheck(term, { state: s, input: a }) gives exactly b
//     => the interpreter runs it on ≥ 10 inputs without throwing; a failed item keeps the state
//     => states and outputs round-trip through the canonical layout
//     => the term round-trips through its JSON form and the seed syntax
//
// Runs per property: SMWASM_PROPERTY_RUNS (default 300). A failure prints
// fast-check's seed and path; replay with SMWASM_PROPERTY_SEED=<seed>.
// The distribution of what was generated (depth, every op's count, error
// shares) is printed once per run.

import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { typecheck, typecheckMigration } from '../compiler/typecheck.ts';
import { interpreter, step } from '../compiler/interpret.ts';
import { decodeValue, encodeValue } from '../compiler/layout.ts';
import { parseTermSeed, showTermSeed } from '../compiler/seed-syntax.ts';
import { children, OP_NAMES, OPS, type Op, termDepth, termFromJson, termToJson, type Term } from '../compiler/terms.ts';
import { showType, type Type, typeEquals, Unit } from '../compiler/types.ts';
import { isValueOf, type Value, valueEquals } from '../compiler/values.ts';
import { arbType } from './arbitraries.ts';
import { arbTypedTerm, DEFAULT_MAX_DEPTH, type GeneratedTerm, propertyRuns } from './gen/typed-terms.ts';
import { GenerationStats } from './gen/stats.ts';
import { expectSameTrace, forEachMachineCase, MAX_STATE_BYTES, traceMachineCase, type TraceItem } from './gen/trace.ts';

const RUNS = propertyRuns();
const SEED = process.env.SMWASM_PROPERTY_SEED ? Number(process.env.SMWASM_PROPERTY_SEED) : undefined;
const params = (numRuns = RUNS): fc.Parameters<unknown> => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

/** A term for a random state type and input type. */
const arbTermAnyTypes: fc.Arbitrary<GeneratedTerm> = fc
  .tuple(arbType({ maxDepth: 2 }), arbType({ maxDepth: 2 }))
  .chain(([state, input]) => arbTypedTerm({ state, input }));

const termStats = new GenerationStats();
const machineStats = new GenerationStats();

afterAll(() => {
  console.log(`${termStats.report('generated terms (typecheck property)')}\n\n${machineStats.report('generated machines (interpreter property)')}`);
});

function opsIn(term: Term): Set<Op> {
  const seen = new Set<Op>();
  const todo = [term];
  while (todo.length > 0) {
    const t = todo.pop()!;
    seen.add(t.op);
    for (const [, sub] of children(t)) todo.push(sub);
  }
  return seen;
}

function checkedOutput(g: { term: Term; state: Type; input: Type }): Type {
  const r = typecheck(g.term, { state: g.state, input: g.input });
  if (!r.ok) throw new Error(`generated term does not typecheck: ${formatDiagnostic(r.error)}\n${showTermSeed(g.term)}`);
  return r.typed.output;
}

describe('the term generator', () => {
  it('covers every op of the catalogue (fixed seed, 300 terms)', () => {
    const stats = new GenerationStats();
    const terms = fc.sample(arbTermAnyTypes, { numRuns: 300, seed: 20240611 });
    for (const g of terms) stats.addTerm(g.term);
    expect(stats.missingOps()).toEqual([]);
  });

  it('keeps within maxDepth and the allowed ops, and builds a requested output type', () => {
    const arbOptions = fc.record({
      state: arbType({ maxDepth: 2 }),
      input: arbType({ maxDepth: 2 }),
      output: fc.option(arbType({ maxDepth: 2 }), { nil: undefined }),
      maxDepth: fc.integer({ min: 1, max: 16 }),
      ops: fc.option(fc.subarray(OP_NAMES).map((ops) => [...new Set<Op>([...ops, 'Compose', 'Const'])]), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        arbOptions.chain((opts) => arbTypedTerm(opts).map((g) => ({ opts, g }))),
        ({ opts, g }) => {
          expect(termDepth(g.term)).toBeLessThanOrEqual(opts.maxDepth);
          if (opts.ops) for (const op of opsIn(g.term)) expect(opts.ops).toContain(op);
          if (opts.output) expect(typeEquals(g.output, opts.output)).toBe(true);
          expect(showType(checkedOutput(g))).toBe(showType(g.output));
        },
      ),
      params(),
    );
  });

  it('builds state migrations (unit state, old state in, new state out) that typecheck as migrations', () => {
    fc.assert(
      fc.property(
        fc.tuple(arbType({ maxDepth: 2 }), arbType({ maxDepth: 2 })).chain(([from, to]) => arbTypedTerm({ state: Unit, input: from, output: to })),
        (g) => {
          const r = typecheckMigration(g.term, g.input, g.output);
          if (!r.ok) throw new Error(`generated migration does not typecheck: ${formatDiagnostic(r.error)}\n${showTermSeed(g.term)}`);
        },
      ),
      params(Math.ceil(RUNS / 3)),
    );
  });
});

describe('generated terms', () => {
  it('typecheck to exactly the output type the generator built, within the depth bound', () => {
    fc.assert(
      fc.property(arbTermAnyTypes, (g) => {
        termStats.addTerm(g.term);
        expect(termDepth(g.term)).toBeLessThanOrEqual(DEFAULT_MAX_DEPTH);
        const output = checkedOutput(g);
        if (!typeEquals(output, g.output)) throw new Error(`typechecker says ${showType(output)}, generator says ${showType(g.output)}`);
      }),
      params(),
    );
  });

  it('run on the interpreter without throwing; failed items keep the state; values round-trip through the layout', () => {
    forEachMachineCase(
      (c, typed) => {
        expect(typeEquals(typed.output, c.outputType)).toBe(true);
        let state = c.initialState;
        const trace: TraceItem[] = [];
        for (const input of c.inputs) {
          const result = step(typed, input, state, { fuel: c.fuel });
          trace.push({ input, result: result.ok ? { ok: true, output: result.output } : { ok: false, error: result.error }, state: result.state });
          if (result.ok) {
            expect(isValueOf(c.outputType, result.output)).toBe(true);
            expect(isValueOf(c.stateType, result.state)).toBe(true);
            expectLayoutRoundTrip(c.outputType, result.output);
            expectLayoutRoundTrip(c.stateType, result.state);
          } else {
            expect(result.state).toBe(state);
            expect(result.error.code).not.toBe('TRAP');
          }
          state = result.state;
          if (encodeValue(c.stateType, state).length > MAX_STATE_BYTES) break;
        }
        // The engine form of the interpreter (what pipelines load) must agree with `step`.
        expectSameTrace(traceMachineCase(interpreter, typed, c), trace, c);
        return trace;
      },
      { runs: RUNS, seed: SEED, stats: machineStats },
    );
  });

  it('round-trip through the JSON form', () => {
    fc.assert(
      fc.property(arbTermAnyTypes, (g) => {
        const back = termFromJson(JSON.parse(JSON.stringify(termToJson(g.term))));
        expectSameTerm(back, g.term);
      }),
      params(),
    );
  });

  it('round-trip through the seed syntax', () => {
    fc.assert(
      fc.property(arbTermAnyTypes, (g) => {
        expectSameTerm(parseTermSeed(showTermSeed(g.term)), g.term);
      }),
      params(),
    );
  });
});

function expectLayoutRoundTrip(t: Type, v: Value): void {
  const bytes = encodeValue(t, v);
  const back = decodeValue(t, bytes);
  if (!valueEquals(t, back, v)) throw new Error(`layout round trip changed a value of ${showType(t)}`);
  expect(encodeValue(t, back)).toEqual(bytes);
}

/** Structural equality of terms, driven by the catalogue: types by typeEquals, literal values by valueEquals. */
function expectSameTerm(actual: Term, expected: Term, path = 'term'): void {
  if (actual.op !== expected.op) throw new Error(`${path}: op ${actual.op}, expected ${expected.op}`);
  const a = actual as unknown as Record<string, unknown>;
  const e = expected as unknown as Record<string, unknown>;
  for (const [name, kind] of OPS[expected.op].fields) {
    const at = `${path}.${name}`;
    switch (kind) {
      case 'term':
        expectSameTerm(a[name] as Term, e[name] as Term, at);
        break;
      case 'terms': {
        const x = a[name] as Record<string, Term>;
        const y = e[name] as Record<string, Term>;
        expect(Object.keys(x).sort(), at).toEqual(Object.keys(y).sort());
        for (const n of Object.keys(y)) expectSameTerm(x[n], y[n], `${at}.${n}`);
        break;
      }
      case 'type':
        if (!typeEquals(a[name] as Type, e[name] as Type)) throw new Error(`${at}: ${showType(a[name] as Type)}, expected ${showType(e[name] as Type)}`);
        break;
      case 'value':
        if (!valueEquals(e.type as Type, a[name] as Value, e[name] as Value)) throw new Error(`${at}: a different value of ${showType(e.type as Type)}`);
        break;
      case 'int':
      case 'bool':
      case 'string':
      case 'name':
        expect(a[name], at).toBe(e[name]);
        break;
      default:
        throw new Error(`unhandled field kind ${kind satisfies never}`);
    }
  }
}
