// Type errors as data: one catalogue of messages with stable codes, one way to raise them, one shape to print.
//
//   error('SM101', ['Compose', 'left', 'Incr'], { op: 'Incr', found: Str, expected: Int, expectedBecause: 'the input of Incr' })
//   => formatDiagnostic(…) =
//      SM101 Input type mismatch
//        at: Compose › left › Incr
//
//        Incr cannot take the value it is given.
//
//        found:
//            String
//        expected (the input of Incr):
//            Int
//
//        hint: ParseInt or Read Int turns a String into an Int.
//
// Codes never change meaning once published: tests and users match on codes, not prose.
// The catalogue is the single source of every message; docs/type-errors.md lists it with examples.

import { TERM_LIMITS } from './terms.ts';
import { type Type, showType } from './types.ts';

interface CatalogueEntry {
  /** A few words, printed after the code. */
  readonly title: string;
  /** One sentence saying what is wrong; `{name}` holes are filled from the error's arguments. */
  readonly message: string;
  /** One line for the catalogue in docs/type-errors.md. */
  readonly meaning: string;
  /** Printed when the raiser has no more specific hint. */
  readonly hint?: string;
}

export const DIAGNOSTICS = {
  // --- limits: checked before anything else, so a hostile term costs little and never overflows the stack ---
  SM001: {
    title: 'Term too deep',
    message: 'This term is nested more than {limit} levels deep.',
    meaning: `The term nests more than ${TERM_LIMITS.maxDepth} levels deep (TERM_LIMITS.maxDepth); it is refused before typechecking.`,
    hint: 'A long chain of steps nests one Compose per step: build it as a balanced tree of Composes, or split the machine into pipeline stages.',
  },
  SM002: {
    title: 'Term too large',
    message: 'This term has more than {limit} nodes.',
    meaning: `The term has more than ${TERM_LIMITS.maxNodes} nodes (TERM_LIMITS.maxNodes), counting a shared sub-term once per use.`,
    hint: 'Split the machine into pipeline stages, or compute repeated work with ListMap, Fold or Unleft instead of spelling it out.',
  },
  SM003: {
    title: 'Type too large',
    message: '{what} is a type {why}.',  // why: "with more than N parts written out" or "nested more than N levels deep"
    meaning: 'A type given or inferred is nested more than 1000 levels deep or has more than 100000 parts written out (TYPE_LIMITS); it is refused so comparing and printing types stays cheap.',
    hint: 'Huge types come from chains that grow them: each Copy or Fanout doubles its input, each InLeft, InRight, Nil or Record nests it one level deeper.',
  },

  // --- an op's input ---
  SM101: {
    title: 'Input type mismatch',
    message: '{op} cannot take the value it is given.',
    meaning: 'An op takes one exact type (Incr takes Int, Put takes the state type, Get takes ()) and its input has another.',
  },
  SM102: {
    title: 'Input has the wrong shape',
    message: '{op} takes {shape}, but its input is not one.',
    meaning: 'An op takes a kind of value (a pair, an Either, a list, a map, a record, a variant) and its input is of another kind.',
  },
  SM103: {
    title: 'Components differ',
    message: 'The two components of the input of {op} must have the same type.',
    meaning: 'Eq, Equal, Lt, Le, Gt, Ge and Append take a pair of two values of one type; the components differ.',
  },
  SM104: {
    title: 'Element type mismatch',
    message: 'Cons adds an element of one type to a list of another.',
    meaning: 'Cons takes (e, List e); the element is not of the list\'s element type.',
  },
  SM105: {
    title: 'Map key type mismatch',
    message: '{op} uses a key of a different type than the keys of the map.',
    meaning: 'MapInsert, MapLookup or MapDelete got a key whose type is not the map\'s key type.',
  },
  SM106: {
    title: 'Map value type mismatch',
    message: 'MapInsert stores a value of a different type than the values of the map.',
    meaning: 'MapInsert got a value whose type is not the map\'s value type.',
  },
  SM107: {
    title: 'Merge sides differ',
    message: 'Merge takes an Either whose two sides have the same type, and these differ.',
    meaning: 'Merge takes Either a a; its input is an Either whose sides have different types.',
    hint: 'Case can turn both sides into one type first: Compose(Merge, Case(f, g)).',
  },
  SM108: {
    title: 'Field value type mismatch',
    message: 'SetField {name} sets a value of a different type than the field holds.',
    meaning: 'SetField takes (record, value); the value is not of the field\'s type.',
  },

  // --- how sub-terms fit together ---
  SM201: {
    title: 'If branches differ',
    message: 'The two branches of If answer different types.',
    meaning: 'If{onTrue, onFalse}: both branches must have the same output type.',
    hint: 'Whichever branch runs, what comes after If receives its output, so both must answer one type.',
  },
  SM202: {
    title: 'Match cases differ',
    message: 'The cases of Match answer different types.',
    meaning: 'Match{cases}: every case must have the same output type.',
    hint: 'Whichever case runs, what comes after Match receives its output, so all cases must answer one type.',
  },
  SM203: {
    title: 'Output type mismatch',
    message: 'The term answers a different type than it is declared to.',
    meaning: 'The output type inferred for the whole term is not the declared output type (the service\'s output, or a migration\'s new state type).',
  },
  SM204: {
    title: 'Fold body answers the wrong type',
    message: 'The body of Fold must answer the type of the accumulator.',
    meaning: 'Fold{body} takes (b, List a) with body: (b, a) -> b; the body answers something other than b.',
  },
  SM205: {
    title: 'Unleft body answers the wrong type',
    message: 'The body of Unleft must answer an Either whose Right side is the loop type {loop}.',
    meaning: 'Unleft{body, type: c} needs body: Either a c -> Either b c; the body\'s output is not an Either with c on the right.',
    hint: 'The body answers Left b to finish with b, or Right c to run again on Right c.',
  },

  // --- records and variants ---
  SM301: {
    title: 'Unknown field',
    message: '{op} names the field {name}, which this record does not have.',
    meaning: 'Field or SetField names a field its input record does not have.',
  },
  SM302: {
    title: 'Empty Record',
    message: 'Record needs at least one field.',
    meaning: 'Record{fields} with no fields; a record type has at least one field (use Consume for ()).',
    hint: 'To answer (), use Consume.',
  },
  SM303: {
    title: 'Invalid name',
    message: '{name} cannot name a record field.',
    meaning: 'A Record field name must start with a letter or _ and continue with letters, digits or _.',
  },
  SM304: {
    title: 'Unknown case',
    message: 'Inject {name}: the variant type has no case {name}.',
    meaning: 'Inject{name, type} names a case its variant type does not have.',
  },
  SM305: {
    title: 'Wrong payload',
    message: 'Inject {name} is given a payload of another type than case {name} carries.',
    meaning: 'Inject{name, type}: its input must be the payload type of that case.',
  },
  SM306: {
    title: 'Inject type is not a variant',
    message: 'Inject {name} must be given a variant type, like <{name}: t, …>.',
    meaning: 'Inject\'s type annotation must be a variant type.',
  },
  SM307: {
    title: 'Missing cases',
    message: 'Match has no case for {names}.',
    meaning: 'Match must have a case for every case of its input variant.',
  },
  SM308: {
    title: 'Extra cases',
    message: 'Match has cases for {names}, which the variant does not have.',
    meaning: 'Match has a case whose name is not a case of its input variant.',
  },
  SM309: {
    title: 'Empty Match',
    message: 'Match needs at least one case.',
    meaning: 'Match{cases} with no cases; every variant has at least one case.',
  },

  // --- literals and annotations ---
  SM401: {
    title: 'Const value does not fit its type',
    message: 'The value {value} of Const is not a value of its type.',
    meaning: 'Const{type, value}: the value must be a value of the type.',
  },
  SM402: {
    title: 'Int literal out of range',
    message: 'Int {value} does not fit in a signed 64-bit integer.',
    meaning: 'Int{value} must lie between -9223372036854775808 and 9223372036854775807.',
  },
  SM403: {
    title: 'Show type differs from its input',
    message: 'Show is annotated with one type and given a value of another.',
    meaning: 'Show{type}: its input type must equal its annotation.',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;
export const DIAGNOSTIC_CODES = Object.keys(DIAGNOSTICS) as DiagnosticCode[];

/** A type error: what is wrong, where, what was found and what was expected instead. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly title: string;
  /** The problem in one sentence. */
  readonly message: string;
  /** Labels from the root to the offending node: ['Compose', 'right', 'Case', 'branch 1', 'Incr']; [] is the whole term. */
  readonly path: readonly string[];
  readonly found?: Type;
  /** Where the found type came from: "the output of right", "the input type". */
  readonly foundBecause?: string;
  readonly expected?: Type;
  /** When what is expected is a shape rather than one type: "(a, b)", "Either b Int". Printed instead of `expected`. */
  readonly expectedShape?: string;
  /** Where the expectation came from: "the state type", "the input of Incr", "the output of onTrue", "the declared output". */
  readonly expectedBecause?: string;
  readonly hint?: string;
}

/** The `{name}` holes of a message. */
type Holes<S extends string> = S extends `${string}{${infer Hole}}${infer Rest}` ? Hole | Holes<Rest> : never;

export interface DiagnosticDetails {
  readonly found?: Type;
  readonly foundBecause?: string;
  readonly expected?: Type;
  readonly expectedShape?: string;
  readonly expectedBecause?: string;
  /** Overrides the catalogue's hint. */
  readonly hint?: string;
}

/** What `error` needs for code C: a string for every hole of its message, and the details. */
export type DiagnosticArgs<C extends DiagnosticCode> = DiagnosticDetails & { readonly [H in Holes<(typeof DIAGNOSTICS)[C]['message']>]: string };

/** The one way to raise a diagnostic. */
export function error<C extends DiagnosticCode>(code: C, path: readonly string[], args: DiagnosticArgs<C>): Diagnostic {
  const entry: CatalogueEntry = DIAGNOSTICS[code];
  const fill = args as unknown as Record<string, unknown>;
  const message = entry.message.replace(/\{(\w+)\}/g, (_, hole: string) => String(fill[hole]));
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, title: entry.title, message, path: path.slice() };
  if (args.found !== undefined) d.found = args.found;
  if (args.foundBecause !== undefined) d.foundBecause = args.foundBecause;
  if (args.expected !== undefined) d.expected = args.expected;
  if (args.expectedShape !== undefined) d.expectedShape = args.expectedShape;
  if (args.expectedBecause !== undefined) d.expectedBecause = args.expectedBecause;
  const hint = args.hint ?? entry.hint;
  if (hint !== undefined) d.hint = hint;
  return d;
}

/** `Compose › right › Case › branch 1`; the empty path is the whole term. */
export function formatPath(path: readonly string[]): string {
  return path.length === 0 ? 'the whole term' : path.join(' › ');
}

/**
 * Always the same shape: header (code, title), where, the problem, found then
 * expected (each a label line and an indented type), then the hint.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const lines = [`${d.code} ${d.title}`, `  at: ${formatPath(d.path)}`, '', `  ${d.message}`];
  const shown = d.expectedShape ?? (d.expected !== undefined ? showType(d.expected) : undefined);
  if (d.found !== undefined || shown !== undefined) lines.push('');
  if (d.found !== undefined) {
    lines.push(`  found${d.foundBecause !== undefined ? ` (${d.foundBecause})` : ''}:`, `      ${showType(d.found)}`);
  }
  if (shown !== undefined) {
    lines.push(`  expected${d.expectedBecause !== undefined ? ` (${d.expectedBecause})` : ''}:`, `      ${shown}`);
  }
  if (d.hint !== undefined) lines.push('', `  hint: ${d.hint}`);
  return lines.join('\n');
}

/** The candidate closest to `name` if it is a plausible misspelling (edit distance at most 2, or equal ignoring case). */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.min(2, Math.floor(name.length / 2));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
