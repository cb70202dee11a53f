// Type-level tests of type witnesses, constants and pipelines (see composition.ts).

import { constant, machine, mapOf, type MapOf, pipe, type T, ty, type Ty } from '../../compiler/edsl.ts';
import { idP, type P, sm } from '../../compiler/pipeline.ts';

const m = machine(ty.int);

export const pairWitness: Ty<readonly [bigint, boolean]> = ty.pair(ty.int, ty.bool);
// @ts-expect-error -- expect: Type 'boolean' is not assignable to type 'bigint'
export const pairWitnessSwapped: Ty<readonly [boolean, bigint]> = ty.pair(ty.int, ty.bool);
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'null'
export const unitWitness: Ty<bigint> = ty.unit;

export const answer = m.constant(ty.int, 42n);
// @ts-expect-error -- expect: Argument of type 'number' is not assignable to parameter of type 'bigint'
export const answerAsNumber = m.constant(ty.int, 42);
export const left = constant(ty.either(ty.int, ty.string), { tag: 'Left', value: 1n });
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'string'
export const rightWithWrongPayload = constant(ty.either(ty.int, ty.string), { tag: 'Right', value: 1n });

const Scores = ty.map(ty.string, ty.int);
export const scores: MapOf<string, bigint> = mapOf(ty.string, ty.int, [['a', 1n]]);
export const scoresTerm = m.constant(Scores, scores);
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'string'
export const scoresBackwards: MapOf<bigint, string> = scores;

// --- pipelines --------------------------------------------------------------------

const counter: T<bigint, string, string> = pipe(m.read(ty.int), m.show(ty.int));
const length: T<null, string, bigint> = machine(ty.unit).strLength();

const declared = { state: ty.int, initial: 0n, input: ty.string, output: ty.string };
export const one: P<string, string> = sm('counter', declared, counter);
export const two: P<string, bigint> = one.then(sm('length', { state: ty.unit, initial: null, input: ty.string, output: ty.int }, length));
export const withIdentity: P<string, string> = idP(ty.string).then(one).then(idP(ty.string));
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'string'
export const backwards = sm('length', { state: ty.unit, initial: null, input: ty.string, output: ty.int }, length).then(one);
// @ts-expect-error -- expect: Type 'number' is not assignable to type 'bigint'
export const numberState = sm('counter', { ...declared, initial: 0 }, counter);
// @ts-expect-error -- expect: Type 'boolean' is not assignable to type 'bigint'
export const wrongStateWitness = sm('counter', { ...declared, state: ty.bool, initial: false }, counter);
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'string'
export const wrongOutputWitness = sm('counter', { ...declared, output: ty.int }, counter);
// The declared types give the term's generic builders their types.
export const fromDeclared: P<bigint, bigint> = sm('echo', { state: ty.unit, initial: null, input: ty.int, output: ty.int }, machine(ty.unit).id());
