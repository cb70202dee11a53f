// Typechecker for untyped terms (placeholder: the contract only; the checker lands next).
//
//   typecheck(Compose(Incr, Get), { state: Int, input: Unit })
//     => { ok: true, typed: { term, input: (), output: Int, children: [...] } }

import type { Term } from './terms.ts';
import type { Type } from './types.ts';

/** A term annotated by the typechecker: every node carries its input and output type. */
export interface Typed {
  /** This node as received (its own sub-terms untyped). */
  readonly term: Term;
  readonly input: Type;
  readonly output: Type;
  /** Typed sub-terms, in the order of `children(term)`. */
  readonly children: readonly Typed[];
}
