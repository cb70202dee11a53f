// Counter v1, the seed's first machine: read the count or increment it.
//
//   input  "Left ()"   (ReadCount)  =>  output "Left 0"    state 0
//   input  "Right ()"  (IncrCount)  =>  output "Right ()"  state 1
//
//   counterV1 = Read >>> (Get `Case` (Get >>> Incr >>> Put)) >>> Show

import { type Either, erase, machine, pipe, type T, ty, type TypeOf, type Unit } from '../../compiler/edsl.ts';
import { sm } from '../../compiler/pipeline.ts';

/** State: the count. */
export const StateV1 = ty.int;
/** `Left ()` reads the count, `Right ()` increments it. */
export const InputV1 = ty.either(ty.unit, ty.unit);
/** `Left n` answers a read, `Right ()` acknowledges an increment. */
export const OutputV1 = ty.either(ty.int, ty.unit);
export type StateV1 = TypeOf<typeof StateV1>;
export type InputV1 = TypeOf<typeof InputV1>;
export type OutputV1 = TypeOf<typeof OutputV1>;

export const ReadCountV1: InputV1 = { tag: 'Left', value: null };
export const IncrCountV1: InputV1 = { tag: 'Right', value: null };

// Fix the state type once; every builder of `m` is then specialised to it.
const m = machine(StateV1);

/** The machine on decoded values. */
export const counterV1Core: T<StateV1, Either<Unit, Unit>, Either<bigint, Unit>> = m.caseOf(m.get(), pipe(m.get(), m.incr(), m.put()));

/** The machine as served: text in, text out, like the seed's `T Int String String`. */
export const counterV1: T<StateV1, string, string> = pipe(m.read(InputV1), counterV1Core, m.show(OutputV1));

export const counterV1Term = erase(counterV1);
export const counterV1Input = ty.string;
export const counterV1Output = ty.string;

/** The seed's deployment `SM "counter" 0 counterV1`, as a one-stage pipeline. */
export const counterV1Pipeline = sm('counter', { state: StateV1, initial: 0n, input: counterV1Input, output: counterV1Output }, counterV1);
