// Line codecs and the message envelope: the fast paths give exactly the
// bytes and lines of the general path (compiler/messages.ts and the value
// codecs), on random strings and random typed values; the envelope is the
// canonical layout of its documented variant type; framing without a newline
// takes only messages that cannot grow.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../compiler/layout.ts';
import { parseServerMessageSeed, showServerMessageSeed } from '../compiler/messages.ts';
import { showString, showValueArg } from '../compiler/seed-syntax.ts';
import { either, Int, Str, Unit, type Type } from '../compiler/types.ts';
import { valueEquals, valueFromJson, valueToJson } from '../compiler/values.ts';
import { lineCodec, ParsedRequest, ReplyBuffer, type Syntax } from '../runtime/codec.ts';
import {
  decodeItemError,
  encodeItemError,
  encodeUpgrade,
  encodeUpgradeResult,
  HEADER_BYTES,
  messageType,
  MSG_ITEM,
  MSG_ITEM_ERROR,
  MSG_UPGRADE_RESULT,
  readConnection,
  readRequest,
  writeHeader,
} from '../runtime/envelope.ts';
import { arbString, arbTypedValue } from './arbitraries.ts';

const plainAscii = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))), maxLength: 30 });

/** The canonical bytes a parsed request stands for. */
function requestBytes(p: ParsedRequest, line: Buffer): Uint8Array {
  if (p.kind === 'string') {
    const n = p.end - p.start;
    const out = new Uint8Array(4 + n);
    new DataView(out.buffer).setUint32(0, n, true);
    out.set(line.subarray(p.start, p.end), 4);
    return out;
  }
  if (p.kind === 'item') return p.bytes;
  throw new Error(`not an item: ${p.kind} ${p.message}`);
}

function parseLine(syntax: Syntax, type: Type, text: string): { parsed: ParsedRequest; line: Buffer } {
  const line = Buffer.from(text);
  const parsed = new ParsedRequest();
  lineCodec(syntax, type, type).parse(line, 0, line.length, parsed);
  return { parsed, line };
}

function replyLine(syntax: Syntax, type: Type, kind: typeof MSG_ITEM | typeof MSG_ITEM_ERROR | typeof MSG_UPGRADE_RESULT, body: Uint8Array): string {
  const out = new ReplyBuffer();
  // Place the body at an offset, as it sits in a ring.
  const bytes = new Uint8Array(body.length + 7);
  bytes.set(body, 7);
  lineCodec(syntax, type, type).reply(kind, bytes, 7, bytes.length, out);
  return out.take().toString('utf8');
}

describe('String items: fast path and general path agree', () => {
  for (const syntax of ['seed', 'json'] as const) {
    it(`${syntax}: request bytes are the canonical String`, () => {
      fc.assert(
        fc.property(fc.oneof(plainAscii, arbString), (s) => {
          const text = syntax === 'seed' ? `Item ${showString(s)}` : JSON.stringify({ Item: s });
          const { parsed, line } = parseLine(syntax, Str, text);
          expect([...requestBytes(parsed, line)]).toEqual([...encodeValue(Str, s)]);
        }),
        { numRuns: 500 },
      );
    });

    it(`${syntax}: reply lines are the general printer's`, () => {
      fc.assert(
        fc.property(fc.oneof(plainAscii, arbString), (s) => {
          const expected = syntax === 'seed' ? showServerMessageSeed({ kind: 'Item', value: s }, Str) : JSON.stringify({ Item: s });
          expect(replyLine(syntax, Str, MSG_ITEM, encodeValue(Str, s))).toBe(expected + '\n');
        }),
        { numRuns: 500 },
      );
    });
  }

  it('the fast path is taken for the counter\'s messages', () => {
    expect(parseLine('seed', Str, 'Item "Left ()"').parsed.kind).toBe('string');
    expect(parseLine('json', Str, '{"Item":"Left ()"}').parsed.kind).toBe('string');
    // Other spellings of the same message take the general path to the same bytes.
    for (const text of ['Item (MaybeSocket Nothing) "Left ()"', ' Item  "Left ()" ', '(Item "Left ()")']) {
      const { parsed, line } = parseLine('seed', Str, text);
      expect(parsed.kind).toBe('item');
      expect([...requestBytes(parsed, line)]).toEqual([...encodeValue(Str, 'Left ()')]);
    }
    const { parsed, line } = parseLine('json', Str, '{ "Item" : "Left ()" }');
    expect(parsed.kind).toBe('item');
    expect([...requestBytes(parsed, line)]).toEqual([...encodeValue(Str, 'Left ()')]);
  });
});

describe('typed values through both syntaxes', () => {
  for (const syntax of ['seed', 'json'] as const) {
    it(`${syntax}: requests give canonical bytes, replies read back as the value`, () => {
      fc.assert(
        fc.property(arbTypedValue({ maxDepth: 2 }), ({ type, value }) => {
          const text = syntax === 'seed' ? `Item ${showValueArg(type, value)}` : JSON.stringify({ Item: valueToJson(type, value) });
          const { parsed, line } = parseLine(syntax, type, text);
          const bytes = requestBytes(parsed, line);
          expect([...bytes]).toEqual([...encodeValue(type, value)]);
          const reply = replyLine(syntax, type, MSG_ITEM, bytes);
          expect(reply.endsWith('\n')).toBe(true);
          const back =
            syntax === 'seed'
              ? (() => {
                  const r = parseServerMessageSeed(reply.slice(0, -1), type);
                  if (!r.ok || r.message.kind !== 'Item') throw new Error(`reply does not read back: ${reply}`);
                  return r.message.value;
                })()
              : valueFromJson(type, JSON.parse(reply).Item);
          expect(valueEquals(type, back, value)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('replies other than items', () => {
  const error = encodeItemError({ code: 'READ_NO_PARSE', message: 'Read: no parse as Either () ()', stage: 'counter' });
  it('item errors', () => {
    expect(replyLine('seed', Str, MSG_ITEM_ERROR, error)).toBe('Error "Read: no parse as Either () ()"\n');
    expect(JSON.parse(replyLine('json', Str, MSG_ITEM_ERROR, error))).toEqual({ Error: { code: 'READ_NO_PARSE', message: 'Read: no parse as Either () ()', stage: 'counter' } });
  });
  it('upgrade results', () => {
    const ok = encodeUpgradeResult({ ok: true, reason: '', stage: 'counter' });
    const failed = encodeUpgradeResult({ ok: false, reason: 'old state type is UTInt, not UTBool', stage: 'counter' });
    expect(replyLine('seed', Str, MSG_UPGRADE_RESULT, ok)).toBe('UpgradeSucceeded "counter"\n');
    expect(replyLine('seed', Str, MSG_UPGRADE_RESULT, failed)).toBe('UpgradeFailed "counter" "old state type is UTInt, not UTBool"\n');
    expect(JSON.parse(replyLine('json', Str, MSG_UPGRADE_RESULT, ok))).toEqual({ UpgradeSucceeded: 'counter' });
    expect(JSON.parse(replyLine('json', Str, MSG_UPGRADE_RESULT, failed))).toEqual({ UpgradeFailed: { stage: 'counter', reason: 'old state type is UTInt, not UTBool' } });
  });
});

describe('malformed requests', () => {
  const cases: Array<[Syntax, string, RegExp]> = [
    ['json', 'not json', /^not JSON/],
    ['json', '{"Item": 5}', /Item: expected a string for type String, got 5/],
    ['json', '{"Item": "a", "Upgrade": {}}', /one key/],
    ['json', '{"Reset": null}', /unknown message "Reset"/],
    ['json', '{"Upgrade": {"stage": "counter"}}', /missing "oldState"/],
    ['seed', 'Item Left ()', /expected/],
    ['seed', 'Reset', /`Item` or `Upgrade`/],
    ['seed', 'Item "a" "b"', /end of the message/],
  ];
  it.each(cases)('%s: %s', (syntax, text, message) => {
    const { parsed } = parseLine(syntax, Str, text);
    expect(parsed.kind).toBe('error');
    expect(parsed.message).toMatch(message);
  });
  it('blank lines are no request at all', () => {
    expect(parseLine('seed', Str, '  \r').parsed.kind).toBe('empty');
    expect(parseLine('json', Str, '').parsed.kind).toBe('empty');
  });
});

describe('framing without a newline', () => {
  const complete = (syntax: Syntax, type: Type, text: string) => lineCodec(syntax, type, type).completeWithoutNewline(Buffer.from(text), 0, Buffer.byteLength(text));
  it('takes a seed message once it is whole and cannot grow', () => {
    expect(complete('seed', Str, 'Item (MaybeSocket Nothing) "Left ()"')).toBe(true);
    expect(complete('seed', Str, 'Item "Left ()"  ')).toBe(true);
    expect(complete('seed', Str, 'Item "Left ()')).toBe(false);
    expect(complete('seed', Str, 'Item (MaybeSocket Nothing)')).toBe(false);
    expect(complete('seed', either(Int, Unit), 'Item (Left 1)')).toBe(true);
    // `Item 12` may still become `Item 123`.
    expect(complete('seed', Int, 'Item 12')).toBe(false);
    expect(complete('json', Str, '{"Item":"Left ()"}')).toBe(false);
  });
});

describe('the envelope', () => {
  const header = (kind: number, connection: number, request: number, body: Uint8Array) => {
    const bytes = new Uint8Array(HEADER_BYTES + body.length);
    writeHeader(new DataView(bytes.buffer), 0, kind as typeof MSG_ITEM, connection, request);
    bytes.set(body, HEADER_BYTES);
    return bytes;
  };
  it('is the canonical layout of its variant type', () => {
    fc.assert(
      fc.property(arbTypedValue({ maxDepth: 2 }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), ({ type, value }, connection, request) => {
        const ids = [BigInt(connection), BigInt(request)] as const;
        const mine = header(MSG_ITEM, connection, request, encodeValue(type, value));
        expect([...mine]).toEqual([...encodeValue(messageType(type), { tag: 'Item', value: [ids, value] })]);
        const view = new DataView(mine.buffer);
        expect(readConnection(view, 0)).toBe(connection);
        expect(readRequest(view, 0)).toBe(request);
      }),
      { numRuns: 200 },
    );
    const error = { code: 'FAIL', message: 'héllo', stage: 'counter' };
    const bytes = header(MSG_ITEM_ERROR, 3, 4, encodeItemError(error));
    expect(decodeValue(messageType(Unit), bytes)).toEqual({ tag: 'ItemError', value: [[3n, 4n], error] });
    expect(decodeItemError(bytes, HEADER_BYTES, bytes.length)).toEqual(error);
    const upgrade = { data: '{}', stage: 'counter' };
    expect(decodeValue(messageType(Unit), header(3, 1, 2, encodeUpgrade(upgrade)))).toEqual({ tag: 'Upgrade', value: [[1n, 2n], upgrade] });
    const result = { ok: false, reason: 'no', stage: 'counter' };
    expect(decodeValue(messageType(Unit), header(4, 1, 2, encodeUpgradeResult(result)))).toEqual({ tag: 'UpgradeResult', value: [[1n, 2n], result] });
    expect(decodeValue(messageType(Unit), header(0, 0, 0, new Uint8Array(0)))).toEqual({ tag: 'Done', value: [[0n, 0n], null] });
  });
});
