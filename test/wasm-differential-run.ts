// Differential property: on random well-typed machines the Wasm engine and the interpreter give
// the same outputs, the same errors (code and message) and the same states after every item.
//
//   term T (random, whole language)  x  10 (initial state, input sequence) cases
//     interpreter: trace of (result, state) per item   ==   wasm: the same trace
//
// Each term is compiled once and run on ten cases: the generator's own (state, inputs) and nine
// more drawn for the same types (for terms that Read, texts that parse, decorated texts, cut or
// extended texts and garbage). Fuel comes from the generator (a third of the cases get 0-40 steps,
// so OUT_OF_FUEL is common); constants and inputs favour the ends of the Int range.
//
// A further 200 machines per file are drawn from the ops that grow values (Fold, Concat, Append,
// Show, …), where fuel pays for size: they must agree too, and the heap must stay under 1 GB.
//
// The 1,000 terms of a run are split over four test files (wasm-differential-1..4.test.ts) so the
// two cores run them in parallel and each file stays well under 30 s.
// Replay a failure: SMWASM_PROPERTY_SEED=<seed printed by fast-check> npx vitest run test/wasm-differential-1.test.ts
// More terms: SMWASM_WASM_TERMS=5000 (default 1000 per run, shared by the four files).

import * as fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { interpreter } from '../compiler/interpret.ts';
import { showValue } from '../compiler/seed-syntax.ts';
import { type Op, termToJson } from '../compiler/terms.ts';
import { typecheck } from '../compiler/typecheck.ts';
import { type Type, showType } from '../compiler/types.ts';
import type { Value } from '../compiler/values.ts';
import { wasmEngine } from '../compiler/wasm-engine.ts';
import { arbValue } from './arbitraries.ts';
import { GenerationStats } from './gen/stats.ts';
import { expectSameTrace, traceMachineCase } from './gen/trace.ts';
import { arbStateMachineCase, type MachineCase, type MachineCaseOptions } from './gen/typed-terms.ts';

const CASES_PER_TERM = 10;
/** Machines per part drawn from the ops that grow values (Fold, Concat, Append, Show, …). */
const GROWTH_TERMS = 200;

/** Texts for a machine that Reads `t`: valid Show text, decorated, damaged, and garbage. */
function arbReadText(t: Type): fc.Arbitrary<string> {
  const shown = arbValue(t).map((v) => showValue(t, v));
  const ws = fc.constantFrom('', ' ', '\t', '\n', ' \r\n ');
  return fc.oneof(
    { weight: 5, arbitrary: shown },
    { weight: 2, arbitrary: fc.tuple(shown, ws, ws, fc.nat(2)).map(([s, a, b, n]) => `${a}${'('.repeat(n)}${a}${s}${b}${')'.repeat(n)}${b}`) },
    { weight: 1, arbitrary: fc.tuple(shown, fc.nat()).map(([s, k]) => s.slice(0, s.length === 0 ? 0 : k % s.length)) },
    { weight: 1, arbitrary: fc.tuple(shown, fc.constantFrom(' x', ')', '0', '9', ',', ' Left', '-')).map(([s, junk]) => s + junk) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
}

/** Nine more (initial state, inputs) cases for the same machine. */
function arbMoreCases(c: MachineCase): fc.Arbitrary<MachineCase[]> {
  const inputs: fc.Arbitrary<Value[]> =
    c.readType !== undefined
      ? fc.array(arbReadText(c.readType), { minLength: 10, maxLength: 12 })
      : fc.array(arbValue(c.inputType), { minLength: 10, maxLength: 12 });
  const one = fc.tuple(arbValue(c.stateType), inputs).map(([initialState, xs]): MachineCase => ({ ...c, initialState, inputs: xs }));
  return fc.array(one, { minLength: CASES_PER_TERM - 1, maxLength: CASES_PER_TERM - 1 });
}

/** Registers the differential property for part `part` (1-based) of `parts`. */
export function runDifferential(part: number, parts: number): void {
  const total = Number(process.env.SMWASM_WASM_TERMS ?? 1000);
  const TERMS = Math.ceil(total / parts);
  const envSeed = process.env.SMWASM_PROPERTY_SEED;
  const SEED = envSeed ? Number(envSeed) : Math.floor(Math.random() * 0x7fffffff);
  const stats = new GenerationStats();
  let items = 0;
  /** The largest JS heap seen after a machine's cases (bytes). */
  let peakHeap = 0;

  afterAll(() => {
    console.log(
      `wasm differential, part ${part} of ${parts}: seed ${SEED}, ${stats.termCount} terms x ${CASES_PER_TERM} cases, ${items} items per engine\n` +
        stats.report('generated machines (wasm vs interpreter)'),
    );
  });

  /** The differential property itself: every case of every generated machine agrees. */
  const check = (options: MachineCaseOptions, runs: number, seed: number) => {
    const arbitrary = arbStateMachineCase(options).chain((c) => arbMoreCases(c).map((more) => [c, ...more]));
    fc.assert(
      fc.property(arbitrary, (cases) => {
        const first = cases[0];
        const checked = typecheck(first.term, { state: first.stateType, input: first.inputType });
        if (!checked.ok) throw new Error(`generated machine does not typecheck: ${checked.error.message}`);
        stats.addTerm(first.term);
        for (const c of cases) {
          const expected = traceMachineCase(interpreter, checked.typed, c);
          const actual = traceMachineCase(wasmEngine, checked.typed, c);
          try {
            expectSameTrace(actual, expected, c);
          } catch (e) {
            throw new Error(`${(e as Error).message}\nterm ${JSON.stringify(termToJson(c.term))}\nstate ${showType(c.stateType)}, input ${showType(c.inputType)}, fuel ${c.fuel}`);
          }
          stats.addCase(expected.map((t) => t.result));
          items += expected.length;
        }
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }),
      { numRuns: runs, seed },
    );
  };

  describe(`wasm engine agrees with the interpreter (part ${part} of ${parts})`, () => {
    test(`${TERMS} random machines, ${CASES_PER_TERM} cases each (seed ${SEED})`, () => {
      check({}, TERMS, SEED);
      expect(stats.termCount).toBeGreaterThanOrEqual(TERMS);
    });

    test('machines built around the ops that grow values agree, and their memory stays bounded', () => {
      // Fold, Concat, Append and Show can double a value at every step; fuel pays for size
      // (docs/language.md, "Fuel"), so each item allocates at most about 64 x fuel units. Without
      // that, a few thousand of these machines exhaust a 1.5 GB heap.
      const grow: Op[] = ['Compose', 'Const', 'Id', 'Fanout', 'Fst', 'Snd', 'Copy', 'InLeft', 'InRight', 'Case', 'Merge',
        'Fold', 'Concat', 'Append', 'Show', 'Cons', 'Get', 'Put', 'ListMap', 'Split', 'Reverse'];
      const before = stats.termCount;
      peakHeap = 0;
      check({ ops: grow }, GROWTH_TERMS, SEED + 100);
      expect(stats.termCount - before).toBeGreaterThanOrEqual(GROWTH_TERMS);
      expect(peakHeap).toBeGreaterThan(0);
      expect(peakHeap).toBeLessThan(1 << 30);
    });

    test('every op and every item error is exercised (rare ones topped up)', () => {
      // A few hundred random terms can miss a rare op or error; more machines drawn from a smaller
      // op set that contains it, drawn often (still checked against the interpreter), make up for that.
      const glue: Op[] = ['Compose', 'Const', 'Id', 'Fanout', 'Fst', 'Snd', 'Copy', 'InLeft', 'InRight', 'Case', 'Merge'];
      const forError: Record<'READ_NO_PARSE' | 'DIVIDE_BY_ZERO' | 'OUT_OF_FUEL' | 'FAIL', Op[]> = {
        READ_NO_PARSE: ['Read'],
        DIVIDE_BY_ZERO: ['Div', 'Mod'],
        OUT_OF_FUEL: ['Unleft', 'ListMap', 'Fold'],
        FAIL: ['Fail'],
      };
      for (let round = 0; round < 5; round++) {
        const shares = stats.itemShares();
        const wanted = [...stats.missingOps(), ...Object.entries(forError).filter(([code]) => shares[code as keyof typeof forError] === 0).flatMap(([, ops]) => ops)];
        if (wanted.length === 0) break;
        for (const op of new Set(wanted)) check({ ops: [...new Set([...glue, op])], boost: [op] }, 20, SEED + round + 1);
      }
      expect(stats.missingOps()).toEqual([]);
      const shares = stats.itemShares();
      for (const code of Object.keys(forError) as Array<keyof typeof forError>) expect(shares[code], code).toBeGreaterThan(0);
    });
  });
}
