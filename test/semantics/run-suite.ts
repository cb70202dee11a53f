// Runs every semantic case (cases.ts) against one engine, as vitest tests.
//
//   runSemanticsSuite({ engine: interpreter })
//   runSemanticsSuite({ engine: wasmEngine, skip: { 'Show String escapes': 'why, and until when' } })
//     => describe('semantics on wasm') with one test per case; skipped cases show their reason
//
// Each case is checked three times on fresh machines: through `step` (values),
// through `stepEncoded` (canonical layout bytes) and through `stepBytes` with
// `copyOutput` (bytes inside larger buffers, as a pipeline stage runs items).
// Both must give exactly the expected output, error and state; an error must
// leave the state as it was; and the engine must not mutate its input values.

import { describe, expect, test } from 'vitest';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import type { Engine, ItemError } from '../../compiler/engine.ts';
import { encodeValue, decodeValue } from '../../compiler/layout.ts';
import { children, OP_NAMES, type Term } from '../../compiler/terms.ts';
import { typecheck, type Typed } from '../../compiler/typecheck.ts';
import { isValueOf, valueToJson, type Json, type Value } from '../../compiler/values.ts';
import { showType, type Type } from '../../compiler/types.ts';
import { SEMANTIC_CASES, type SemanticCase } from './cases.ts';

export interface SuiteOptions {
  readonly engine: Engine;
  /** Case name => why this engine skips it. Every name must be a case in cases.ts. */
  readonly skip?: Readonly<Record<string, string>>;
}

export function runSemanticsSuite({ engine, skip = {} }: SuiteOptions): void {
  const names = new Set<string>();
  for (const c of SEMANTIC_CASES) {
    if (names.has(c.name)) throw new Error(`duplicate semantic case name: ${c.name}`);
    names.add(c.name);
  }
  for (const [name, reason] of Object.entries(skip)) {
    if (!names.has(name)) throw new Error(`skip list of ${engine.name} names no case: ${JSON.stringify(name)}`);
    if (reason.trim() === '') throw new Error(`skip of ${JSON.stringify(name)} on ${engine.name} gives no reason`);
  }

  describe(`semantics on ${engine.name}`, () => {
    test('the cases use every op of the catalogue', () => {
      const used = new Set<string>();
      for (const c of SEMANTIC_CASES) {
        const todo: Term[] = [c.term];
        while (todo.length > 0) {
          const t = todo.pop()!;
          used.add(t.op);
          for (const [, sub] of children(t)) todo.push(sub);
        }
      }
      expect(OP_NAMES.filter((o) => !used.has(o))).toEqual([]);
    });
    for (const c of SEMANTIC_CASES) {
      const reason = skip[c.name];
      if (reason !== undefined) test.skip(`${c.name} (skipped on ${engine.name}: ${reason})`, () => {});
      else test(c.name, () => checkCase(engine, c));
    }
  });
}

/** Typechecks the case's term; an ill-typed case is a bug in cases.ts, reported with the diagnostic. */
export function typedCase(c: SemanticCase): Typed {
  const result = typecheck(c.term, { state: c.stateType, input: c.inputType });
  if (!result.ok) throw new Error(`semantic case "${c.name}" does not typecheck:\n${formatDiagnostic(result.error)}`);
  return result.typed;
}

function checkCase(engine: Engine, c: SemanticCase): void {
  const typed = typedCase(c);
  const inputBefore = valueToJson(c.inputType, c.input);
  const stateBefore = valueToJson(c.stateType, c.state);
  const load = () => engine.load({ typed, stateType: c.stateType, initialState: c.state, ...(c.fuel !== undefined ? { fuel: c.fuel } : {}) });

  // Through values.
  const machine = load();
  const result = machine.step(c.input);
  if ('error' in c.expect) {
    expect(result).toEqual({ ok: false, error: c.expect.error });
    expectValue(c.stateType, machine.getState(), c.state, 'state after a failed item');
  } else {
    if (!result.ok) expect.fail(`expected output ${show(typed.output, c.expect.output)}, got error ${describeError(result.error)}`);
    expectValue(typed.output, result.output, c.expect.output, 'output');
    expectValue(c.stateType, machine.getState(), c.expect.state, 'state after the item');
  }
  expect(valueToJson(c.inputType, c.input), 'the engine mutated its input').toEqual(inputBefore);
  expect(valueToJson(c.stateType, c.state), 'the engine mutated the state it was given').toEqual(stateBefore);

  // Through the canonical layout.
  const encodedMachine = load();
  const encoded = encodedMachine.stepEncoded(encodeValue(c.inputType, c.input));
  if ('error' in c.expect) {
    expect(encoded).toEqual({ ok: false, error: c.expect.error });
  } else {
    if (!encoded.ok) expect.fail(`stepEncoded: expected output ${show(typed.output, c.expect.output)}, got error ${describeError(encoded.error)}`);
    expect(show(typed.output, decodeValue(typed.output, encoded.output)), 'stepEncoded output').toEqual(show(typed.output, c.expect.output));
    expect(Array.from(encoded.output), 'stepEncoded output bytes').toEqual(Array.from(encodeValue(typed.output, c.expect.output)));
  }
  const finalState = 'error' in c.expect ? c.state : c.expect.state;
  expectValue(c.stateType, encodedMachine.getState(), finalState, 'state after stepEncoded');

  // As a pipeline stage runs it: the input inside a larger buffer, the output copied out.
  const stageMachine = load();
  const inputBytes = encodeValue(c.inputType, c.input);
  const framed = new Uint8Array(inputBytes.length + 10).fill(0xee);
  framed.set(inputBytes, 7);
  const length = stageMachine.stepBytes(framed, 7, 7 + inputBytes.length);
  if ('error' in c.expect) {
    expect(length).toEqual(c.expect.error);
  } else {
    if (typeof length !== 'number') expect.fail(`stepBytes: expected output ${show(typed.output, c.expect.output)}, got error ${describeError(length)}`);
    const expected = Array.from(encodeValue(typed.output, c.expect.output));
    expect(Array.from(stageMachine.output()), 'stepBytes output()').toEqual(expected);
    const target = new Uint8Array(length + 6).fill(0xee);
    stageMachine.copyOutput(target, 3);
    expect(Array.from(target), 'copyOutput bytes, and nothing around them').toEqual([0xee, 0xee, 0xee, ...expected, 0xee, 0xee, 0xee]);
  }
  expectValue(c.stateType, stageMachine.getState(), finalState, 'state after stepBytes');
}

/** Compares by the JSON form (exact for well-typed values, and a readable diff), after checking the shape. */
function expectValue(type: Type, actual: Value, expected: Value, what: string): void {
  expect(isValueOf(type, actual), `${what} is not a well-formed ${showType(type)}: ${rawForm(actual)}`).toBe(true);
  expect(show(type, actual), what).toEqual(show(type, expected));
}

function show(type: Type, v: Value): Json {
  return valueToJson(type, v);
}

function rawForm(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}

function describeError(e: ItemError): string {
  return `${e.code}: ${e.message}`;
}
