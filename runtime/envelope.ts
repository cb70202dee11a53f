// The message envelope: what one ring record holds between stages.
//
//   Item  connection 7, request 3, value "Left ()"
//   =>  01 00 00 00 | 07 00 00 00 00 00 00 00 | 03 00 00 00 00 00 00 00 | 07 00 00 00 4c 65 66 74 20 28 29
//       case Item    connection (i64)          request (i64)             the value (String "Left ()")
//
// A message is a value of the variant type below in the canonical layout
// (compiler/layout.ts), so it needs no second format: a u32 case index (cases
// in name order), then the payload. Every case's payload starts with the pair
// (connection, request), so the header is always 20 bytes and a stage reads
// the ids without decoding anything:
//
//   Msg a = < Done:          ((Int, Int), ())
//           , Item:          ((Int, Int), a)
//           , ItemError:     ((Int, Int), {code: String, message: String, stage: String})
//           , Upgrade:       ((Int, Int), {data: String, stage: String})
//           , UpgradeResult: ((Int, Int), {ok: Bool, reason: String, stage: String}) >
//
// - Item: a value of the type the next stage takes, with the connection and
//   the request it answers. Connection ids are never reused; request ids count
//   from 0 per connection, so replies can be checked for order at the sink.
// - ItemError: an item that failed in a stage (or was malformed at the source,
//   stage ""); stages pass it on untouched so the reply keeps its place.
// - Upgrade: a control message, in order with the items: the stage it names
//   acts on it between two items (the cut) and answers with an UpgradeResult
//   that travels on to the sink. `data` is the upgrade in its JSON text form.
// - Done: the end of the stream; each stage forwards it and stops.

import { Bool, Int, pair, record, Str, type Type, Unit, variant } from '../compiler/types.ts';

export const MSG_DONE = 0;
export const MSG_ITEM = 1;
export const MSG_ITEM_ERROR = 2;
export const MSG_UPGRADE = 3;
export const MSG_UPGRADE_RESULT = 4;
export type MsgKind = typeof MSG_DONE | typeof MSG_ITEM | typeof MSG_ITEM_ERROR | typeof MSG_UPGRADE | typeof MSG_UPGRADE_RESULT;

/** Bytes before a message's body: case index, connection, request. */
export const HEADER_BYTES = 20;

const ids = pair(Int, Int);
/** The envelope as a smwasm type, for documentation and for tests that check the layout against compiler/layout.ts. */
export function messageType(item: Type): Type {
  return variant({
    Done: pair(ids, Unit),
    Item: pair(ids, item),
    ItemError: pair(ids, record({ code: Str, message: Str, stage: Str })),
    Upgrade: pair(ids, record({ data: Str, stage: Str })),
    UpgradeResult: pair(ids, record({ ok: Bool, reason: Str, stage: Str })),
  });
}

const TWO_32 = 4294967296;

/** Writes the header at `at`. Ids are non-negative integers below 2^53, kept as two u32 halves so nothing allocates a bigint. */
export function writeHeader(view: DataView, at: number, kind: MsgKind, connection: number, request: number): void {
  view.setUint32(at, kind, true);
  view.setUint32(at + 4, connection >>> 0, true);
  view.setUint32(at + 8, Math.floor(connection / TWO_32), true);
  view.setUint32(at + 12, request >>> 0, true);
  view.setUint32(at + 16, Math.floor(request / TWO_32), true);
}

export function readKind(view: DataView, at: number): MsgKind {
  return view.getUint32(at, true) as MsgKind;
}

export function readConnection(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) + view.getUint32(at + 8, true) * TWO_32;
}

export function readRequest(view: DataView, at: number): number {
  return view.getUint32(at + 12, true) + view.getUint32(at + 16, true) * TWO_32;
}

// --- bodies made of strings (errors, upgrades, results): allocate; never on the item path ---

const encoder = new TextEncoder();
// ignoreBOM: texts keep a leading U+FEFF, as compiler/layout.ts does for Strings.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export interface ItemErrorBody {
  readonly code: string;
  readonly message: string;
  readonly stage: string;
}

export interface UpgradeBody {
  readonly data: string;
  readonly stage: string;
}

export interface UpgradeResultBody {
  readonly ok: boolean;
  readonly reason: string;
  readonly stage: string;
}

/** A body as canonical bytes, fields in name order. */
export function encodeItemError(e: ItemErrorBody): Uint8Array {
  return strings([e.code, e.message, e.stage]);
}

export function encodeUpgrade(u: UpgradeBody): Uint8Array {
  return strings([u.data, u.stage]);
}

export function encodeUpgradeResult(r: UpgradeResultBody): Uint8Array {
  const rest = strings([r.reason, r.stage]);
  const out = new Uint8Array(1 + rest.length);
  out[0] = r.ok ? 1 : 0;
  out.set(rest, 1);
  return out;
}

export function decodeItemError(bytes: Uint8Array, at: number, end: number): ItemErrorBody {
  const [code, message, stage] = readStrings(bytes, at, end, 3);
  return { code, message, stage };
}

export function decodeUpgrade(bytes: Uint8Array, at: number, end: number): UpgradeBody {
  const [data, stage] = readStrings(bytes, at, end, 2);
  return { data, stage };
}

export function decodeUpgradeResult(bytes: Uint8Array, at: number, end: number): UpgradeResultBody {
  const [reason, stage] = readStrings(bytes, at + 1, end, 2);
  return { ok: bytes[at] === 1, reason, stage };
}

function strings(texts: readonly string[]): Uint8Array {
  const parts = texts.map((t) => encoder.encode(t));
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

function readStrings(bytes: Uint8Array, at: number, end: number, count: number): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 4 > end) throw new Error('truncated message body');
    const n = view.getUint32(at, true);
    if (at + 4 + n > end) throw new Error('truncated message body');
    // Copy out of shared memory first: the bytes may be reused once the record is freed.
    out.push(decoder.decode(bytes.slice(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  return out;
}
