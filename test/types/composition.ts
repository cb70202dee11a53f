// Type-level tests of composition, compiled by `tsc --noEmit -p .` (never run).
// Each `@ts-expect-error` names what tsc must say (checked by test/edsl.test.ts,
// which compiles this file without the directives): the line fails for that
// reason and no other. Each is next to a positive counterpart that compiles.

import { bool, caseOf, compose, type Either, fanout, fst, get, id, incr, int, machine, not, type Pair, pipe, put, snd, type T, ty, type Unit } from '../../compiler/edsl.ts';

type Counter = bigint;
type Toggle = Pair<bigint, boolean>;
const m = machine(ty.int);
const t = machine(ty.pair(ty.int, ty.bool));

// --- swapped pair components ------------------------------------------------

export const firstOfPair: T<Toggle, Toggle, bigint> = t.fst();
// @ts-expect-error -- expect: Type 'Pair<boolean, bigint>' is not assignable to type 'Pair<bigint, boolean>'
export const firstOfSwapped: T<Toggle, Pair<boolean, bigint>, bigint> = t.fst<bigint, boolean>();

export const incrementCount = pipe(t.get(), t.fst(), t.incr());
// @ts-expect-error -- expect: Type 'boolean' is not assignable to type 'bigint'
export const incrementFlag = pipe(t.get(), t.snd(), t.incr());

export const flipFlag = pipe(t.get(), t.second(t.not()), t.put());
// @ts-expect-error -- expect: Type 'Pair<bigint, boolean>' is not assignable to type 'Pair<boolean, boolean>'
export const flipCount = pipe(t.get(), t.first(t.not()), t.put());

// --- swapped Either sides -----------------------------------------------------

export const perSide = pipe(m.read(ty.either(ty.int, ty.bool)), m.caseOf(m.incr(), m.not()));
// @ts-expect-error -- expect: Type 'boolean' is not assignable to type 'bigint'
export const perSideSwapped = pipe(m.read(ty.either(ty.bool, ty.int)), m.caseOf(m.incr(), m.not()));

export const shown: T<Counter, Either<bigint, Unit>, string> = m.show(ty.either(ty.int, ty.unit));
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'null'
export const shownSwapped: T<Counter, Either<Unit, bigint>, string> = m.show(ty.either(ty.int, ty.unit));

// --- unit versus another type -------------------------------------------------

export const answer = pipe(m.int(41), m.incr());
// @ts-expect-error -- expect: Type 'null' is not assignable to type 'bigint'
export const twoConstants = pipe(m.int(1), m.int(2));

export const countUp = pipe(m.get(), m.incr(), m.put());
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'null'
export const putNothing = pipe(m.get(), m.incr(), m.put(), m.put());

// @ts-expect-error -- expect: Type 'string' is not assignable to type 'null'
export const unitIsNotAString: T<Counter, string, string> = m.consume<string>();

// --- state type mismatch ------------------------------------------------------

export const sameState = pipe(m.int(0), m.incr(), m.put());
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'Pair<bigint, boolean>'
export const mixedStates = pipe(m.int(0), t.incr());

// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'Pair<bigint, boolean>'
export const otherStateThen = m.int(0).then(t.incr());

export const v1Core: T<Counter, Either<Unit, Unit>, Either<bigint, Unit>> = m.caseOf(m.get(), pipe(m.get(), m.incr(), m.put()));
// @ts-expect-error -- expect: Type 'Toggle' is not assignable to type 'bigint'
export const v1CoreOnToggleState: T<Toggle, Either<Unit, Unit>, Either<bigint, Unit>> = m.caseOf(m.get(), pipe(m.get(), m.incr(), m.put()));

// --- the generic builders infer from their neighbours ---------------------------

export const generic: T<Counter, Unit, Unit> = pipe(get<Counter>(), incr(), put());
export const composed: T<Counter, Unit, bigint> = compose(incr(), int(1));
export const migration: T<null, bigint, Pair<bigint, boolean>> = fanout(id(), bool(false));
export const projections: T<Toggle, Toggle, Pair<boolean, bigint>> = fanout(snd(), fst());
export const branches: T<Toggle, Either<bigint, boolean>, Either<bigint, boolean>> = caseOf(incr(), not());
// @ts-expect-error -- expect: Type 'boolean' is not assignable to type 'bigint'
export const projectionsSwapped: T<Toggle, Toggle, Pair<bigint, boolean>> = fanout(snd(), fst());
