// Sessions: the convention by which a connection-oriented source (a TCP line
// server, say) feeds one state machine that serves many clients at once.
//
//   client 7 connects            =>  input  (7, Connect ())
//   client 7 sends "cd docs"     =>  input  (7, Data "cd docs")
//   client 7 hangs up            =>  input  (7, Disconnect ())
//   the machine answers an item  =>  output Reply "OK"   (written to client 7)
//                                    output Silent ()    (nothing is written)
//
// Types (a: what one message of a client is, b: what one answer is):
//   sessionEvent(a)   <Connect: (), Data: a, Disconnect: ()>
//   sessionInput(a)   (Int, sessionEvent(a))          the connection id, then what happened
//   sessionOutput(b)  <Reply: b, Silent: ()>
//
// What the runtime guarantees, so a machine may rely on it:
// - Every connection gets an Int id that is never used again by the same
//   deployment, across upgrades and restarts: an id found in the state always
//   means the same client.
// - For one id the machine sees exactly one Connect, before anything else;
//   then any number of Data items, in the order the client sent them; then
//   one Disconnect when the connection ends for any reason (the client
//   closed it, the network dropped it, the server shut it). Nothing follows
//   a Disconnect. Items of different connections interleave arbitrarily.
// - For line protocols a is String and each Data item is one line without
//   its line terminator (LF or CRLF).
// What the runtime does with the outputs: each item produces exactly one
// output; `Reply x` is written to the connection the item came from (as one
// line, for b = String), `Silent ()` writes nothing. Answers to Disconnect
// are dropped whatever they are (the client is gone): machines answer it
// Silent. Answering Connect with a Reply sends a greeting.
//
// So session state lives in the machine's own state, typically a
// `Map Int Session` that Connect inserts into and Disconnect deletes from.

import {
  consume,
  distr,
  fst,
  type Int,
  inject,
  match,
  type Pair,
  pipe,
  second,
  type T,
  type Ty,
  ty,
  type Unit,
  type VariantOf,
  type VariantTy,
} from './edsl.ts';
import { Int as IntType, pair, type Type, typeEquals, Unit as UnitType, variant } from './types.ts';
import type { Value } from './values.ts';

// ---------------------------------------------------------------------------
// Types, as run-time `Type`s (for specs, the runtime, and any tool).

/** `<Connect: (), Data: a, Disconnect: ()>`: what happened on a connection. */
export function sessionEvent(a: Type): Type {
  return variant({ Connect: UnitType, Data: a, Disconnect: UnitType });
}

/** `(Int, <Connect: (), Data: a, Disconnect: ()>)`: the connection id and what happened on it. */
export function sessionInput(a: Type): Type {
  return pair(IntType, sessionEvent(a));
}

/** `<Reply: b, Silent: ()>`: the answer to the connection the item came from, or nothing. */
export function sessionOutput(b: Type): Type {
  return variant({ Reply: b, Silent: UnitType });
}

/** The message and answer types of a session pipeline, and where its cases sit in the canonical layout. */
export interface SessionTypes {
  /** `a`: what one message of a client is. */
  readonly data: Type;
  /** `b`: what one answer is. */
  readonly reply: Type;
  /** Case indices of sessionEvent(a) and sessionOutput(b) (cases in name order, as compiler/layout.ts writes them). */
  readonly cases: { readonly connect: number; readonly data: number; readonly disconnect: number; readonly reply: number; readonly silent: number };
}

/**
 * Recognises a pipeline that follows the session convention, by structure:
 *
 *   sessionTypes((Int, <Connect: (), Data: String, Disconnect: ()>), <Reply: String, Silent: ()>)  =>  { data: String, reply: String, … }
 *   sessionTypes(String, String)                                                                =>  null
 *
 * Both types must match: an input of session items with any other output is
 * not a session pipeline (the runtime could not tell what to write).
 */
export function sessionTypes(input: Type, output: Type): SessionTypes | null {
  if (input.kind !== 'Pair' || input.fst.kind !== 'Int') return null;
  const event = input.snd;
  if (event.kind !== 'Variant' || output.kind !== 'Variant') return null;
  const dataCase = event.cases.find((c) => c.name === 'Data');
  const replyCase = output.cases.find((c) => c.name === 'Reply');
  if (dataCase === undefined || replyCase === undefined) return null;
  if (!typeEquals(event, sessionEvent(dataCase.type)) || !typeEquals(output, sessionOutput(replyCase.type))) return null;
  const at = (t: Type & { kind: 'Variant' }, name: string) => t.cases.findIndex((c) => c.name === name);
  return {
    data: dataCase.type,
    reply: replyCase.type,
    cases: {
      connect: at(event, 'Connect'),
      data: at(event, 'Data'),
      disconnect: at(event, 'Disconnect'),
      reply: at(output, 'Reply'),
      silent: at(output, 'Silent'),
    },
  };
}

// ---------------------------------------------------------------------------
// The same types in the EDSL: TypeScript value types and witnesses.

export type SessionEvent<A> = VariantOf<{ Connect: Unit; Data: A; Disconnect: Unit }>;
export type SessionInput<A> = Pair<Int, SessionEvent<A>>;
export type SessionOutput<B> = VariantOf<{ Reply: B; Silent: Unit }>;

/** Witnesses: `sessionTy.input(ty.string)` is the input type of a line-protocol session machine. */
export const sessionTy = Object.freeze({
  event: <A>(a: Ty<A>): VariantTy<SessionEvent<A>> => ty.variant({ Connect: ty.unit, Data: a, Disconnect: ty.unit }),
  input: <A>(a: Ty<A>): Ty<SessionInput<A>> => ty.pair(ty.int, sessionTy.event(a)),
  output: <B>(b: Ty<B>): VariantTy<SessionOutput<B>> => ty.variant({ Reply: b, Silent: ty.unit }),
});

// ---------------------------------------------------------------------------
// Combinators for session machines.

/** The handlers of a session machine: each gets the connection id (and, for data, the message). */
export interface SessionHandlers<S, A, B> {
  readonly connect: T<S, Int, SessionOutput<B>>;
  readonly data: T<S, Pair<Int, A>, SessionOutput<B>>;
  readonly disconnect: T<S, Int, SessionOutput<B>>;
}

/**
 * A session machine from its three handlers:
 * `(id, Connect ())` runs `connect` on id, `(id, Data x)` runs `data` on
 * `(id, x)`, `(id, Disconnect ())` runs `disconnect` on id.
 */
export function onSession<S, A, B>(handlers: SessionHandlers<S, A, B>): T<S, SessionInput<A>, SessionOutput<B>> {
  return pipe(
    distr<S, Int, SessionEvent<A>>(),
    match({
      Connect: pipe(fst<S, Int, Unit>(), handlers.connect),
      Data: handlers.data,
      Disconnect: pipe(fst<S, Int, Unit>(), handlers.disconnect),
    }),
  );
}

/** `Reply x` from x. */
export const reply = <S, B>(b: Ty<B>): T<S, B, SessionOutput<B>> => inject('Reply', sessionTy.output(b));

/** `Silent ()`, whatever the input. */
export const silent = <S, A, B>(b: Ty<B>): T<S, A, SessionOutput<B>> => pipe(consume<S, A>(), inject('Silent', sessionTy.output(b)));

/**
 * Applies `f` to the message of Data items and passes Connect and Disconnect
 * through: a stateless stage (a parser, say) placed in front of a session machine.
 */
export function mapData<S, A, B>(f: T<S, A, B>, b: Ty<B>): T<S, SessionInput<A>, SessionInput<B>> {
  const event = sessionTy.event(b);
  return second(
    match({
      Connect: inject<S, SessionEvent<B>, 'Connect'>('Connect', event),
      Data: pipe(f, inject<S, SessionEvent<B>, 'Data'>('Data', event)),
      Disconnect: inject<S, SessionEvent<B>, 'Disconnect'>('Disconnect', event),
    }),
  );
}

/** Applies `f` to Reply payloads and passes Silent through: a stage (a renderer, say) placed after a session machine. */
export function mapReply<S, A, B>(f: T<S, A, B>, b: Ty<B>): T<S, SessionOutput<A>, SessionOutput<B>> {
  const output = sessionTy.output(b);
  return match({
    Reply: pipe(f, inject<S, SessionOutput<B>, 'Reply'>('Reply', output)),
    Silent: inject<S, SessionOutput<B>, 'Silent'>('Silent', output),
  });
}

// ---------------------------------------------------------------------------
// Items as values, for sources, tests and tools.

export const sessionItem = Object.freeze({
  connect: (id: bigint): SessionInput<never> => [id, { tag: 'Connect', value: null }],
  data: <A>(id: bigint, message: A): SessionInput<A> => [id, { tag: 'Data', value: message }],
  disconnect: (id: bigint): SessionInput<never> => [id, { tag: 'Disconnect', value: null }],
});

/** What the runtime writes for an output: the reply's payload, or nothing (`undefined`) for Silent. */
export function replyPayload(output: Value): Value | undefined {
  if (output === null || typeof output !== 'object' || !('tag' in output)) throw new TypeError('replyPayload: not a session output');
  if (output.tag === 'Reply') return output.value;
  if (output.tag === 'Silent') return undefined;
  throw new TypeError(`replyPayload: not a session output (case ${output.tag})`);
}
