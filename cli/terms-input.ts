// Reading terms, types and values given on the command line, in either syntax.
//
//   --syntax seed:  --term 'ComposeU IncrU GetU'   --state-type UTInt        --state 0
//   --syntax json:  --term '{"op":"Incr"}'           --state-type '"Int"'      --state 0

import { parseTermSeed, parseTypeSeed, readValue } from '../compiler/seed-syntax.ts';
import { type Term, termFromJson } from '../compiler/terms.ts';
import { type Type, typeFromJson } from '../compiler/types.ts';
import { type Value, valueFromJson } from '../compiler/values.ts';

export type Syntax = 'seed' | 'json';

export class InputError extends Error {
  override name = 'InputError';
}

export function parseSyntax(s: string): Syntax {
  if (s === 'seed' || s === 'json') return s;
  throw new InputError(`--syntax must be seed or json, not ${JSON.stringify(s)}`);
}

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${what}: not valid JSON (${(e as Error).message})`);
  }
}

export function readTerm(syntax: Syntax, text: string, what = '--term'): Term {
  try {
    return syntax === 'seed' ? parseTermSeed(text) : termFromJson(parseJson(what, text), what);
  } catch (e) {
    throw new InputError(`${what}: ${(e as Error).message}`);
  }
}

export function readType(syntax: Syntax, text: string, what: string): Type {
  try {
    if (syntax === 'seed') return parseTypeSeed(text);
    // A bare type name is accepted without JSON quotes: --state-type Int.
    return typeFromJson(/^[A-Za-z]+$/.test(text.trim()) ? text.trim() : parseJson(what, text), what);
  } catch (e) {
    throw new InputError(`${what}: ${(e as Error).message}`);
  }
}

/**
 * A value of `type`. In seed syntax a String may be given without its quotes
 * (`--input 'Left ()'` means the text `Left ()`) when the text is not itself a
 * quoted string literal.
 */
export function readValueArg(syntax: Syntax, type: Type, text: string, what: string): Value {
  if (syntax === 'json') {
    try {
      return valueFromJson(type, parseJson(what, text), what);
    } catch (e) {
      // valueFromJson's message already starts with the path (`what`).
      throw new InputError((e as Error).message);
    }
  }
  const r = readValue(type, text);
  if (r.ok) return r.value;
  if (type.kind === 'String' && !text.trimStart().startsWith('"')) return text;
  throw new InputError(`${what}: ${r.message}`);
}
