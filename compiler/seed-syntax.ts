// The seed prototype's Haskell Show/Read syntax for values, types (`Ty_`) and terms (`U`).
//
//   showValue(Either () Int, Right -1n)                =>  Right (-1)
//   readValue(Either () Int, " ( Right ((-1)) ) ")     =>  { ok: true, value: Right -1n }
//   parseTypeSeed("UTPair UTInt (UTList UTBool)")      =>  (Int, List Bool)
//   showTermSeed(Compose(Put, Int 0))                  =>  ComposeU PutU (IntU 0)
//   parseTermSeed("IdU :.&& BoolU False")              =>  Fanout(Id, Bool False)
//
// Values are read type-directed by a hand-written scanner: the type says what
// must come next, so no token stream or syntax tree is built. Runs of
// redundant parentheses are counted in a loop instead of recursed into, so a
// value's recursion follows only its type and `((…((1))…))` nested 100,000
// deep costs no stack. Value reading reports failure through fields of the
// reader (no exceptions on the Read hot path); types and terms, which only
// arrive with upgrades, abort with an exception that the entry points turn
// into a SeedSyntaxError, and bound their own nesting.

import { OPS, type Op, type Term, TERM_LIMITS, termDepth, termSize } from './terms.ts';
import { type Field, type Type, Bool, Int, Str, Unit, either, list, map, pair, record, showTypeSeed, unreachableKind, variant } from './types.ts';
import { INT_MAX, INT_MIN, type ListValue, PMap, type PairValue, type RecordValue, type TaggedValue, type Value } from './values.ts';

// ---------------------------------------------------------------------------
// Show

/** Haskell `show` of a value of type `t` (SEMANTICS.md, "Show syntax"). */
export function showValue(t: Type, v: Value): string {
  return showAt(t, v, false, Infinity);
}

/** The value as a constructor argument (`showsPrec 11`): applications and negative numbers in parentheses. */
export function showValueArg(t: Type, v: Value): string {
  return showAt(t, v, true, Infinity);
}

/** Thrown inside `showAt` when a list or map's text has reached the limit. */
const TEXT_LIMIT = Symbol('text limit');

/**
 * `showValue`, or undefined once the text would reach `limit` characters. Lists and maps check
 * between elements, so a list of many references to one long string stops early instead of
 * building all its text (how the Show term is charged fuel, compiler/interpret.ts).
 */
export function showValueWithin(t: Type, v: Value, limit: number): string | undefined {
  try {
    return showAt(t, v, false, limit);
  } catch (e) {
    if (e === TEXT_LIMIT) return undefined;
    throw e;
  }
}

function showAt(t: Type, v: Value, arg: boolean, limit: number): string {
  switch (t.kind) {
    case 'Unit':
      return '()';
    case 'Int': {
      const n = v as bigint;
      return arg && n < 0n ? '(' + n.toString() + ')' : n.toString();
    }
    case 'Bool':
      return v ? 'True' : 'False';
    case 'String':
      return showString(v as string);
    case 'Pair': {
      const p = v as PairValue;
      return '(' + showAt(t.fst, p[0], false, limit) + ',' + showAt(t.snd, p[1], false, limit) + ')';
    }
    case 'Either': {
      const x = v as TaggedValue;
      const s = x.tag === 'Left' ? 'Left ' + showAt(t.left, x.value, true, limit) : 'Right ' + showAt(t.right, x.value, true, limit);
      return arg ? '(' + s + ')' : s;
    }
    case 'Variant': {
      const x = v as TaggedValue;
      const s = x.tag + ' ' + showAt(caseType(t.cases, x.tag), x.value, true, limit);
      return arg ? '(' + s + ')' : s;
    }
    case 'List': {
      const xs = v as ListValue;
      if (xs.length === 0) return '[]';
      let s = '[' + showAt(t.elem, xs[0], false, limit);
      for (let i = 1; i < xs.length; i++) {
        if (s.length >= limit) throw TEXT_LIMIT;
        s += ',' + showAt(t.elem, xs[i], false, limit);
      }
      return s + ']';
    }
    case 'Map': {
      let s = 'fromList [';
      let first = true;
      (v as PMap).forEach((k, x) => {
        if (s.length >= limit) throw TEXT_LIMIT;
        s += (first ? '(' : ',(') + showAt(t.key, k, false, limit) + ',' + showAt(t.value, x, false, limit) + ')';
        first = false;
      });
      s += ']';
      return arg ? '(' + s + ')' : s;
    }
    case 'Record': {
      const r = v as RecordValue;
      let s = '{';
      for (let i = 0; i < t.fields.length; i++) {
        const f = t.fields[i];
        s += (i === 0 ? '' : ', ') + f.name + ' = ' + showAt(f.type, r[f.name], false, limit);
      }
      return s + '}';
    }
    default:
      return unreachableKind(t);
  }
}

function caseType(cases: readonly Field[], tag: string): Type {
  for (let i = 0; i < cases.length; i++) if (cases[i].name === tag) return cases[i].type;
  throw new Error(`value tagged ${JSON.stringify(tag)} is not a case of the variant`);
}

/** Names of the control characters as Haskell escapes them (`\a` … `\r` for 7–13). */
const CONTROL_NAMES = ['NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'a', 'b', 't', 'n', 'v', 'f', 'r', 'SO', 'SI',
  'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US'];

/** Escape of each ASCII code, or undefined when the character stands for itself. */
const ASCII_ESCAPES: Array<string | undefined> = Array.from({ length: 128 }, (_, c) =>
  c < 0x20 ? '\\' + CONTROL_NAMES[c] : c === 0x22 ? '\\"' : c === 0x5c ? '\\\\' : c === 0x7f ? '\\DEL' : undefined,
);

/** Haskell `show` of a String: `"a\"b"`, `"\955\&1"`, `"\SO\&H"`. */
export function showString(s: string): string {
  const n = s.length;
  let i = 0;
  // Fast path: printable ASCII with nothing to escape is copied whole.
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) break;
  }
  if (i === n) return '"' + s + '"';
  let out = '"' + s.slice(0, i);
  // What the previous character printed as: a numeric escape needs `\&` before a digit, `\SO` before `H`.
  let afterNumeric = false;
  let afterSO = false;
  while (i < n) {
    let c = s.charCodeAt(i++);
    if (c >= 0xd800 && c <= 0xdbff && i < n) {
      const d = s.charCodeAt(i);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
      }
    }
    if (c < 0x80) {
      if ((afterNumeric && c >= 0x30 && c <= 0x39) || (afterSO && c === 0x48)) out += '\\&';
      const e = ASCII_ESCAPES[c];
      out += e === undefined ? String.fromCharCode(c) : e;
      afterNumeric = false;
      afterSO = c === 0x0e;
    } else {
      out += '\\' + c;
      afterNumeric = true;
      afterSO = false;
    }
  }
  return out + '"';
}

/** A type as a constructor argument: compound types in parentheses. */
function showTypeArg(t: Type): string {
  const s = showTypeSeed(t);
  return t.kind === 'Unit' || t.kind === 'Int' || t.kind === 'Bool' || t.kind === 'String' ? s : '(' + s + ')';
}

/**
 * Haskell `show` of a term (WIRE.md): constructor `OPS[op].seed`, then its
 * fields in catalogue order, each as an argument.
 * `ComposeU (ShowU UTInt) (ComposeU IncrU (ReadU UTInt))`, `(:.&&) IdU (BoolU False)`.
 */
export function showTermSeed(term: Term): string {
  // Iterative over a stack of pending pieces (text, or a term to print), so
  // printing needs no stack however deep the term is.
  type Piece = string | { readonly term: Term; readonly arg: boolean };
  const todo: Piece[] = [{ term, arg: false }];
  let out = '';
  while (todo.length > 0) {
    const piece = todo.pop()!;
    if (typeof piece === 'string') {
      out += piece;
      continue;
    }
    const t = piece.term;
    const spec = OPS[t.op];
    if (spec.fields.length === 0) {
      out += spec.seed;
      continue;
    }
    const values = t as unknown as Record<string, unknown>;
    const pieces: Piece[] = [piece.arg ? '(' + spec.seed : spec.seed];
    for (const [name, kind] of spec.fields) {
      const v = values[name];
      switch (kind) {
        case 'term':
          pieces.push(' ', { term: v as Term, arg: true });
          break;
        case 'terms': {
          const entries = Object.entries(v as Record<string, Term>).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
          pieces.push(' [');
          entries.forEach(([n, sub], i) => pieces.push((i === 0 ? '(' : ',(') + showString(n) + ',', { term: sub, arg: false }, ')'));
          pieces.push(']');
          break;
        }
        case 'type':
          pieces.push(' ' + showTypeArg(v as Type));
          break;
        case 'int':
          pieces.push(' ' + showAt(Int, v as bigint, true, Infinity));
          break;
        case 'bool':
          pieces.push(v ? ' True' : ' False');
          break;
        case 'string':
        case 'name':
          pieces.push(' ' + showString(v as string));
          break;
        case 'value':
          pieces.push(' ' + showAt(values.type as Type, v as Value, true, Infinity));
          break;
        default:
          throw new Error(`unhandled field kind ${kind satisfies never}`);
      }
    }
    if (piece.arg) pieces.push(')');
    for (let i = pieces.length - 1; i >= 0; i--) todo.push(pieces[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Read

/** A parse error in seed syntax: where (1-based line and column), what was expected, what was found. */
export class SeedSyntaxError extends Error {
  override name = 'SeedSyntaxError';
  constructor(
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
    /** The text ended too early: some continuation of it could parse. */
    readonly incomplete: boolean,
  ) {
    super(`line ${line}, column ${column}: expected ${expected}, found ${found}`);
  }
}

export type ReadResult = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly message: string };

/**
 * Haskell `read` at type `t` (SEMANTICS.md, "Read syntax"): whitespace and
 * redundant parentheses anywhere, nothing but whitespace after the value.
 * Never throws for bad text.
 */
export function readValue(t: Type, text: string): ReadResult {
  const r = sharedReader;
  r.reset(text);
  let v: Value = null;
  try {
    r.skipWs();
    v = r.valueFresh(t, false);
  } catch (e) {
    // Recursion follows the type, so only a type nested thousands deep can get here.
    if (!(e instanceof RangeError)) throw e;
    r.fail('a value of a less deeply nested type', r.pos, false);
  }
  if (!r.failed) {
    r.skipWs();
    if (r.pos < r.end) r.fail('end of input');
  }
  if (r.failed) return { ok: false, message: r.error().message };
  return { ok: true, value: v };
}

/** Parses a `Ty_` in seed syntax: `UTEither UTUnit (UTPair UTInt UTBool)`. Throws SeedSyntaxError. */
export function parseTypeSeed(text: string): Type {
  const r = new SeedReader(text);
  const result = r.run(() => {
    const t = r.typeExpr(false);
    r.expectEnd();
    return t;
  });
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * Parses a term in seed syntax (prefix `(:.&&) f g` or infix `f :.&& g`).
 * Throws SeedSyntaxError, also for terms beyond TERM_LIMITS.
 */
export function parseTermSeed(text: string): Term {
  const r = new SeedReader(text);
  const result = r.run(() => {
    const t = r.termTop();
    r.expectEnd();
    return t;
  });
  if (!result.ok) throw result.error;
  return result.value;
}

/** How deep parentheses, brackets and applications may nest in a type (values are bounded by their type instead). */
export const MAX_SEED_NESTING = 2 * TERM_LIMITS.maxDepth + 64;
/** Frames the iterative term parser may stack (about two per level of a term: its application and its parentheses). */
export const MAX_TERM_NESTING = 4 * TERM_LIMITS.maxDepth + 64;

const LPAREN = 0x28;
const RPAREN = 0x29;
const COMMA = 0x2c;
const MINUS = 0x2d;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COLON = 0x3a;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isIdentStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
const isIdentChar = (c: number) => isIdentStart(c) || isDigit(c) || c === 0x27;
const isSymbolChar = (c: number) => c >= 0 && c < 0x80 && '!#$%&*+./<=>?@\\^|-~:'.includes(String.fromCharCode(c));

/** Escape names Read accepts after `\` (Show's set; `\SOH` wins over `\SO` + `H`, as in Haskell's longest match). */
const ESCAPE_NAMES = new Map<string, number>([...CONTROL_NAMES.entries()].filter(([, n]) => n.length > 1).map(([c, n]) => [n, c] as [string, number]));
ESCAPE_NAMES.set('DEL', 0x7f);
const ESCAPE_NAME_LIST = [...ESCAPE_NAMES.keys()];
/** Code of each one-character escape (`\n` => 10), by the ASCII code after the backslash; -1 when none. */
const SINGLE_ESCAPES = new Int32Array(128).fill(-1);
for (const [c, code] of [['n', 10], ['t', 9], ['r', 13], ['a', 7], ['b', 8], ['f', 12], ['v', 11], ['"', 0x22], ['\\', 0x5c]] as const) {
  SINGLE_ESCAPES[c.charCodeAt(0)] = code;
}

const SEED_TO_OP = new Map<string, Op>((Object.keys(OPS) as Op[]).map((o) => [OPS[o].seed, o]));
const SEED_NAMES = [...SEED_TO_OP.keys()].filter((s) => isIdentStart(s.charCodeAt(0)));
const FANOUT = ':.&&';
const TYPE_NAMES = ['UTUnit', 'UTInt', 'UTBool', 'UTString', 'UTPair', 'UTEither', 'UTList', 'UTMap', 'UTRecord', 'UTVariant'];
const NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;

/** Thrown by `abort` to unwind a type, term or message parse; the reader's fields say what failed. */
const SEED_ABORT: unique symbol = Symbol('seed parse aborted');

/**
 * The scanner behind every seed reader (values, types, terms, messages).
 * Value methods record the first failure in `failed`/`fail*` and return a
 * dummy; callers check `failed`. Type, term and message methods `abort`,
 * which throws; wrap them in `run`.
 */
export class SeedReader {
  text = '';
  pos = 0;
  end = 0;
  failed = false;
  failPos = 0;
  failExpected = '';
  failIncomplete = false;
  /** Parentheses a `valueOpen` left unclosed for its caller. */
  unclosed = 0;
  private nesting = 0;

  constructor(text = '') {
    this.reset(text);
  }

  reset(text: string): void {
    this.text = text;
    this.pos = 0;
    this.end = text.length;
    this.failed = false;
    this.failPos = 0;
    this.failExpected = '';
    this.failIncomplete = false;
    this.unclosed = 0;
    this.nesting = 0;
  }

  /** Records the first failure. `incomplete` means the text ran out where more of it could have parsed. */
  fail(expected: string, at = this.pos, incomplete = at >= this.end): void {
    if (this.failed) return;
    this.failed = true;
    this.failPos = at;
    this.failExpected = expected;
    this.failIncomplete = incomplete;
  }

  abort(expected: string, at = this.pos, incomplete = at >= this.end): never {
    this.fail(expected, at, incomplete);
    throw SEED_ABORT;
  }

  /** The recorded failure as an error with its line and column. */
  error(): SeedSyntaxError {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < this.failPos && i < this.end; i++) {
      if (this.text.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    return new SeedSyntaxError(this.failPos, line, this.failPos - lineStart + 1, this.failExpected, describeAt(this.text, this.failPos), this.failIncomplete);
  }

  /** Runs a parse that may abort; turns the abort (or a stack overflow on absurd input) into the error. */
  run<T>(parse: () => T): { ok: true; value: T } | { ok: false; error: SeedSyntaxError } {
    try {
      const value = parse();
      if (this.failed) return { ok: false, error: this.error() };
      return { ok: true, value };
    } catch (e) {
      if (e === SEED_ABORT) return { ok: false, error: this.error() };
      if (e instanceof RangeError) {
        // Only reachable past MAX_SEED_NESTING's margin; the input is refused like any other.
        this.failed = false;
        this.fail('less deeply nested input', this.pos, false);
        return { ok: false, error: this.error() };
      }
      throw e;
    }
  }

  skipWs(): void {
    const text = this.text;
    let pos = this.pos;
    while (pos < this.end) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) break;
      pos++;
    }
    this.pos = pos;
  }

  /** The next character code after whitespace, or -1 at the end. */
  peek(): number {
    this.skipWs();
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Reads an identifier (`[A-Za-z_][A-Za-z0-9_']*`); '' when none starts here. */
  ident(): string {
    const start = this.pos;
    if (start >= this.end || !isIdentStart(this.text.charCodeAt(start))) return '';
    let pos = start + 1;
    while (pos < this.end && isIdentChar(this.text.charCodeAt(pos))) pos++;
    this.pos = pos;
    return this.text.slice(start, pos);
  }

  /** Consumes the identifier `word` when it is the next token (not just the start of a longer identifier). */
  word(word: string): boolean {
    const after = this.pos + word.length;
    if (!this.text.startsWith(word, this.pos) || (after < this.end && isIdentChar(this.text.charCodeAt(after)))) return false;
    this.pos = after;
    return true;
  }

  /** True when the identifier just read ran into the end of the text and one of `words` continues it. */
  identCouldGrow(id: string, words: readonly string[]): boolean {
    if (this.pos < this.end) return false;
    for (const w of words) if (w.startsWith(id)) return true;
    return false;
  }

  /** Whether the rest of the text is a strict prefix of `word` (so more text could complete it). */
  restIsPrefixOf(word: string): boolean {
    return this.end - this.pos < word.length && word.startsWith(this.text.slice(this.pos, this.end));
  }

  expect(code: number, what: string): void {
    this.skipWs();
    if (this.pos < this.end && this.text.charCodeAt(this.pos) === code) this.pos++;
    else this.abort(what);
  }

  /** Reads the identifier `word` (whitespace first) or aborts. */
  expectWord(word: string): void {
    this.skipWs();
    const start = this.pos;
    const id = this.ident();
    if (id !== word) this.abort('`' + word + '`', start, this.identCouldGrow(id, [word]));
  }

  expectEnd(): void {
    this.skipWs();
    if (this.pos < this.end) this.abort('end of input');
  }

  /** Consumes any number of `(`; says how many. */
  openParens(): number {
    let n = 0;
    for (;;) {
      this.skipWs();
      if (this.pos < this.end && this.text.charCodeAt(this.pos) === LPAREN) {
        this.pos++;
        n++;
      } else return n;
    }
  }

  closeParens(n: number): void {
    for (let i = 0; i < n; i++) this.expect(RPAREN, '`)`');
  }

  private enter(): void {
    if (++this.nesting > MAX_SEED_NESTING) this.abort(`at most ${MAX_SEED_NESTING} levels of nesting`, this.pos, false);
  }

  private leave(): void {
    this.nesting--;
  }

  // --- values (check `failed` after each call) ---

  /** A value of type `t` with any redundant parentheses of its own around it. */
  valueFresh(t: Type, arg: boolean): Value {
    const open = this.openParens();
    const v = this.valueOpen(t, open, arg);
    if (this.failed) return null;
    if (this.unclosed > 0) {
      this.skipWs();
      this.fail('`)`');
      return null;
    }
    return v;
  }

  /** As `valueFresh`, for callers in abort style. */
  valueArg(t: Type): Value {
    const v = this.valueFresh(t, true);
    if (this.failed) throw SEED_ABORT;
    return v;
  }

  /**
   * A value of type `t` after `open` parentheses were already consumed (the
   * next character is not `(`). Of those, the innermost belong to this value
   * (its own redundant ones, or a pair's or unit's own) and the outer ones to
   * the caller; closing ones are taken greedily, innermost first, and the
   * number left open is handed back in `unclosed`. `arg`: the value is a
   * constructor argument, so without parentheses of its own it may not be an
   * application or a negative number.
   */
  valueOpen(t: Type, open: number, arg: boolean): Value {
    const bare = arg && open === 0;
    let v: Value = null;
    switch (t.kind) {
      case 'Unit':
        if (open > 0 && this.pos < this.end && this.text.charCodeAt(this.pos) === RPAREN) {
          this.pos++;
          open--;
        } else {
          this.fail('`()`');
          return null;
        }
        break;
      case 'Int':
        v = this.int(bare);
        break;
      case 'Bool':
        if (this.word('True')) v = true;
        else if (this.word('False')) v = false;
        else {
          const start = this.pos;
          this.fail('`True` or `False`', start, this.identCouldGrow(this.ident(), ['True', 'False']));
          return null;
        }
        break;
      case 'String':
        v = this.string();
        break;
      case 'Pair':
        if (open === 0) {
          this.fail('`(` (a pair)');
          return null;
        }
        v = this.pairOpen(t.fst, t.snd, open);
        open = this.unclosed;
        break;
      case 'Either':
      case 'Variant': {
        const start = this.pos;
        if (bare) {
          this.fail('`(` (a constructor argument that is an application needs parentheses)');
          return null;
        }
        let tag = '';
        let payload: Type | undefined;
        if (t.kind === 'Either') {
          if (this.word('Left')) (tag = 'Left'), (payload = t.left);
          else if (this.word('Right')) (tag = 'Right'), (payload = t.right);
        } else {
          for (let i = 0; i < t.cases.length; i++) {
            if (this.word(t.cases[i].name)) {
              tag = t.cases[i].name;
              payload = t.cases[i].type;
              break;
            }
          }
        }
        if (payload === undefined) {
          const names = t.kind === 'Either' ? ['Left', 'Right'] : t.cases.map((c) => c.name);
          this.fail(names.map((n) => '`' + n + '`').join(' or '), start, this.identCouldGrow(this.ident(), names));
          return null;
        }
        v = { tag, value: this.valueFresh(payload, true) };
        break;
      }
      case 'List':
        v = this.listBody(t.elem);
        break;
      case 'Map': {
        const start = this.pos;
        if (bare) {
          this.fail('`(` (a constructor argument that is an application needs parentheses)');
          return null;
        }
        if (!this.word('fromList')) {
          this.fail('`fromList`', start, this.identCouldGrow(this.ident(), ['fromList']));
          return null;
        }
        v = this.mapArgument(t.key, t.value);
        break;
      }
      case 'Record':
        v = this.recordBody(t.fields);
        break;
      default:
        return unreachableKind(t);
    }
    if (this.failed) return null;
    while (open > 0) {
      this.skipWs();
      if (this.pos < this.end && this.text.charCodeAt(this.pos) === RPAREN) {
        this.pos++;
        open--;
      } else break;
    }
    this.unclosed = open;
    return v;
  }

  /** `(a,b)` where `open` ≥ 1 parentheses are consumed; the innermost is the pair's own. */
  private pairOpen(fst: Type, snd: Type, open: number): Value {
    const a = this.valueOpen(fst, open - 1, false);
    if (this.failed) return null;
    const outer = this.unclosed;
    this.skipWs();
    if (this.pos >= this.end || this.text.charCodeAt(this.pos) !== COMMA) {
      this.fail('`,`');
      return null;
    }
    this.pos++;
    const b = this.valueFresh(snd, false);
    if (this.failed) return null;
    this.skipWs();
    if (this.pos >= this.end || this.text.charCodeAt(this.pos) !== RPAREN) {
      this.fail('`)`');
      return null;
    }
    this.pos++;
    this.unclosed = outer;
    return [a, b];
  }

  private int(bare: boolean): Value {
    const text = this.text;
    const start = this.pos;
    let negative = false;
    if (start < this.end && text.charCodeAt(start) === MINUS) {
      if (bare) {
        this.fail('`(` (a negative number as an argument needs parentheses)');
        return null;
      }
      this.pos++;
      this.skipWs();
      negative = true;
    }
    const digits = this.pos;
    let pos = digits;
    let small = 0;
    while (pos < this.end) {
      const c = text.charCodeAt(pos);
      if (c < 0x30 || c > 0x39) break;
      small = small * 10 + (c - 0x30);
      pos++;
    }
    if (pos === digits) {
      this.fail(negative ? 'a digit' : 'an Int');
      return null;
    }
    this.pos = pos;
    if (pos - digits <= 15) return BigInt(negative ? -small : small);
    let significant = digits;
    while (significant < pos - 1 && text.charCodeAt(significant) === 0x30) significant++;
    const n = pos - significant <= 19 ? BigInt(text.slice(significant, pos)) : INT_MAX + 2n;
    const value = negative ? -n : n;
    if (value < INT_MIN || value > INT_MAX) {
      this.fail('an Int in the signed 64-bit range', start, false);
      return null;
    }
    return value;
  }

  /** A Haskell string literal; the scanner copies runs without escapes whole. */
  string(): Value {
    const text = this.text;
    const end = this.end;
    if (this.pos >= end || text.charCodeAt(this.pos) !== QUOTE) {
      this.fail('a string');
      return null;
    }
    let pos = this.pos + 1;
    let run = pos;
    let out = '';
    for (;;) {
      if (pos >= end) {
        this.pos = pos;
        this.fail('`"` (the end of the string)');
        return null;
      }
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        out += text.slice(run, pos);
        this.pos = pos + 1;
        return out;
      }
      if (c !== BACKSLASH) {
        pos++;
        continue;
      }
      out += text.slice(run, pos);
      const escape = pos;
      pos++;
      if (pos >= end) {
        this.pos = pos;
        this.fail('an escape after `\\`');
        return null;
      }
      const e = text.charCodeAt(pos);
      const single = e < 0x80 ? SINGLE_ESCAPES[e] : -1;
      if (single >= 0) {
        out += String.fromCharCode(single);
        pos++;
      } else if (e === 0x26) {
        pos++; // `\&` is empty: it only separates a numeric escape from a digit
      } else if (e === 0x5e) {
        const k = pos + 1 < end ? text.charCodeAt(pos + 1) : -1;
        if (k < 0x41 || k > 0x5f) {
          this.fail('a control escape `\\^A` … `\\^_`', escape, pos + 1 >= end);
          return null;
        }
        out += String.fromCharCode(k - 0x40);
        pos += 2;
      } else if (isDigit(e) || e === 0x78 || e === 0x6f) {
        const base = e === 0x78 ? 16 : e === 0x6f ? 8 : 10;
        if (base !== 10) pos++;
        const first = pos;
        let code = 0;
        while (pos < end) {
          const d = digitValue(text.charCodeAt(pos), base);
          if (d < 0) break;
          if (code <= 0x10ffff) code = code * base + d;
          pos++;
        }
        if (pos === first) {
          this.fail(base === 16 ? 'a hexadecimal digit' : 'an octal digit', pos);
          return null;
        }
        if (code > 0x10ffff) {
          this.fail('a character code up to 1114111 (0x10FFFF)', escape, false);
          return null;
        }
        out += code < 0x10000 ? String.fromCharCode(code) : String.fromCodePoint(code);
      } else {
        const three = text.slice(pos, pos + 3);
        let code = ESCAPE_NAMES.get(three);
        if (code !== undefined) pos += 3;
        else {
          code = ESCAPE_NAMES.get(three.slice(0, 2));
          if (code !== undefined) pos += 2;
        }
        if (code === undefined) {
          const couldGrow = end - pos < 3 && ESCAPE_NAME_LIST.some((n) => n.startsWith(three));
          this.fail('a string escape', escape, couldGrow);
          return null;
        }
        out += String.fromCharCode(code);
      }
      run = pos;
    }
  }

  private listBody(elem: Type): Value {
    this.skipWs();
    if (this.pos >= this.end || this.text.charCodeAt(this.pos) !== LBRACKET) {
      this.fail('`[`');
      return null;
    }
    this.pos++;
    const out: Value[] = [];
    this.skipWs();
    if (this.pos < this.end && this.text.charCodeAt(this.pos) === RBRACKET) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.valueFresh(elem, false));
      if (this.failed) return null;
      this.skipWs();
      const c = this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
      this.pos++;
      if (c === RBRACKET) return out;
      if (c !== COMMA) {
        this.pos--;
        this.fail('`,` or `]`');
        return null;
      }
    }
  }

  /** The argument of `fromList`: a list of (key, value) pairs, itself possibly in parentheses. */
  private mapArgument(key: Type, value: Type): Value {
    const open = this.openParens();
    if (this.pos >= this.end || this.text.charCodeAt(this.pos) !== LBRACKET) {
      this.fail('`[`');
      return null;
    }
    this.pos++;
    const entries: Array<[Value, Value]> = [];
    this.skipWs();
    if (this.pos < this.end && this.text.charCodeAt(this.pos) === RBRACKET) this.pos++;
    else {
      for (;;) {
        const n = this.openParens();
        if (n === 0) {
          this.fail('`(` (a key-value pair)');
          return null;
        }
        const entry = this.pairOpen(key, value, n) as [Value, Value];
        if (this.failed) return null;
        let left = this.unclosed;
        while (left > 0) {
          this.skipWs();
          if (this.pos < this.end && this.text.charCodeAt(this.pos) === RPAREN) {
            this.pos++;
            left--;
          } else {
            this.fail('`)`');
            return null;
          }
        }
        entries.push(entry);
        this.skipWs();
        const c = this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
        this.pos++;
        if (c === RBRACKET) break;
        if (c !== COMMA) {
          this.pos--;
          this.fail('`,` or `]`');
          return null;
        }
      }
    }
    for (let i = 0; i < open; i++) {
      this.skipWs();
      if (this.pos < this.end && this.text.charCodeAt(this.pos) === RPAREN) this.pos++;
      else {
        this.fail('`)`');
        return null;
      }
    }
    return PMap.fromEntries(key, entries);
  }

  /** `{name = value, …}`: every field once, in any order. */
  private recordBody(fields: readonly Field[]): Value {
    if (this.pos >= this.end || this.text.charCodeAt(this.pos) !== LBRACE) {
      this.fail('`{`');
      return null;
    }
    this.pos++;
    const n = fields.length;
    // Filled in field order first, so every record of a type gets the same object shape.
    const out: Record<string, Value> = {};
    for (let i = 0; i < n; i++) out[fields[i].name] = null;
    if (n === 0) {
      this.skipWs();
      if (this.pos < this.end && this.text.charCodeAt(this.pos) === RBRACE) {
        this.pos++;
        return out;
      }
      this.fail('`}`');
      return null;
    }
    const seen: boolean[] = new Array<boolean>(n).fill(false);
    let count = 0;
    for (;;) {
      this.skipWs();
      const start = this.pos;
      let index = -1;
      // Show prints fields in order, so try the next one first.
      if (count < n && !seen[count] && this.word(fields[count].name)) index = count;
      else {
        for (let i = 0; i < n; i++) {
          if (this.word(fields[i].name)) {
            index = i;
            break;
          }
        }
      }
      if (index < 0) {
        const names = fields.map((f) => f.name);
        this.fail('a field name (' + names.join(', ') + ')', start, this.identCouldGrow(this.ident(), names));
        return null;
      }
      if (seen[index]) {
        this.fail(`each field once (${fields[index].name} appears twice)`, start, false);
        return null;
      }
      this.skipWs();
      if (this.pos >= this.end || this.text.charCodeAt(this.pos) !== EQUALS) {
        this.fail('`=`');
        return null;
      }
      this.pos++;
      out[fields[index].name] = this.valueFresh(fields[index].type, false);
      if (this.failed) return null;
      seen[index] = true;
      count++;
      this.skipWs();
      const c = this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (c === RBRACE) {
        if (count < n) {
          this.fail(`field ${fields[seen.indexOf(false)].name} (a record needs all its fields)`, this.pos, false);
          return null;
        }
        this.pos++;
        return out;
      }
      this.fail('`,` or `}`');
      return null;
    }
  }

  // --- types and terms (abort on failure; call inside `run`) ---

  /** A `Ty_`; `arg`: as a constructor argument, where an application needs parentheses. */
  typeExpr(arg: boolean): Type {
    this.skipWs();
    const start = this.pos;
    if (start < this.end && this.text.charCodeAt(start) === LPAREN) {
      this.pos++;
      this.enter();
      const t = this.typeExpr(false);
      this.expect(RPAREN, '`)`');
      this.leave();
      return t;
    }
    const id = this.ident();
    const application = () => {
      if (arg) this.abort('`(` before `' + id + '` (a constructor argument that is an application needs parentheses)', start, false);
    };
    switch (id) {
      case 'UTUnit':
        return Unit;
      case 'UTInt':
        return Int;
      case 'UTBool':
        return Bool;
      case 'UTString':
        return Str;
      case 'UTPair':
        application();
        return pair(this.typeArgument(), this.typeArgument());
      case 'UTEither':
        application();
        return either(this.typeArgument(), this.typeArgument());
      case 'UTList':
        application();
        return list(this.typeArgument());
      case 'UTMap':
        application();
        return map(this.typeArgument(), this.typeArgument());
      case 'UTRecord':
      case 'UTVariant': {
        application();
        const named = this.namedList(() => this.typeExpr(false));
        try {
          const fields = named.map(([name, type]) => ({ name, type }));
          return id === 'UTRecord' ? record(fields) : variant(fields);
        } catch (e) {
          return this.abort(`a valid ${id === 'UTRecord' ? 'record' : 'variant'} type (${(e as Error).message})`, start, false);
        }
      }
      default:
        return this.abort('a type (' + TYPE_NAMES.join(', ') + ')', start, this.identCouldGrow(id, TYPE_NAMES));
    }
  }

  private typeArgument(): Type {
    this.enter();
    const t = this.typeExpr(true);
    this.leave();
    return t;
  }

  /** `[("name",x),…]`, the list itself and each pair possibly in redundant parentheses. */
  private namedList<T>(item: () => T): Array<[string, T]> {
    this.enter();
    const open = this.openParens();
    this.expect(LBRACKET, '`[`');
    const out: Array<[string, T]> = [];
    if (this.peek() === RBRACKET) this.pos++;
    else {
      for (;;) {
        out.push(this.namedPair(item));
        const c = this.peek();
        if (c === RBRACKET) {
          this.pos++;
          break;
        }
        if (c !== COMMA) this.abort('`,` or `]`');
        this.pos++;
      }
    }
    this.closeParens(open);
    this.leave();
    return out;
  }

  private namedPair<T>(item: () => T): [string, T] {
    let open = this.openParens();
    if (open === 0) this.abort('`(` (a ("name", …) pair)');
    const name = this.string();
    if (this.failed) throw SEED_ABORT;
    // Parentheses right after the name close the name's own, innermost first; the pair's own is the next one out.
    while (open > 1 && this.peek() === RPAREN) {
      this.pos++;
      open--;
    }
    this.expect(COMMA, '`,`');
    const value = item();
    this.expect(RPAREN, '`)`');
    this.closeParens(open - 1);
    return [name as string, value];
  }

  /** A whole term at precedence 0, checked against TERM_LIMITS. */
  termTop(): Term {
    this.skipWs();
    const start = this.pos;
    const t = this.termExpr();
    const depth = termDepth(t);
    if (depth > TERM_LIMITS.maxDepth) this.abort(`a term at most ${TERM_LIMITS.maxDepth} deep (this one is ${depth})`, start, false);
    const size = termSize(t);
    if (size > TERM_LIMITS.maxNodes) this.abort(`a term of at most ${TERM_LIMITS.maxNodes} nodes (this one has ${size})`, start, false);
    return t;
  }

  /**
   * A term at precedence 0: applications joined by the infix fan-out `:.&&`
   * (left-associative, Haskell's default infixl 9). Iterative over an
   * explicit stack of frames, so a term as deep as TERM_LIMITS allows parses
   * whatever stack the caller has left, and deeper text fails cleanly.
   */
  termExpr(): Term {
    const stack: TermFrame[] = [];
    let want: 'expr' | 'application' | 'argument' | 'fields' = 'expr';
    let fields: FieldsFrame = { kind: 'fields', out: { op: 'Id' }, op: 'Id', next: 0 };
    let result: Term | null = null;
    for (;;) {
      if (result === null) {
        if (stack.length > MAX_TERM_NESTING) this.abort(`at most ${MAX_TERM_NESTING} levels of nesting`, this.pos, false);
        switch (want) {
          case 'expr':
            stack.push({ kind: 'chain', left: null });
            want = 'application';
            break;
          case 'application':
          case 'argument': {
            this.skipWs();
            const start = this.pos;
            if (start < this.end && this.text.charCodeAt(start) === LPAREN) {
              if (this.fanoutSection()) {
                if (want === 'argument') this.abort('`(` around `(:.&&) …` (a constructor argument that is an application needs parentheses)', start, false);
                fields = { kind: 'fields', op: 'Fanout', out: { op: 'Fanout' }, next: 0 };
                want = 'fields';
              } else {
                this.pos++;
                stack.push({ kind: 'paren' });
                want = 'expr';
              }
              break;
            }
            const id = this.ident();
            const o = SEED_TO_OP.get(id);
            if (o === undefined) this.abort('a combinator (IdU, ComposeU, (:.&&), …)', start, this.identCouldGrow(id, SEED_NAMES));
            if (want === 'argument' && OPS[o].fields.length > 0) {
              this.abort('`(` before `' + id + '` (a constructor argument that is an application needs parentheses)', start, false);
            }
            fields = { kind: 'fields', op: o, out: { op: o }, next: 0 };
            want = 'fields';
            break;
          }
          case 'fields': {
            const spec = OPS[fields.op].fields;
            while (fields.next < spec.length && want === 'fields') {
              const [name, kind] = spec[fields.next];
              switch (kind) {
                case 'term':
                  stack.push(fields);
                  want = 'argument';
                  break;
                case 'terms': {
                  this.skipWs();
                  const start = this.pos;
                  const open = this.openParens();
                  this.expect(LBRACKET, '`[`');
                  if (this.peek() === RBRACKET) {
                    this.pos++;
                    this.closeParens(open);
                    fields.out[name] = {};
                    fields.next++;
                    break;
                  }
                  const list: NamedTermsFrame = { kind: 'named', owner: fields, start, open, entries: [], name: '', pairOuter: 0 };
                  this.namedTermHead(list);
                  stack.push(list);
                  want = 'expr';
                  break;
                }
                case 'type':
                  fields.out[name] = this.typeArgument();
                  fields.next++;
                  break;
                case 'int':
                  fields.out[name] = this.valueArg(Int);
                  fields.next++;
                  break;
                case 'bool':
                  fields.out[name] = this.valueArg(Bool);
                  fields.next++;
                  break;
                case 'string':
                case 'name':
                  fields.out[name] = this.valueArg(Str);
                  fields.next++;
                  break;
                case 'value':
                  // The catalogue lists `type` before `value`, so the type that directs this read is already here.
                  fields.out[name] = this.valueArg(fields.out.type as Type);
                  fields.next++;
                  break;
                default:
                  throw new Error(`unhandled field kind ${kind satisfies never}`);
              }
            }
            if (want === 'fields') result = fields.out as unknown as Term;
            break;
          }
        }
        continue;
      }
      // A term is complete: hand it to the frame that waits for it.
      const top = stack.pop();
      if (top === undefined) return result;
      switch (top.kind) {
        case 'chain': {
          const left: Term = top.left === null ? result : { op: 'Fanout', left: top.left, right: result };
          this.skipWs();
          if (this.text.startsWith(FANOUT, this.pos)) {
            if (this.pos + 4 < this.end && isSymbolChar(this.text.charCodeAt(this.pos + 4))) this.abort('the fan-out `:.&&` (the only operator)', this.pos, false);
            this.pos += FANOUT.length;
            top.left = left;
            stack.push(top);
            result = null;
            want = 'application';
          } else {
            if (this.pos < this.end && this.text.charCodeAt(this.pos) === COLON && this.restIsPrefixOf(FANOUT)) this.abort('`:.&&`', this.pos, true);
            result = left;
          }
          break;
        }
        case 'paren':
          this.expect(RPAREN, '`)`');
          break;
        case 'fields':
          top.out[OPS[top.op].fields[top.next][0]] = result;
          top.next++;
          fields = top;
          result = null;
          want = 'fields';
          break;
        case 'named': {
          top.entries.push([top.name, result]);
          this.expect(RPAREN, '`)`');
          this.closeParens(top.pairOuter);
          const c = this.peek();
          if (c === COMMA) {
            this.pos++;
            this.namedTermHead(top);
            stack.push(top);
            result = null;
            want = 'expr';
            break;
          }
          if (c !== RBRACKET) this.abort('`,` or `]`');
          this.pos++;
          this.closeParens(top.open);
          const subs: Record<string, Term> = {};
          for (const [n, sub] of top.entries) {
            if (!NAME.test(n)) this.abort(`a name like count (letters, digits, _), not ${JSON.stringify(n)}`, top.start, false);
            if (Object.prototype.hasOwnProperty.call(subs, n)) this.abort(`each name once (${n} appears twice)`, top.start, false);
            subs[n] = sub;
          }
          fields = top.owner;
          fields.out[OPS[fields.op].fields[fields.next][0]] = subs;
          fields.next++;
          result = null;
          want = 'fields';
          break;
        }
        default:
          throw new Error(`unhandled frame ${(top satisfies never as TermFrame).kind}`);
      }
    }
  }

  /** `(("name"),` — the head of one element of a `[("name",term),…]` list, up to where its term starts. */
  private namedTermHead(frame: NamedTermsFrame): void {
    let open = this.openParens();
    if (open === 0) this.abort('`(` (a ("name", term) pair)');
    const name = this.string();
    if (this.failed) throw SEED_ABORT;
    while (open > 1 && this.peek() === RPAREN) {
      this.pos++;
      open--;
    }
    this.expect(COMMA, '`,`');
    frame.name = name as string;
    frame.pairOuter = open - 1;
  }

  /** At `(`: consumes `(:.&&)` (spaces allowed inside) and says so, or leaves the position alone. */
  private fanoutSection(): boolean {
    const save = this.pos;
    this.pos++;
    this.skipWs();
    if (this.text.startsWith(FANOUT, this.pos)) {
      this.pos += FANOUT.length;
      this.skipWs();
      if (this.pos < this.end && this.text.charCodeAt(this.pos) === RPAREN) {
        this.pos++;
        return true;
      }
      this.abort('`)` (closing `(:.&&)`)');
    }
    if (this.pos < this.end && this.text.charCodeAt(this.pos) === COLON && this.restIsPrefixOf(FANOUT)) this.abort('`:.&&`', this.pos, true);
    this.pos = save;
    return false;
  }
}

/** What the iterative term parser waits for: the rest of an infix chain, a `)`, an op's next field, or the next named term. */
type TermFrame = ChainFrame | ParenFrame | FieldsFrame | NamedTermsFrame;
interface ChainFrame {
  kind: 'chain';
  left: Term | null;
}
interface ParenFrame {
  kind: 'paren';
}
interface FieldsFrame {
  kind: 'fields';
  op: Op;
  out: Record<string, unknown>;
  /** Index in `OPS[op].fields` of the field being read. */
  next: number;
}
interface NamedTermsFrame {
  kind: 'named';
  owner: FieldsFrame;
  start: number;
  /** Redundant parentheses around the whole list, and around the current pair. */
  open: number;
  pairOuter: number;
  entries: Array<[string, Term]>;
  name: string;
}

function digitValue(c: number, base: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30 < base ? c - 0x30 : -1;
  if (base === 16) {
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  }
  return -1;
}

/** The token at `at`, for "found …" in errors. */
function describeAt(text: string, at: number): string {
  if (at >= text.length) return 'end of input';
  const c = text.charCodeAt(at);
  let end = at + 1;
  if (isIdentStart(c)) while (end < text.length && isIdentChar(text.charCodeAt(end))) end++;
  else if (isDigit(c)) while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  else if (c >= 0xd800 && c <= 0xdbff) end++;
  const token = text.slice(at, Math.min(end, at + 40));
  return /^[\x21-\x7e]+$/.test(token) && !token.includes('`') ? '`' + token + '`' : JSON.stringify(token);
}

const sharedReader = new SeedReader();
