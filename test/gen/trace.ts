// Runs a generated machine case on an engine and records what each item did,
// so two engines can be compared item by item.
//
//   traceMachineCase(interpreter, typed, case)
//     => [{ result: { ok: true, output: 1n }, state: 1n }, { result: { ok: false, error: DIVIDE_BY_ZERO … }, state: 1n }, …]
//
//   expectSameTrace(traceMachineCase(wasmEngine, typed, c), traceMachineCase(interpreter, typed, c), c)
//     throws at the first item where outputs, errors or states differ.
//
// The differential test in one statement:
//   forEachMachineCase((c, typed) => {
//     const expected = traceMachineCase(interpreter, typed, c);
//     expectSameTrace(traceMachineCase(wasmEngine, typed, c), expected, c);
//     return expected;                       // (optional) counted in `stats`
//   }, { stats });

import * as fc from 'fast-check';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import type { Engine, StepResult } from '../../compiler/engine.ts';
import { encodeValue } from '../../compiler/layout.ts';
import { showValue } from '../../compiler/seed-syntax.ts';
import { type Typed, typecheck } from '../../compiler/typecheck.ts';
import { showType } from '../../compiler/types.ts';
import { type Value, valueEquals } from '../../compiler/values.ts';
import type { GenerationStats } from './stats.ts';
import { arbStateMachineCase, type MachineCase, type MachineCaseOptions, propertyRuns } from './typed-terms.ts';

/** A machine stops taking inputs once its state is this large (encoded): a state that doubles on every item would exhaust memory first. */
export const MAX_STATE_BYTES = 1 << 16;

export interface TraceItem {
  readonly input: Value;
  readonly result: StepResult;
  /** The machine's state after the item. */
  readonly state: Value;
}

/** Loads the case on `engine` and steps every input (up to the state-size guard). */
export function traceMachineCase(engine: Engine, typed: Typed, c: MachineCase): TraceItem[] {
  const machine = engine.load({ typed, stateType: c.stateType, initialState: c.initialState, fuel: c.fuel });
  const trace: TraceItem[] = [];
  for (const input of c.inputs) {
    const result = machine.step(input);
    const state = machine.getState();
    trace.push({ input, result, state });
    if (encodeValue(c.stateType, state).length > MAX_STATE_BYTES) break;
  }
  return trace;
}

/** Throws, naming the item and printing both sides in Show syntax, at the first difference. */
export function expectSameTrace(actual: readonly TraceItem[], expected: readonly TraceItem[], c: MachineCase): void {
  const show = (r: StepResult) => (r.ok ? `ok ${showValue(c.outputType, r.output)}` : `${r.error.code}: ${r.error.message}`);
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const e = expected[i];
    const where = `item ${i} (input ${showValue(c.inputType, e.input)}, state ${showType(c.stateType)}, output ${showType(c.outputType)})`;
    const sameResult = a.result.ok
      ? e.result.ok && valueEquals(c.outputType, a.result.output, e.result.output)
      : !e.result.ok && a.result.error.code === e.result.error.code && a.result.error.message === e.result.error.message;
    if (!sameResult) throw new Error(`${where}: result\n    ${show(a.result)}\nexpected\n    ${show(e.result)}`);
    if (!valueEquals(c.stateType, a.state, e.state)) {
      throw new Error(`${where}: state after\n    ${showValue(c.stateType, a.state)}\nexpected\n    ${showValue(c.stateType, e.state)}`);
    }
  }
  if (actual.length !== expected.length) throw new Error(`traces have ${actual.length} and ${expected.length} items`);
}

export interface ForEachOptions {
  /** Cases to run (default: SMWASM_PROPERTY_RUNS, else 300). */
  readonly runs?: number;
  /** fast-check seed, to replay a failure (default: SMWASM_PROPERTY_SEED, else random). */
  readonly seed?: number;
  /** What to generate: allowed ops (for an engine that lacks some), depth, fuel, number of inputs. */
  readonly cases?: MachineCaseOptions;
  /** Collects each case's term, and its trace when `fn` returns one. */
  readonly stats?: GenerationStats;
}

/**
 * Runs `fn` on random well-typed machine cases as a fast-check property:
 * a failure throws with fast-check's seed and a shrunk counterexample.
 */
export function forEachMachineCase(fn: (c: MachineCase, typed: Typed) => readonly TraceItem[] | void, opts: ForEachOptions = {}): void {
  const envSeed = process.env.SMWASM_PROPERTY_SEED;
  const seed = opts.seed ?? (envSeed ? Number(envSeed) : undefined);
  fc.assert(
    fc.property(arbStateMachineCase(opts.cases), (c) => {
      const checked = typecheck(c.term, { state: c.stateType, input: c.inputType });
      if (!checked.ok) throw new Error(`generated machine does not typecheck: ${formatDiagnostic(checked.error)}`);
      opts.stats?.addTerm(c.term);
      const trace = fn(c, checked.typed);
      if (trace) opts.stats?.addCase(trace.map((t) => t.result));
    }),
    { numRuns: opts.runs ?? propertyRuns(), ...(seed === undefined ? {} : { seed }) },
  );
}
