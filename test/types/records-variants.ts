// Type-level tests of records and variants (see composition.ts for how these are checked).

import { type Either, machine, type Pair, pipe, type T, ty, type TypeOf } from '../../compiler/edsl.ts';

const Counter = ty.record({ count: ty.int, decrementing: ty.bool });
type Counter = TypeOf<typeof Counter>;
const Command = ty.variant({ Incr: ty.int, Read: ty.unit, Reset: ty.unit });
type Command = TypeOf<typeof Command>;
const m = machine(Counter);

// --- records ------------------------------------------------------------------

export const count: T<Counter, null, bigint> = pipe(m.get(), m.field('count'));
// @ts-expect-error -- expect: Argument of type '"cont"' is not assignable to parameter of type '"count" | "decrementing"'
export const misspelt = pipe(m.get(), m.field('cont'));

export const reset: T<Counter, null, null> = pipe(m.record({ count: m.int(0), decrementing: m.bool(false) }), m.put());
// @ts-expect-error -- expect: Property 'decrementing' is missing
export const missingField = pipe(m.record({ count: m.int(0) }), m.put());
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'boolean'
export const wrongFieldType = pipe(m.record({ count: m.int(0), decrementing: m.int(1) }), m.put());

export const setCount: T<Counter, Pair<Counter, bigint>, Counter> = m.setField('count');
// @ts-expect-error -- expect: Type 'boolean' is not assignable to type 'bigint'
export const setCountFlag: T<Counter, Pair<Counter, boolean>, Counter> = m.setField('count');

// --- variants -----------------------------------------------------------------

export const incrBy: T<Counter, bigint, Command> = m.inject('Incr', Command);
// @ts-expect-error -- expect: Argument of type '"Decr"' is not assignable to parameter of type '"Incr" | "Read" | "Reset"'
export const decrBy = m.inject('Decr', Command);
// @ts-expect-error -- expect: Type 'bigint' is not assignable to type 'null'
export const readWithPayload: T<Counter, bigint, Command> = m.inject('Read', Command);

const run = m.match({
  Incr: pipe(m.id<bigint>(), m.consume(), m.get(), m.field('count')),
  Read: pipe(m.get(), m.field('count')),
  Reset: pipe(m.int(0)),
});
export const handled: T<Counter, string, bigint> = pipe(m.read(Command), run);
export const runTyped: T<Counter, Command, bigint> = run;

export const handledInline = pipe(
  m.read(Command),
  m.match({ Incr: m.consume(), Read: m.consume(), Reset: m.consume() }),
);
export const wrongCase = pipe(
  m.read(Command),
  // @ts-expect-error -- expect: is not assignable to type '"not a case of the variant"'
  m.match({ Incr: m.consume(), Read: m.consume(), Reset: m.consume(), Decr: m.consume() }),
);
export const missingCase = pipe(
  m.read(Command),
  // @ts-expect-error -- expect: Property 'Reset' is missing
  m.match({ Incr: m.consume(), Read: m.consume() }),
);
export const mixedResults = pipe(
  m.read(Command),
  // @ts-expect-error -- expect: Type 'bigint | boolean' is not assignable to type 'bigint'
  m.match({ Incr: m.id(), Read: m.bool(true), Reset: m.bool(false) }),
);

// --- Either and variants are kept apart -----------------------------------------

export const onEither = pipe(m.read(ty.either(ty.unit, ty.int)), m.caseOf(m.consume(), m.consume()));
export const matchOnEither = pipe(
  m.read(ty.either(ty.unit, ty.int)),
  // @ts-expect-error -- expect: match takes a variant: use caseOf for Either
  m.match({ Left: m.consume(), Right: m.consume() }),
);
// @ts-expect-error -- expect: a variant of exactly Left and Right is an Either: use ty.either
export const leftRightVariant = ty.variant({ Left: ty.unit, Right: ty.int });
// @ts-expect-error -- expect: Argument of type 'Ty<Either<null, bigint>>' is not assignable to parameter of type 'VariantTy<
export const injectIntoEither = m.inject('Left', ty.either(ty.unit, ty.int));

export const distributed: T<Counter, Pair<bigint, Either<null, boolean>>, Either<Pair<bigint, null>, Pair<bigint, boolean>>> = m.distr();
export const distributedVariant: T<Counter, Pair<string, Command>, TypeOf<typeof DistributedCommand>> = m.distr();
const DistributedCommand = ty.variant({ Incr: ty.pair(ty.string, ty.int), Read: ty.pair(ty.string, ty.unit), Reset: ty.pair(ty.string, ty.unit) });
