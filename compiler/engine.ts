// The backend interface: one way to run a typechecked state machine.
// Two engines implement it: the interpreter (compiler/interpret.ts, the
// reference semantics) and the WebAssembly engine (compiler/wasm-engine.ts).
//
//   const m = engine.load({ typed, stateType, initialState, fuel })
//   m.step("Left ()")          => { ok: true, output: "Left 0" }     state 0
//   m.step("Right ()")         => { ok: true, output: "Right ()" }   state 1
//   m.step("nonsense")         => { ok: false, error: { code: 'READ_NO_PARSE', … } }  state still 1

import type { Typed } from './typecheck.ts';
import type { Type } from './types.ts';
import type { Value } from './values.ts';

/** Why an item failed at run time. `code` and `message` are identical on every engine. */
export interface ItemError {
  readonly code: ItemErrorCode;
  readonly message: string;
}

export type ItemErrorCode =
  | 'READ_NO_PARSE' // Read of text that does not parse as the type
  | 'DIVIDE_BY_ZERO' // Div or Mod by 0
  | 'OUT_OF_FUEL' // the item used up its step budget
  | 'FAIL' // a Fail term ran; the message is the term's
  | 'TRAP'; // the engine itself failed (a bug, or memory exhausted); never expected

export type StepResult = { readonly ok: true; readonly output: Value } | { readonly ok: false; readonly error: ItemError };

/** Steps of fuel each item may use unless configured: one step per Unleft iteration and per list element a ListMap/Fold visits (and SIZE_STEP below). */
export const DEFAULT_FUEL = 1_000_000;

/**
 * Fuel also pays for size: Concat and Append take one step per SIZE_STEP code points or elements
 * of their operands, and Show one per SIZE_STEP characters it writes (rounded down, so short values
 * are free). Without it a loop that doubles a string would exhaust memory long before its fuel.
 */
export const SIZE_STEP = 64;

export interface MachineSpec {
  readonly typed: Typed;
  readonly stateType: Type;
  readonly initialState: Value;
  readonly fuel?: number;
}

/** A loaded machine holds its current state. `step` never throws for an item error; on error the state stays as before the item. */
export interface Machine {
  step(input: Value): StepResult;
  /** The canonical-layout form, used between stages: input bytes in, output bytes (or an error) out. */
  stepEncoded(input: Uint8Array): { readonly ok: true; readonly output: Uint8Array } | { readonly ok: false; readonly error: ItemError };
  /**
   * `stepEncoded` as a pipeline stage calls it, allocating nothing on success: the input is
   * `source[start, end)`, the result the output's length in bytes, or the item's error. The output
   * stays in the machine until its next call: `copyOutput` copies it out, `output` views it.
   */
  stepBytes(source: Uint8Array, start: number, end: number): number | ItemError;
  /** Copies the last output of `stepBytes` into `target` at `offset` (which must have room for it). */
  copyOutput(target: Uint8Array, offset: number): void;
  /** The last output of `stepBytes`, as a view that is valid only until the next call on this machine. */
  output(): Uint8Array;
  getState(): Value;
  setState(state: Value): void;
}

export type EngineName = 'interp' | 'wasm';

export interface Engine {
  readonly name: EngineName;
  load(spec: MachineSpec): Machine;
}
