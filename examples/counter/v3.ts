// Counter v3: v2 plus toggle. The state becomes (count, decrementing); an
// increment adds one, or subtracts one while decrementing.
//
//   input  "Left ()"                  (ToggleCount)  =>  "Left ()"                    decrementing flips
//   input  "Right (Left ())"          (ResetCount)   =>  "Right (Left ())"            state (0, False)
//   input  "Right (Right (Left ()))"  (ReadCount)    =>  "Right (Right (Left n))"
//   input  "Right (Right (Right ()))" (IncrCount)    =>  "Right (Right (Right ()))"   n ± 1
//
// Migration from v2: `Id &&& Bool False`, the old count paired with False.

import { bool, erase, fanout, id, machine, pipe, type T, ty, type TypeOf } from '../../compiler/edsl.ts';
import { InputV2, OutputV2, type StateV2 } from './v2.ts';

/** (count, decrementing). */
export const StateV3 = ty.pair(ty.int, ty.bool);
export const InputV3 = ty.either(ty.unit, InputV2);
export const OutputV3 = ty.either(ty.unit, OutputV2);
export type StateV3 = TypeOf<typeof StateV3>;
export type InputV3 = TypeOf<typeof InputV3>;
export type OutputV3 = TypeOf<typeof OutputV3>;

export const ToggleCountV3: InputV3 = { tag: 'Left', value: null };
export const ResetCountV3: InputV3 = { tag: 'Right', value: { tag: 'Left', value: null } };
export const ReadCountV3: InputV3 = { tag: 'Right', value: { tag: 'Right', value: { tag: 'Left', value: null } } };
export const IncrCountV3: InputV3 = { tag: 'Right', value: { tag: 'Right', value: { tag: 'Right', value: null } } };

const m = machine(StateV3);

/** Toggle negates the flag (the second component of the state). */
const toggle = pipe(m.get(), m.second(m.not()), m.put());
/** Reset puts back (0, False). */
const reset = pipe(m.fanout(m.int(0), m.bool(false)), m.put());
/** Read answers the count (the first component). */
const readCount = pipe(m.get(), m.fst());
/** Increment or decrement by the flag, then store the new count with the flag read back from the state. */
const step = pipe(m.get(), m.ifThenElse(m.decr(), m.incr()), m.fanout(m.id(), pipe(m.consume(), m.get(), m.snd())), m.put());

export const counterV3Core: T<StateV3, InputV3, OutputV3> = m.caseOf(toggle, m.caseOf(reset, m.caseOf(readCount, step)));

export const counterV3: T<StateV3, string, string> = pipe(m.read(InputV3), counterV3Core, m.show(OutputV3));

export const counterV3Term = erase(counterV3);
export const counterV3Input = ty.string;
export const counterV3Output = ty.string;

/** v2 state to v3 state: `Id &&& Bool False`. */
export const migrationV2toV3: T<null, StateV2, StateV3> = fanout(id(), bool(false));
export const migrationV2toV3Term = erase(migrationV2toV3);
