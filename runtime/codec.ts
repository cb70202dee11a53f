// Line codecs: one client message per line in, one reply per line out, in
// the seed's syntax, in JSON (docs/wire-format.md, "JSON message envelope"),
// or as raw lines (for nc and telnet users of line protocols).
//
//   seed  in:  Item "Left ()"            Item (MaybeSocket Nothing) "Left ()"     Upgrade "counter" (UpgradeData_ {…})
//         out: Item "Left 0"             Error "Read: no parse as Either () ()"   UpgradeFailed "counter" "…"
//   json  in:  {"Item": "Left ()"}       {"Upgrade": {"stage": "counter", "oldState": "Int", …}}
//         out: {"Item": "Left 0"}        {"Error": {"code": "READ_NO_PARSE", "message": "…", "stage": "counter"}}
//   lines in:  cd docs                   (the line is the String, verbatim)
//         out: OK                        ERROR READ_NO_PARSE: Read: no parse as Either () ()
//
// Requests become envelope bodies (canonical bytes of the pipeline's input
// type); replies are written from envelope records straight into a
// connection's reply buffer. A String payload of plain printable ASCII (the
// counter's every message) takes a fast path both ways: its bytes are copied
// between the line and the ring with no string, no value and no parser in
// between. Everything else goes through compiler/messages.ts and the value
// codecs, and must give the same bytes (test/runtime-codec.test.ts checks).
//
// Session pipelines (compiler/sessions.ts: input (Int, <Connect, Data: a,
// Disconnect>), output <Reply: b, Silent>) are recognised by `lineCodec`: the
// codec then reads and writes the payloads a and b, and the front
// (runtime/front.ts) wraps them in session items, so clients never see or
// forge connection ids.

import { isUtf8 } from 'node:buffer';
import { encodeValue, decodeValue } from '../compiler/layout.ts';
import { parseClientMessageSeed, showServerMessageSeed, UPGRADE_DATA_FIELDS, type UpgradeData } from '../compiler/messages.ts';
import { type PipelineSpec, pipelineInput, pipelineOutput } from '../compiler/pipeline.ts';
import { type SessionTypes, sessionTypes } from '../compiler/sessions.ts';
import { termFromJson, termToJson } from '../compiler/terms.ts';
import { showType, type Type, typeFromJson, typeToJson } from '../compiler/types.ts';
import { type Json, valueFromJson, valueToJson } from '../compiler/values.ts';
import {
  decodeItemError,
  decodeUpgrade,
  decodeUpgradeResult,
  MSG_DONE,
  MSG_ITEM,
  MSG_ITEM_ERROR,
  MSG_UPGRADE,
  MSG_UPGRADE_RESULT,
  type MsgKind,
} from './envelope.ts';

export type Syntax = 'seed' | 'json' | 'lines';
export const SYNTAXES: readonly Syntax[] = ['seed', 'json', 'lines'];

export function parseSyntaxName(name: string): Syntax {
  if (name === 'seed' || name === 'json' || name === 'lines') return name;
  throw new Error(`unknown syntax ${JSON.stringify(name)}; choose one of: ${SYNTAXES.join(', ')}`);
}

/** What one request line holds. One object is reused for every line: read it before parsing the next. */
export class ParsedRequest {
  /**
   * - `empty`: a blank line, no request (no reply);
   * - `string`: an item of type String whose UTF-8 bytes are `line[start, end)` verbatim (the fast path);
   * - `item`: an item whose canonical bytes are `bytes`;
   * - `upgrade`: an upgrade request for `stage` with `data` (JSON text, see UpgradeRequestJson);
   * - `error`: a malformed line; `message` says what is wrong.
   */
  kind: 'empty' | 'string' | 'item' | 'upgrade' | 'error' = 'empty';
  start = 0;
  end = 0;
  bytes: Uint8Array = EMPTY;
  stage = '';
  data = '';
  message = '';
}

const EMPTY = new Uint8Array(0);

/** A growable byte buffer a connection's replies collect in between two socket writes. */
export class ReplyBuffer {
  bytes: Buffer = Buffer.allocUnsafe(256);
  length = 0;
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.bytes.copy(next, 0, 0, this.length);
    this.bytes = next;
  }
  /** Appends text that is known to be ASCII. */
  ascii(s: string): void {
    this.reserve(s.length);
    this.length += this.bytes.write(s, this.length, 'latin1');
  }
  utf8(s: string): void {
    this.reserve(Buffer.byteLength(s));
    this.length += this.bytes.write(s, this.length, 'utf8');
  }
  raw(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    const dst = this.bytes;
    let at = this.length;
    if (n <= 64) {
      // A reply is a few dozen bytes: a loop beats a subarray and a native copy.
      for (let i = start; i < end; i++) dst[at++] = src[i];
    } else {
      dst.set(src.subarray(start, end), at);
    }
    this.length += n;
  }
  /** The collected bytes as a new Buffer (handed to the socket, which keeps it), and an empty buffer. Allocates. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.bytes.copy(out, 0, 0, this.length);
    this.length = 0;
    return out;
  }
}

/** One syntax at one pipeline's types. */
export interface LineCodec {
  readonly syntax: Syntax;
  /** What a request line holds: the pipeline's input type, or a session pipeline's message type a. */
  readonly input: Type;
  /** What a reply line holds: the pipeline's output type, or a session pipeline's answer type b. */
  readonly output: Type;
  /** Set for a session pipeline: the front turns each connection's life into session items around the payloads. */
  readonly session: SessionTypes | null;
  /** Reads `line[start, end)` (no newline) into `out`. Never throws. */
  parse(line: Buffer, start: number, end: number, out: ParsedRequest): void;
  /**
   * Whether `text[start, end)`, which has no newline yet, is already one whole
   * message that no further bytes could extend (the seed client sends no
   * newline and waits for the reply).
   */
  completeWithoutNewline(text: Buffer, start: number, end: number): boolean;
  /** Appends the reply line (with its newline) for the message whose body is `bytes[at, end)`. Done has no reply. */
  reply(kind: MsgKind, bytes: Uint8Array, at: number, end: number, out: ReplyBuffer): void;
  /** The reply line for a request refused before it reached the pipeline. */
  errorLine(message: string): string;
}

/** A pipeline's input and output types the codec cannot serve (the lines syntax on non-String types). */
export class SyntaxTypeError extends Error {
  override name = 'SyntaxTypeError';
}

/**
 * The codec for a pipeline of these input and output types. A session
 * pipeline (compiler/sessions.ts `sessionTypes`) gets a codec of its payloads,
 * with `session` set. Throws SyntaxTypeError when the syntax cannot carry the types.
 */
export function lineCodec(syntax: Syntax, input: Type, output: Type): LineCodec {
  const session = sessionTypes(input, output);
  const a = session?.data ?? input;
  const b = session?.reply ?? output;
  switch (syntax) {
    case 'seed':
      return new SeedCodec(a, b, session);
    case 'json':
      return new JsonCodec(a, b, session);
    case 'lines':
      return new LinesCodec(a, b, session, input, output);
    default:
      throw new Error(`unknown syntax ${syntax satisfies never}`);
  }
}

/** The codec of a pipeline spec at its declared types, made before it is deployed: a syntax that cannot carry them is refused before any thread starts. */
export function specCodec(syntax: Syntax, spec: PipelineSpec): LineCodec {
  return lineCodec(syntax, pipelineInput(spec), pipelineOutput(spec));
}

/** Whether `b[start, end)` is printable ASCII without `"` and `\`: text that is its own escape in Haskell Show and in JSON. */
function plainAscii(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function startsWith(b: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[start + i] !== prefix[i]) return false;
  return true;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function isBlank(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Reads a String body (u32 length, UTF-8) at `at`; -1 when the body is not exactly one String. */
function stringBodyLength(bytes: Uint8Array, at: number, end: number): number {
  if (end - at < 4) return -1;
  const n = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
  return n >= 0 && at + 4 + n === end ? n : -1;
}

/** The JSON text form of an upgrade request carried in an Upgrade message (types and terms in their JSON forms). */
export type UpgradeRequestJson = { [K in (typeof UPGRADE_DATA_FIELDS)[number]]: Json };

export function upgradeDataToJson(d: UpgradeData): UpgradeRequestJson {
  return {
    oldState: typeToJson(d.oldState) as Json,
    newState: typeToJson(d.newState) as Json,
    newInput: typeToJson(d.newInput) as Json,
    newOutput: typeToJson(d.newOutput) as Json,
    newStateMachine: termToJson(d.newStateMachine),
    stateMigration: termToJson(d.stateMigration),
  };
}

/** Reads the JSON form of an upgrade request; throws with the path of what is wrong. */
export function upgradeDataFromJson(json: unknown, path: string): UpgradeData {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${path}: expected an object with ${UPGRADE_DATA_FIELDS.join(', ')}`);
  const o = json as Record<string, unknown>;
  for (const f of UPGRADE_DATA_FIELDS) if (o[f] === undefined) throw new Error(`${path}: missing ${JSON.stringify(f)}`);
  return {
    oldState: typeFromJson(o.oldState, `${path}.oldState`),
    newState: typeFromJson(o.newState, `${path}.newState`),
    newInput: typeFromJson(o.newInput, `${path}.newInput`),
    newOutput: typeFromJson(o.newOutput, `${path}.newOutput`),
    newStateMachine: termFromJson(o.newStateMachine, `${path}.newStateMachine`),
    stateMigration: termFromJson(o.stateMigration, `${path}.stateMigration`),
  };
}

// ---------------------------------------------------------------------------

const SEED_ITEM = ascii('Item "');
const SEED_ITEM_REPLY = ascii('Item "');
const QUOTE_NEWLINE = ascii('"\n');

class SeedCodec implements LineCodec {
  readonly syntax = 'seed';
  private readonly stringIn: boolean;
  private readonly stringOut: boolean;
  constructor(
    readonly input: Type,
    readonly output: Type,
    readonly session: SessionTypes | null,
  ) {
    this.stringIn = input.kind === 'String';
    this.stringOut = output.kind === 'String';
  }

  parse(line: Buffer, start: number, end: number, out: ParsedRequest): void {
    if (isBlank(line, start, end)) {
      out.kind = 'empty';
      return;
    }
    // Fast path: exactly `Item "<plain ASCII>"`.
    if (this.stringIn && line[end - 1] === 0x22 && end - start > SEED_ITEM.length && startsWith(line, start, end, SEED_ITEM) && plainAscii(line, start + SEED_ITEM.length, end - 1)) {
      out.kind = 'string';
      out.start = start + SEED_ITEM.length;
      out.end = end - 1;
      return;
    }
    const text = line.toString('utf8', start, end);
    const r = parseClientMessageSeed(text, this.input);
    if (!r.ok) {
      out.kind = 'error';
      out.message = r.error;
      return;
    }
    const m = r.message;
    if (m.kind === 'Item') {
      out.kind = 'item';
      out.bytes = encodeValue(this.input, m.value);
    } else {
      out.kind = 'upgrade';
      out.stage = m.stage;
      out.data = JSON.stringify(upgradeDataToJson(m.data));
    }
  }

  completeWithoutNewline(text: Buffer, start: number, end: number): boolean {
    // Only a message ending in a closing quote, parenthesis, bracket or brace cannot grow (`Item 1` may become `Item 12`).
    let last = end - 1;
    while (last >= start && (text[last] === 0x20 || text[last] === 0x09 || text[last] === 0x0d)) last--;
    if (last < start) return false;
    const c = text[last];
    if (c !== 0x22 && c !== 0x29 && c !== 0x5d && c !== 0x7d) return false;
    return parseClientMessageSeed(text.toString('utf8', start, end), this.input).ok;
  }

  reply(kind: MsgKind, bytes: Uint8Array, at: number, end: number, out: ReplyBuffer): void {
    switch (kind) {
      case MSG_ITEM: {
        if (this.stringOut) {
          const n = stringBodyLength(bytes, at, end);
          if (n >= 0 && plainAscii(bytes, at + 4, end)) {
            out.raw(SEED_ITEM_REPLY, 0, SEED_ITEM_REPLY.length);
            out.raw(bytes, at + 4, end);
            out.raw(QUOTE_NEWLINE, 0, 2);
            return;
          }
        }
        const value = decodeValue(this.output, bytes.slice(at, end));
        out.utf8(showServerMessageSeed({ kind: 'Item', value }, this.output) + '\n');
        return;
      }
      case MSG_ITEM_ERROR:
        out.utf8(this.errorLine(decodeItemError(bytes, at, end).message));
        return;
      case MSG_UPGRADE_RESULT: {
        const r = decodeUpgradeResult(bytes, at, end);
        const msg = r.ok ? { kind: 'UpgradeSucceeded' as const, stage: r.stage } : { kind: 'UpgradeFailed' as const, stage: r.stage, reason: r.reason };
        out.utf8(showServerMessageSeed(msg, this.output) + '\n');
        return;
      }
      case MSG_UPGRADE: {
        // No stage took it: there is no stage by that name.
        const u = decodeUpgrade(bytes, at, end);
        out.utf8(showServerMessageSeed({ kind: 'UpgradeFailed', stage: u.stage, reason: `no stage named ${JSON.stringify(u.stage)}` }, this.output) + '\n');
        return;
      }
      case MSG_DONE:
        return;
      default:
        throw new Error(`unknown message kind ${kind satisfies never}`);
    }
  }

  errorLine(message: string): string {
    return showServerMessageSeed({ kind: 'Error', message }, this.output) + '\n';
  }
}

// ---------------------------------------------------------------------------

const JSON_ITEM = ascii('{"Item":"');
const JSON_ITEM_REPLY = ascii('{"Item":"');
const QUOTE_BRACE_NEWLINE = ascii('"}\n');

class JsonCodec implements LineCodec {
  readonly syntax = 'json';
  private readonly stringIn: boolean;
  private readonly stringOut: boolean;
  constructor(
    readonly input: Type,
    readonly output: Type,
    readonly session: SessionTypes | null,
  ) {
    this.stringIn = input.kind === 'String';
    this.stringOut = output.kind === 'String';
  }

  parse(line: Buffer, start: number, end: number, out: ParsedRequest): void {
    if (isBlank(line, start, end)) {
      out.kind = 'empty';
      return;
    }
    // Fast path: exactly `{"Item":"<plain ASCII>"}`.
    if (
      this.stringIn &&
      end - start >= JSON_ITEM.length + 2 &&
      line[end - 1] === 0x7d &&
      line[end - 2] === 0x22 &&
      startsWith(line, start, end, JSON_ITEM) &&
      plainAscii(line, start + JSON_ITEM.length, end - 2)
    ) {
      out.kind = 'string';
      out.start = start + JSON_ITEM.length;
      out.end = end - 2;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(line.toString('utf8', start, end));
    } catch (e) {
      out.kind = 'error';
      out.message = `not JSON: ${(e as Error).message}`;
      return;
    }
    try {
      if (json === null || typeof json !== 'object' || Array.isArray(json) || Object.keys(json).length !== 1) {
        throw new Error('a message is an object with one key, "Item" or "Upgrade"');
      }
      const o = json as Record<string, unknown>;
      if ('Item' in o) {
        out.bytes = encodeValue(this.input, valueFromJson(this.input, o.Item, 'Item'));
        out.kind = 'item';
        return;
      }
      if ('Upgrade' in o) {
        const u = o.Upgrade as Record<string, unknown> | null;
        if (u === null || typeof u !== 'object' || typeof u.stage !== 'string') throw new Error('Upgrade: expected an object with "stage" (a string) and the upgrade data');
        const { stage, ...data } = u;
        out.data = JSON.stringify(upgradeDataToJson(upgradeDataFromJson(data, 'Upgrade')));
        out.stage = stage;
        out.kind = 'upgrade';
        return;
      }
      throw new Error(`unknown message ${JSON.stringify(Object.keys(o)[0])}; expected "Item" or "Upgrade"`);
    } catch (e) {
      out.kind = 'error';
      out.message = (e as Error).message;
    }
  }

  completeWithoutNewline(): boolean {
    // JSON messages end at a newline (or when the client closes its side).
    return false;
  }

  reply(kind: MsgKind, bytes: Uint8Array, at: number, end: number, out: ReplyBuffer): void {
    switch (kind) {
      case MSG_ITEM: {
        if (this.stringOut) {
          const n = stringBodyLength(bytes, at, end);
          if (n >= 0 && plainAscii(bytes, at + 4, end)) {
            out.raw(JSON_ITEM_REPLY, 0, JSON_ITEM_REPLY.length);
            out.raw(bytes, at + 4, end);
            out.raw(QUOTE_BRACE_NEWLINE, 0, 3);
            return;
          }
        }
        const value = decodeValue(this.output, bytes.slice(at, end));
        out.utf8(JSON.stringify({ Item: valueToJson(this.output, value) }) + '\n');
        return;
      }
      case MSG_ITEM_ERROR: {
        const e = decodeItemError(bytes, at, end);
        out.utf8(JSON.stringify({ Error: { code: e.code, message: e.message, stage: e.stage } }) + '\n');
        return;
      }
      case MSG_UPGRADE_RESULT: {
        const r = decodeUpgradeResult(bytes, at, end);
        out.utf8(JSON.stringify(r.ok ? { UpgradeSucceeded: r.stage } : { UpgradeFailed: { stage: r.stage, reason: r.reason } }) + '\n');
        return;
      }
      case MSG_UPGRADE: {
        const u = decodeUpgrade(bytes, at, end);
        out.utf8(JSON.stringify({ UpgradeFailed: { stage: u.stage, reason: `no stage named ${JSON.stringify(u.stage)}` } }) + '\n');
        return;
      }
      case MSG_DONE:
        return;
      default:
        throw new Error(`unknown message kind ${kind satisfies never}`);
    }
  }

  errorLine(message: string): string {
    return JSON.stringify({ Error: { code: 'BAD_REQUEST', message } }) + '\n';
  }
}

// ---------------------------------------------------------------------------

const NEWLINE_BYTE = ascii('\n');

/** Keeps a message on one line: line breaks in it become spaces. */
const oneLine = (text: string) => text.replace(/\r\n|[\r\n]/g, ' ');

/**
 * Raw lines, for people at a terminal (nc, telnet) talking to a line
 * protocol: a request line is the String itself, verbatim (also a blank
 * one); a String reply is written verbatim as one line; errors are
 * `ERROR <code>: <message>`. Both the input and the output (of a session
 * pipeline: its messages and answers) must be String.
 */
class LinesCodec implements LineCodec {
  readonly syntax = 'lines';
  constructor(
    readonly input: Type,
    readonly output: Type,
    readonly session: SessionTypes | null,
    pipelineInput: Type,
    pipelineOutput: Type,
  ) {
    const alternative = 'use --syntax seed or json';
    if (input.kind !== 'String') {
      throw new SyntaxTypeError(
        session !== null
          ? `the lines syntax reads each line as a String, but the pipeline's session messages are of type ${showType(input)} (its input is ${showType(pipelineInput)}); ${alternative}`
          : `the lines syntax reads each line as a String, but the pipeline's input type is ${showType(input)}; ${alternative}`,
      );
    }
    if (output.kind !== 'String') {
      throw new SyntaxTypeError(
        session !== null
          ? `the lines syntax writes each reply as a String, but the pipeline's session replies are of type ${showType(output)} (its output is ${showType(pipelineOutput)}); ${alternative}`
          : `the lines syntax writes each reply as a String, but the pipeline's output type is ${showType(output)}; ${alternative}`,
      );
    }
  }

  parse(line: Buffer, start: number, end: number, out: ParsedRequest): void {
    // A String is UTF-8: plain ASCII is, and anything else is checked (allocates a view).
    if (asciiOnly(line, start, end) || isUtf8(line.subarray(start, end))) {
      out.kind = 'string';
      out.start = start;
      out.end = end;
      return;
    }
    out.kind = 'error';
    out.message = 'the line is not valid UTF-8';
  }

  completeWithoutNewline(): boolean {
    // A line ends at its newline (or when the client closes its side): `ls` may still become `lsx`.
    return false;
  }

  reply(kind: MsgKind, bytes: Uint8Array, at: number, end: number, out: ReplyBuffer): void {
    switch (kind) {
      case MSG_ITEM: {
        if (stringBodyLength(bytes, at, end) < 0) throw new Error('lines: a reply that is not one String');
        out.raw(bytes, at + 4, end);
        out.raw(NEWLINE_BYTE, 0, 1);
        return;
      }
      case MSG_ITEM_ERROR: {
        const e = decodeItemError(bytes, at, end);
        out.utf8(`ERROR ${e.code}: ${oneLine(e.message)}\n`);
        return;
      }
      case MSG_UPGRADE_RESULT: {
        // Lines carry no upgrades, so none is answered here in practice; said plainly if one is.
        const r = decodeUpgradeResult(bytes, at, end);
        out.utf8(r.ok ? `UPGRADED ${r.stage}\n` : `ERROR UPGRADE_FAILED: ${r.stage}: ${oneLine(r.reason)}\n`);
        return;
      }
      case MSG_UPGRADE: {
        const u = decodeUpgrade(bytes, at, end);
        out.utf8(`ERROR UPGRADE_FAILED: ${u.stage}: no stage named ${JSON.stringify(u.stage)}\n`);
        return;
      }
      case MSG_DONE:
        return;
      default:
        throw new Error(`unknown message kind ${kind satisfies never}`);
    }
  }

  errorLine(message: string): string {
    return `ERROR BAD_REQUEST: ${oneLine(message)}\n`;
  }
}

function asciiOnly(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] > 0x7f) return false;
  return true;
}
