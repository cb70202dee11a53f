// Messages between clients and a running service, and their seed wire syntax
// (the prototype's derived Show/Read of its `Message` type, WIRE.md).
//
//   Item (MaybeSocket Nothing) "Left ()"             =>  { kind: 'Item', value: 'Left ()' }   (a String-typed input)
//   Upgrade "counter" (UpgradeData_ {oldState = …})  =>  { kind: 'Upgrade', stage: 'counter', data: { oldState: Int, … } }
//   { kind: 'Item', value: 'Left 0' }                =>  Item "Left 0"
//   { kind: 'UpgradeFailed', stage, reason }         =>  UpgradeFailed "counter" "old state type is UTInt, not UTBool"
//
// The prototype's client sends one message per connection with no newline,
// so a reader must also know when the bytes so far already form a whole
// message: parsers answer `incomplete` when the text is a strict prefix of a
// message, and `consumed` when it is one.

import { SeedReader, type SeedSyntaxError, showString, showTermSeed, showValueArg } from './seed-syntax.ts';
import type { Term } from './terms.ts';
import { type Type, Str, showTypeSeed } from './types.ts';
import type { Value } from './values.ts';

/** What an upgrade of one stage carries: the types it expects and brings, the new machine, the migration of the state. */
export interface UpgradeData {
  readonly oldState: Type;
  readonly newState: Type;
  readonly newInput: Type;
  readonly newOutput: Type;
  readonly newStateMachine: Term;
  readonly stateMigration: Term;
}

export type ClientMessage =
  | { readonly kind: 'Item'; readonly value: Value }
  | { readonly kind: 'Upgrade'; readonly stage: string; readonly data: UpgradeData };

export type ServerMessage =
  | { readonly kind: 'Item'; readonly value: Value }
  | { readonly kind: 'UpgradeSucceeded'; readonly stage: string }
  | { readonly kind: 'UpgradeFailed'; readonly stage: string; readonly reason: string }
  | { readonly kind: 'Error'; readonly message: string };

/**
 * A parse of one message at the start of a text. `consumed`: characters
 * (UTF-16 code units) from the start of the text to the end of the message,
 * leading whitespace included, trailing whitespace and newline excluded.
 * `incomplete`: the text is a strict prefix of some valid message (wait for
 * more bytes); otherwise it can never become one.
 */
export type SeedMessageParse<M> =
  | { readonly ok: true; readonly message: M; readonly consumed: number }
  | { readonly ok: false; readonly incomplete: boolean; readonly error: string };

/** The record fields of `UpgradeData_`, in the order derived Read requires. */
export const UPGRADE_DATA_FIELDS = ['oldState', 'newState', 'newInput', 'newOutput', 'newStateMachine', 'stateMigration'] as const;

export interface ClientShowOptions {
  /** Print the prototype client's `(MaybeSocket Nothing)` after the constructor. Default true: what the prototype's server reads. */
  readonly maybeSocket?: boolean;
}

/** `Item (MaybeSocket Nothing) "Left ()"`, `Upgrade (MaybeSocket Nothing) "counter" (UpgradeData_ {…})`. */
export function showClientMessageSeed(msg: ClientMessage, inputType: Type, options: ClientShowOptions = {}): string {
  const socket = options.maybeSocket === false ? '' : ' (MaybeSocket Nothing)';
  switch (msg.kind) {
    case 'Item':
      return 'Item' + socket + ' ' + showValueArg(inputType, msg.value);
    case 'Upgrade': {
      const d = msg.data;
      return (
        'Upgrade' + socket + ' ' + showString(msg.stage) +
        ' (UpgradeData_ {oldState = ' + showTypeSeed(d.oldState) +
        ', newState = ' + showTypeSeed(d.newState) +
        ', newInput = ' + showTypeSeed(d.newInput) +
        ', newOutput = ' + showTypeSeed(d.newOutput) +
        ', newStateMachine = ' + showTermSeed(d.newStateMachine) +
        ', stateMigration = ' + showTermSeed(d.stateMigration) + '})'
      );
    }
    default:
      throw new Error(`unhandled message kind ${(msg satisfies never as ClientMessage).kind}`);
  }
}

/** `Item "Left 0"`, `UpgradeSucceeded "counter"`, `UpgradeFailed "counter" "<reason>"`, `Error "<message>"`. */
export function showServerMessageSeed(msg: ServerMessage, outputType: Type): string {
  switch (msg.kind) {
    case 'Item':
      return 'Item ' + showValueArg(outputType, msg.value);
    case 'UpgradeSucceeded':
      return 'UpgradeSucceeded ' + showString(msg.stage);
    case 'UpgradeFailed':
      return 'UpgradeFailed ' + showString(msg.stage) + ' ' + showString(msg.reason);
    case 'Error':
      return 'Error ' + showString(msg.message);
    default:
      throw new Error(`unhandled message kind ${(msg satisfies never as ServerMessage).kind}`);
  }
}

/**
 * One client message at the start of `text`: `Item <value>` (the input value
 * as a constructor argument) or `Upgrade <stage> <UpgradeData_ {…}>`, each
 * optionally with the prototype's `(MaybeSocket Nothing)` or
 * `(MaybeSocket (Just …))` after the constructor. After the message only
 * spaces, tabs and CRs may follow on its line. Never throws for bad text.
 */
export function parseClientMessageSeed(text: string, inputType: Type): SeedMessageParse<ClientMessage> {
  const r = new SeedReader(text);
  return finish(
    r,
    r.run((): ClientMessage => {
      const open = r.openParens();
      const start = r.pos;
      const id = r.ident();
      let message: ClientMessage;
      if (id === 'Item') {
        skipMaybeSocket(r);
        message = { kind: 'Item', value: r.valueArg(inputType) };
      } else if (id === 'Upgrade') {
        skipMaybeSocket(r);
        const stage = r.valueArg(Str) as string;
        message = { kind: 'Upgrade', stage, data: readUpgradeData(r) };
      } else {
        return r.abort('`Item` or `Upgrade`', start, r.identCouldGrow(id, ['Item', 'Upgrade']));
      }
      r.closeParens(open);
      return message;
    }),
  );
}

/**
 * One server message at the start of `text` (what `smwasm` reads as a client):
 * smwasm's replies, and the prototype's (`Item (MaybeSocket (Just <socket: 13>)) "Left 0"`,
 * `UpgradeFailed "counter"` with no reason, read as reason '').
 */
export function parseServerMessageSeed(text: string, outputType: Type): SeedMessageParse<ServerMessage> {
  const r = new SeedReader(text);
  const words = ['Item', 'UpgradeSucceeded', 'UpgradeFailed', 'Error'];
  return finish(
    r,
    r.run((): ServerMessage => {
      const open = r.openParens();
      const start = r.pos;
      const id = r.ident();
      let message: ServerMessage;
      switch (id) {
        case 'Item':
          skipMaybeSocket(r);
          message = { kind: 'Item', value: r.valueArg(outputType) };
          break;
        case 'UpgradeSucceeded':
          message = { kind: 'UpgradeSucceeded', stage: r.valueArg(Str) as string };
          break;
        case 'UpgradeFailed': {
          const stage = r.valueArg(Str) as string;
          const afterStage = r.pos;
          const c = r.peek();
          // The prototype sends no reason; a string (or its parentheses) after the stage is smwasm's.
          const reason = c === 0x22 || c === 0x28 ? (r.valueArg(Str) as string) : '';
          if (reason === '' && c !== 0x22 && c !== 0x28) r.pos = afterStage;
          message = { kind: 'UpgradeFailed', stage, reason };
          break;
        }
        case 'Error':
          message = { kind: 'Error', message: r.valueArg(Str) as string };
          break;
        default:
          return r.abort(words.map((w) => '`' + w + '`').join(' or '), start, r.identCouldGrow(id, words));
      }
      r.closeParens(open);
      return message;
    }),
  );
}

/** Checks what follows a parsed message and shapes the answer. */
function finish<M>(r: SeedReader, result: { ok: true; value: M } | { ok: false; error: SeedSyntaxError }): SeedMessageParse<M> {
  if (!result.ok) return { ok: false, incomplete: result.error.incomplete, error: result.error.message };
  const consumed = r.pos;
  let pos = consumed;
  while (pos < r.end) {
    const c = r.text.charCodeAt(pos);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
    pos++;
  }
  if (pos < r.end && r.text.charCodeAt(pos) !== 0x0a) {
    r.fail('the end of the message (a newline)', pos, false);
    return { ok: false, incomplete: false, error: r.error().message };
  }
  return { ok: true, message: result.value, consumed };
}

/**
 * Skips the prototype's `(MaybeSocket Nothing)` or `(MaybeSocket (Just <anything up to the matching paren>))`
 * when it comes next; otherwise leaves the position alone. (An input variant
 * with a case named MaybeSocket would be read as this form.)
 */
function skipMaybeSocket(r: SeedReader): void {
  const save = r.pos;
  const open = r.openParens();
  if (open === 0) return;
  const start = r.pos;
  const id = r.ident();
  if (id !== 'MaybeSocket') {
    if (r.identCouldGrow(id, ['MaybeSocket'])) r.abort('`MaybeSocket` or a value', start, true);
    r.pos = save;
    return;
  }
  const c = r.peek();
  if (c === 0x28) {
    let depth = 0;
    for (;;) {
      if (r.pos >= r.end) r.abort('`)` closing `(Just …`', r.pos, true);
      const k = r.text.charCodeAt(r.pos++);
      if (k === 0x28) depth++;
      else if (k === 0x29 && --depth === 0) break;
    }
  } else {
    r.expectWord('Nothing');
  }
  r.closeParens(open);
}

/** `UpgradeData_ {oldState = …, …, stateMigration = …}`, itself possibly in parentheses. */
function readUpgradeData(r: SeedReader): UpgradeData {
  const open = r.openParens();
  r.expectWord('UpgradeData_');
  r.expect(0x7b, '`{`');
  const out: Record<string, Type | Term> = {};
  UPGRADE_DATA_FIELDS.forEach((name, i) => {
    if (i > 0) r.expect(0x2c, '`,`');
    r.expectWord(name);
    r.expect(0x3d, '`=`');
    out[name] = name === 'newStateMachine' || name === 'stateMigration' ? r.termTop() : r.typeExpr(false);
  });
  r.expect(0x7d, '`}`');
  r.closeParens(open);
  return out as unknown as UpgradeData;
}
