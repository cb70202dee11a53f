// Counter v2: v1 plus reset. The state type is unchanged (Int), so the
// migration from v1 is the identity.
//
//   input  "Left ()"          (ResetCount)  =>  "Left ()"         state 0
//   input  "Right (Left ())"  (ReadCount)   =>  "Right (Left n)"
//   input  "Right (Right ())" (IncrCount)   =>  "Right (Right ())" state n + 1
//
//   counterV2 = Read >>> ((Int 0 >>> Put) `Case` Get `Case` (Get >>> Incr >>> Put)) >>> Show

import { erase, id, machine, pipe, type T, ty, type TypeOf } from '../../compiler/edsl.ts';
import { InputV1, OutputV1, type StateV1 } from './v1.ts';

export const StateV2 = ty.int;
/** `Left ()` resets; `Right` carries a v1 input. */
export const InputV2 = ty.either(ty.unit, InputV1);
/** `Left ()` acknowledges a reset; `Right` carries a v1 output. */
export const OutputV2 = ty.either(ty.unit, OutputV1);
export type StateV2 = TypeOf<typeof StateV2>;
export type InputV2 = TypeOf<typeof InputV2>;
export type OutputV2 = TypeOf<typeof OutputV2>;

export const ResetCountV2: InputV2 = { tag: 'Left', value: null };
export const ReadCountV2: InputV2 = { tag: 'Right', value: { tag: 'Left', value: null } };
export const IncrCountV2: InputV2 = { tag: 'Right', value: { tag: 'Right', value: null } };

const m = machine(StateV2);

export const counterV2Core: T<StateV2, InputV2, OutputV2> = m.caseOf(
  pipe(m.int(0), m.put()),
  m.caseOf(m.get(), pipe(m.get(), m.incr(), m.put())),
);

export const counterV2: T<StateV2, string, string> = pipe(m.read(InputV2), counterV2Core, m.show(OutputV2));

export const counterV2Term = erase(counterV2);
export const counterV2Input = ty.string;
export const counterV2Output = ty.string;

/** v1 state to v2 state: a term with unit state whose input is the old state (the seed's `T () s s'`). */
export const migrationV1toV2: T<null, StateV1, StateV2> = id();
export const migrationV1toV2Term = erase(migrationV1toV2);
