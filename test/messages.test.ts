// Messages in the seed syntax: the exact bytes of WIRE.md's session both ways,
// framing (`consumed`, `incomplete`) for clients that send no newline, and
// round trips of random messages.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClientMessage,
  type ServerMessage,
  type UpgradeData,
  parseClientMessageSeed,
  parseServerMessageSeed,
  showClientMessageSeed,
  showServerMessageSeed,
} from '../compiler/messages.ts';
import { parseTermSeed } from '../compiler/seed-syntax.ts';
import { mk, termToJson } from '../compiler/terms.ts';
import { Bool, Int, Str, type Type, Unit, either, pair, typeEquals } from '../compiler/types.ts';
import { type Value, left, valueEquals } from '../compiler/values.ts';
import { arbString, arbType, arbTypedValue, arbUntypedTerm } from './arbitraries.ts';

const RUNS = { numRuns: 500 };

// Copied byte for byte from WIRE.md.
const UPGRADE_V2 =
  'Upgrade (MaybeSocket Nothing) "counter" (UpgradeData_ {oldState = UTInt, newState = UTInt, newInput = UTString, newOutput = UTString, newStateMachine = ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTInt UTUnit))) (CaseU (ComposeU PutU (IntU 0)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU)))) (ReadU (UTEither UTUnit (UTEither UTUnit UTUnit))), stateMigration = IdU})';
const UPGRADE_V3 =
  'Upgrade (MaybeSocket Nothing) "counter" (UpgradeData_ {oldState = UTInt, newState = UTPair UTInt UTBool, newInput = UTString, newOutput = UTString, newStateMachine = ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTUnit (UTEither UTInt UTUnit)))) (CaseU (ComposeU (ComposeU PutU (SecondU NotU)) GetU) (CaseU (ComposeU PutU ((:.&&) (IntU 0) (BoolU False))) (CaseU (ComposeU FstU GetU) (ComposeU (ComposeU (ComposeU PutU ((:.&&) IdU (ComposeU (ComposeU SndU GetU) ConsumeU))) (IfU DecrU IncrU)) GetU))))) (ReadU (UTEither UTUnit (UTEither UTUnit (UTEither UTUnit UTUnit)))), stateMigration = (:.&&) IdU (BoolU False)})';

function parseClient(text: string, inputType: Type = Str): { message: ClientMessage; consumed: number } {
  const r = parseClientMessageSeed(text, inputType);
  if (!r.ok) throw new Error(`${JSON.stringify(text)}: ${r.error}`);
  return r;
}

function parseServer(text: string, outputType: Type = Str): { message: ServerMessage; consumed: number } {
  const r = parseServerMessageSeed(text, outputType);
  if (!r.ok) throw new Error(`${JSON.stringify(text)}: ${r.error}`);
  return r;
}

function upgradeOf(m: ClientMessage): UpgradeData & { stage: string } {
  if (m.kind !== 'Upgrade') throw new Error(`expected an Upgrade, got ${m.kind}`);
  return { ...m.data, stage: m.stage };
}

describe('the exact messages of WIRE.md', () => {
  it('reads the v2 upgrade and prints it back byte for byte', () => {
    const { message, consumed } = parseClient(UPGRADE_V2);
    expect(consumed).toBe(UPGRADE_V2.length);
    const u = upgradeOf(message);
    expect(u.stage).toBe('counter');
    for (const t of [u.oldState, u.newState]) expect(typeEquals(t, Int)).toBe(true);
    for (const t of [u.newInput, u.newOutput]) expect(typeEquals(t, Str)).toBe(true);
    expect(termToJson(u.stateMigration)).toEqual({ op: 'Id' });
    expect(termToJson(u.newStateMachine)).toEqual(
      termToJson(
        parseTermSeed(
          'ComposeU (ComposeU (ShowU (UTEither UTUnit (UTEither UTInt UTUnit))) (CaseU (ComposeU PutU (IntU 0)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU)))) (ReadU (UTEither UTUnit (UTEither UTUnit UTUnit)))',
        ),
      ),
    );
    expect(showClientMessageSeed(message, Str)).toBe(UPGRADE_V2);
  });

  it('reads the v3 upgrade and prints it back byte for byte', () => {
    const { message, consumed } = parseClient(UPGRADE_V3);
    expect(consumed).toBe(UPGRADE_V3.length);
    const u = upgradeOf(message);
    expect(typeEquals(u.oldState, Int)).toBe(true);
    expect(typeEquals(u.newState, pair(Int, Bool))).toBe(true);
    expect(termToJson(u.stateMigration)).toEqual(termToJson(mk('Fanout', { left: mk('Id', {}), right: mk('Bool', { value: false }) })));
    expect(showClientMessageSeed(message, Str)).toBe(UPGRADE_V3);
  });

  it('reads items with and without the prototype client socket, and prints the client form', () => {
    for (const text of ['Item (MaybeSocket Nothing) "Left ()"', 'Item "Left ()"', 'Item (MaybeSocket (Just <socket: 13>)) "Left ()"']) {
      const { message, consumed } = parseClient(text);
      expect(message).toEqual({ kind: 'Item', value: 'Left ()' });
      expect(consumed).toBe(text.length);
    }
    expect(showClientMessageSeed({ kind: 'Item', value: 'Right ()' }, Str)).toBe('Item (MaybeSocket Nothing) "Right ()"');
    expect(showClientMessageSeed({ kind: 'Item', value: 'Right ()' }, Str, { maybeSocket: false })).toBe('Item "Right ()"');
    expect(showClientMessageSeed({ kind: 'Item', value: 'Right (Right (Left ()))' }, Str)).toBe('Item (MaybeSocket Nothing) "Right (Right (Left ()))"');
  });

  it('prints the session replies exactly', () => {
    expect(showServerMessageSeed({ kind: 'Item', value: 'Left 0' }, Str)).toBe('Item "Left 0"');
    expect(showServerMessageSeed({ kind: 'Item', value: 'Right (Right (Left 0))' }, Str)).toBe('Item "Right (Right (Left 0))"');
    expect(showServerMessageSeed({ kind: 'UpgradeSucceeded', stage: 'counter' }, Str)).toBe('UpgradeSucceeded "counter"');
    expect(showServerMessageSeed({ kind: 'UpgradeFailed', stage: 'counter', reason: 'old state type is UTInt, not UTBool' }, Str)).toBe(
      'UpgradeFailed "counter" "old state type is UTInt, not UTBool"',
    );
    expect(showServerMessageSeed({ kind: 'Error', message: 'Read: no parse as Either () ()' }, Str)).toBe('Error "Read: no parse as Either () ()"');
  });

  it("reads the prototype server's replies too", () => {
    expect(parseServer('Item (MaybeSocket (Just <socket: 13>)) "Left 0"').message).toEqual({ kind: 'Item', value: 'Left 0' });
    expect(parseServer('UpgradeFailed "counter"').message).toEqual({ kind: 'UpgradeFailed', stage: 'counter', reason: '' });
    expect(parseServer('UpgradeFailed "counter" "why"').message).toEqual({ kind: 'UpgradeFailed', stage: 'counter', reason: 'why' });
    expect(parseServer('UpgradeSucceeded "counter"').message).toEqual({ kind: 'UpgradeSucceeded', stage: 'counter' });
    expect(parseServer('Error "x\\ny"').message).toEqual({ kind: 'Error', message: 'x\ny' });
  });
});

describe('items of other input types', () => {
  it('prints the input value as a constructor argument', () => {
    const t = either(Int, Unit);
    expect(showClientMessageSeed({ kind: 'Item', value: left(-1n) }, t, { maybeSocket: false })).toBe('Item (Left (-1))');
    expect(showClientMessageSeed({ kind: 'Item', value: -1n }, Int, { maybeSocket: false })).toBe('Item (-1)');
    expect(showServerMessageSeed({ kind: 'Item', value: left(2n) }, t)).toBe('Item (Left 2)');
    expect(parseClient('Item (MaybeSocket Nothing) (Left (-1))', t).message).toEqual({ kind: 'Item', value: left(-1n) });
  });

  it('refuses an application or negative number that is not parenthesised', () => {
    expect(parseClientMessageSeed('Item Left 1', either(Int, Unit))).toMatchObject({ ok: false, incomplete: false });
    expect(parseClientMessageSeed('Item -1', Int)).toMatchObject({ ok: false, incomplete: false });
  });
});

describe('what Read accepts around messages', () => {
  it('accepts extra spaces, redundant parentheses and an UpgradeData_ without parentheses', () => {
    const spaced = UPGRADE_V2.replace(/ /g, '  ').replace('(UpgradeData_', '( ( UpgradeData_').replace(/\}\)$/, '} ) )');
    expect(upgradeOf(parseClient(spaced).message).stage).toBe('counter');
    const bare = UPGRADE_V2.replace('(UpgradeData_', 'UpgradeData_').replace(/\}\)$/, '}');
    expect(showClientMessageSeed(parseClient(bare).message, Str)).toBe(UPGRADE_V2);
    const short = UPGRADE_V2.replace(' (MaybeSocket Nothing)', '');
    expect(showClientMessageSeed(parseClient(short).message, Str, { maybeSocket: false })).toBe(short);
    expect(parseClient('(Item ((MaybeSocket Nothing)) ("x"))').message).toEqual({ kind: 'Item', value: 'x' });
  });

  it('requires the UpgradeData_ fields in their declared order', () => {
    const swapped = UPGRADE_V2.replace('oldState = UTInt, newState = UTInt', 'newState = UTInt, oldState = UTInt');
    const r = parseClientMessageSeed(swapped, Str);
    expect(r).toMatchObject({ ok: false, incomplete: false });
    if (!r.ok) expect(r.error).toMatch(/expected `oldState`, found `newState`/);
  });

  it('refuses ill-formed terms and types inside an upgrade, with where and what', () => {
    const r = parseClientMessageSeed(UPGRADE_V2.replace('stateMigration = IdU', 'stateMigration = IdentU'), Str);
    expect(r).toMatchObject({ ok: false, incomplete: false });
    if (!r.ok) expect(r.error).toMatch(/^line 1, column \d+: expected a combinator .*, found `IdentU`$/);
    const s = parseClientMessageSeed(UPGRADE_V2.replace('oldState = UTInt', 'oldState = UTNumber'), Str);
    expect(s).toMatchObject({ ok: false, incomplete: false });
  });
});

describe('framing', () => {
  it('counts the message without trailing spaces, CR or newline, and allows the next line after it', () => {
    expect(parseClient('Item "a"').consumed).toBe(8);
    expect(parseClient('  Item "a"  \r\n').consumed).toBe(10);
    expect(parseClient('Item "a"\nItem "b"\n').consumed).toBe(8);
    expect(parseServer('UpgradeFailed "c"   ').consumed).toBe(17);
  });

  it('refuses text after the message on its line', () => {
    const r = parseClientMessageSeed('Item "a" Item "b"', Str);
    expect(r).toMatchObject({ ok: false, incomplete: false });
    if (!r.ok) expect(r.error).toBe('line 1, column 10: expected the end of the message (a newline), found `Item`');
  });

  it('says every strict prefix of the WIRE.md messages is incomplete, and the whole is complete', () => {
    for (const text of [UPGRADE_V2, UPGRADE_V3, 'Item (MaybeSocket Nothing) "Left ()"', 'Item "Right (Left ())"', 'Item (MaybeSocket (Just <socket: 13>)) "x"']) {
      for (let n = 0; n < text.length; n++) {
        const r = parseClientMessageSeed(text.slice(0, n), Str);
        expect(r.ok || !r.incomplete ? `prefix ${JSON.stringify(text.slice(0, n))}: ${JSON.stringify(r)}` : '').toBe('');
      }
      expect(parseClientMessageSeed(text, Str)).toMatchObject({ ok: true, consumed: text.length });
    }
  });

  it('says a text that can never become a message is not incomplete', () => {
    for (const text of ['Itemx', 'Item x', 'Upgrade "c" (Foo', 'Item (MaybeSocket Nothin)', 'Item "a\\q', 'Hello', ')', 'Item "a" b']) {
      expect(parseClientMessageSeed(text, Str)).toMatchObject({ ok: false, incomplete: false });
    }
    for (const text of ['UpgradeSucceeded 3', 'Error', 'Item']) expect(parseServerMessageSeed(text + ' ]', Str)).toMatchObject({ ok: false, incomplete: false });
  });

  it('knows an Int item is complete as soon as it parses', () => {
    expect(parseClientMessageSeed('Item 1', Int)).toMatchObject({ ok: true, consumed: 6 });
    expect(parseClientMessageSeed('Item (-', Int)).toMatchObject({ ok: false, incomplete: true });
    expect(parseServerMessageSeed('UpgradeFai', Str)).toMatchObject({ ok: false, incomplete: true });
  });
});

// ---------------------------------------------------------------------------

const arbUpgradeData: fc.Arbitrary<UpgradeData> = fc.record({
  oldState: arbType(),
  newState: arbType(),
  newInput: arbType(),
  newOutput: arbType(),
  newStateMachine: arbUntypedTerm(),
  stateMigration: arbUntypedTerm(),
});

function sameUpgrade(a: UpgradeData, b: UpgradeData): void {
  for (const k of ['oldState', 'newState', 'newInput', 'newOutput'] as const) expect(typeEquals(a[k], b[k])).toBe(true);
  expect(termToJson(a.newStateMachine)).toEqual(termToJson(b.newStateMachine));
  expect(termToJson(a.stateMigration)).toEqual(termToJson(b.stateMigration));
}

describe('properties', () => {
  it('items round-trip for every input type, with and without the socket', () => {
    fc.assert(
      fc.property(arbTypedValue(), fc.boolean(), ({ type, value }, maybeSocket) => {
        const text = showClientMessageSeed({ kind: 'Item', value }, type, { maybeSocket });
        const r = parseClientMessageSeed(text + '\n', type);
        expect(r.ok, text).toBe(true);
        if (!r.ok || r.message.kind !== 'Item') return;
        expect(r.consumed).toBe(text.length);
        expect(valueEquals(type, r.message.value, value)).toBe(true);
      }),
      RUNS,
    );
  });

  it('upgrades round-trip, and their strict prefixes are incomplete', () => {
    fc.assert(
      fc.property(arbString, arbUpgradeData, fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), (stage, data, maybeSocket, cuts) => {
        const text = showClientMessageSeed({ kind: 'Upgrade', stage, data }, Unit, { maybeSocket });
        const r = parseClientMessageSeed(text, Unit);
        expect(r.ok, text).toBe(true);
        if (!r.ok) return;
        expect(r.consumed).toBe(text.length);
        const u = upgradeOf(r.message);
        expect(u.stage).toBe(stage);
        sameUpgrade(u, data);
        for (const cut of cuts) {
          const prefix = text.slice(0, cut % text.length);
          expect(parseClientMessageSeed(prefix, Unit), prefix).toMatchObject({ ok: false, incomplete: true });
        }
      }),
      RUNS,
    );
  });

  it('server messages round-trip', () => {
    const arbServer = (type: Type, value: fc.Arbitrary<Value>) =>
      fc.oneof(
        value.map((v): ServerMessage => ({ kind: 'Item', value: v })),
        arbString.map((stage): ServerMessage => ({ kind: 'UpgradeSucceeded', stage })),
        fc.tuple(arbString, arbString).map(([stage, reason]): ServerMessage => ({ kind: 'UpgradeFailed', stage, reason })),
        arbString.map((message): ServerMessage => ({ kind: 'Error', message })),
      ).map((message) => ({ type, message }));
    fc.assert(
      fc.property(arbTypedValue().chain(({ type, value }) => arbServer(type, fc.constant(value))), ({ type, message }) => {
        const text = showServerMessageSeed(message, type);
        const r = parseServerMessageSeed(text, type);
        expect(r.ok, text).toBe(true);
        if (!r.ok) return;
        expect(r.consumed).toBe(text.length);
        if (message.kind === 'Item' && r.message.kind === 'Item') expect(valueEquals(type, r.message.value, message.value)).toBe(true);
        else expect(r.message).toEqual(message);
      }),
      RUNS,
    );
  });

  it('damaged messages give an error, never an exception', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom('', '(', ')', '"', '\\', ' ', '\n', ',', '{', '}', 'x', ':.&&'), (at, cut, insert) => {
        for (const text of [UPGRADE_V2, UPGRADE_V3]) {
          const i = at % (text.length + 1);
          const damaged = text.slice(0, i) + insert + text.slice(i + (cut % 3));
          const r = parseClientMessageSeed(damaged, Str);
          if (!r.ok) expect(r.error).toMatch(/^line \d+, column \d+: expected .+, found .+$/s);
        }
      }),
      RUNS,
    );
  });
});
