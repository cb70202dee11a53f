// Content hashes of stage versions: one SHA-256 over a canonical text of what a stage is.
//
//   contentHash({ stateType: Int, inputType: String, outputType: String, term: counterV1 })
//     => 'sha256:<64 hex digits>'            shortHash(that) => its first 12 hex digits
//
//   canonical text hashed (UTF-8, no whitespace, keys sorted):
//     {"format":"smwasm.stage.v1","input":"String","output":"String","state":"Int","term":{"left":…,"op":"Compose","right":…}}
//
// "Normalised" means exactly two things:
//   1. Canonical JSON of the JSON forms (typeToJson, termToJson, valueToJson):
//      object keys sorted by UTF-16 code units (as RFC 8785), no whitespace,
//      strings escaped by JSON.stringify, integers as termToJson writes them
//      (a JSON number within ±(2^53-1), else a decimal string). So the hash
//      does not depend on the key order of the objects it was given.
//   2. Compose re-association: every tree of Composes is hashed as the
//      right-nested chain of its non-Compose parts in the same order, so
//      Compose(Compose(h, g), f) and Compose(h, Compose(g, f)) hash alike.
//      Composition is associative in every engine (same steps, same order,
//      same state threading, no fuel per Compose: SEMANTICS.md), so this
//      identifies terms that behave identically.
// Nothing else is rewritten: Compose(Id, f) and f hash differently.
//
// The walk is iterative, so a term nested far beyond TERM_LIMITS hashes
// without overflowing the stack (a right-nested chain can be deeper than the
// balanced tree it came from).

import { createHash } from 'node:crypto';
import { type FieldKind, OPS, type Term } from './terms.ts';
import { type Type, typeToJson } from './types.ts';
import { isValueOf, type Json, type Value, valueToJson } from './values.ts';

/** What a stage version is, as far as its identity goes. */
export interface StageContent {
  readonly stateType: Type;
  readonly inputType: Type;
  readonly outputType: Type;
  readonly term: Term;
}

export const HASH_PREFIX = 'sha256:';
/** The `format` key of the canonical text: a new normalisation gets a new name, so old and new hashes never collide by accident. */
export const STAGE_HASH_FORMAT = 'smwasm.stage.v1';
export const SHORT_HASH_LENGTH = 12;

/** `sha256:<64 lowercase hex>` of the canonical text of the stage. */
export function contentHash(stage: StageContent): string {
  const hash = createHash('sha256');
  // Pieces are small (one per node): batching them saves a native call each.
  let buffer = '';
  writeStage(stage, (piece) => {
    buffer += piece;
    if (buffer.length >= 65536) {
      hash.update(buffer, 'utf8');
      buffer = '';
    }
  });
  hash.update(buffer, 'utf8');
  return HASH_PREFIX + hash.digest('hex');
}

/** The exact text `contentHash` hashes (for debugging, docs and tests). */
export function canonicalStageText(stage: StageContent): string {
  const pieces: string[] = [];
  writeStage(stage, (piece) => pieces.push(piece));
  return pieces.join('');
}

/** The canonical text of a term alone (normalised as above). */
export function canonicalTermText(term: Term): string {
  const pieces: string[] = [];
  writeTerm(term, (piece) => pieces.push(piece));
  return pieces.join('');
}

/** The first 12 hex digits, for display: `sha256:3f2a…` => `3f2a9c01b4de`. */
export function shortHash(hash: string): string {
  const hex = hash.startsWith(HASH_PREFIX) ? hash.slice(HASH_PREFIX.length) : hash;
  return hex.slice(0, SHORT_HASH_LENGTH);
}

const VERSION_REF = /^(?:sha256:)?[0-9a-f]{12,64}$/;

/**
 * Whether `ref` can name a version: a full hash, or its first 12 or more hex
 * digits with or without `sha256:` (what an operator copies from a display).
 */
export function isVersionRef(ref: string): boolean {
  return VERSION_REF.test(ref);
}

/** Whether the version reference `ref` names the version whose full hash is `hash`. */
export function versionMatches(ref: string, hash: string): boolean {
  if (!isVersionRef(ref)) return false;
  const hex = ref.startsWith(HASH_PREFIX) ? ref.slice(HASH_PREFIX.length) : ref;
  return hash.startsWith(HASH_PREFIX) && hash.slice(HASH_PREFIX.length).startsWith(hex);
}

/** Canonical JSON text of a JSON value: sorted keys, no whitespace. Iterative. */
export function canonicalJson(json: Json): string {
  const pieces: string[] = [];
  writeJson(json, (piece) => pieces.push(piece));
  return pieces.join('');
}

// ---------------------------------------------------------------------------
// One emitter for everything: a LIFO list of tasks, each a literal piece of
// text, a term to write, or a JSON value to write.

type Task = string | { readonly term: Term } | { readonly json: Json };
type Sink = (piece: string) => void;

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function writeStage(stage: StageContent, sink: Sink): void {
  sink(`{"format":${JSON.stringify(STAGE_HASH_FORMAT)},"input":`);
  writeJson(typeToJson(stage.inputType) as Json, sink);
  sink(',"output":');
  writeJson(typeToJson(stage.outputType) as Json, sink);
  sink(',"state":');
  writeJson(typeToJson(stage.stateType) as Json, sink);
  sink(',"term":');
  writeTerm(stage.term, sink);
  sink('}');
}

function writeTerm(term: Term, sink: Sink): void {
  drain([{ term }], sink);
}

function writeJson(json: Json, sink: Sink): void {
  drain([{ json }], sink);
}

function drain(tasks: Task[], sink: Sink): void {
  while (tasks.length > 0) {
    const task = tasks.pop()!;
    if (typeof task === 'string') sink(task);
    else if ('term' in task) pushTerm(task.term, tasks);
    else pushJson(task.json, tasks, sink);
  }
}

/** Per op, its keys in canonical order with the kind of each (`op` has none); ops without fields are one fixed text. */
const LAYOUTS = new Map<string, { readonly fixed: string | null; readonly keys: ReadonlyArray<readonly [name: string, kind: FieldKind | null]> }>(
  Object.entries(OPS).map(([name, spec]) => {
    const keys = [['op', null] as const, ...spec.fields].sort((a, b) => byCodeUnits(a[0], b[0]));
    return [name, { fixed: spec.fields.length === 0 ? `{"op":${JSON.stringify(name)}}` : null, keys }];
  }),
);

/** Pushes, in reverse, the pieces of one term node; its sub-terms become tasks. */
function pushTerm(t: Term, tasks: Task[]): void {
  const layout = LAYOUTS.get(t.op);
  if (layout === undefined) throw new Error(`content hash: unknown op ${JSON.stringify((t as { op?: unknown }).op)}`);
  if (layout.fixed !== null) {
    tasks.push(layout.fixed);
    return;
  }
  const out: Task[] = [];
  if (t.op === 'Compose') {
    const parts = composeChain(t);
    for (let i = 0; i < parts.length - 1; i++) out.push('{"left":', { term: parts[i] }, ',"op":"Compose","right":');
    out.push({ term: parts[parts.length - 1] }, '}'.repeat(parts.length - 1));
  } else {
    const fields = t as unknown as Record<string, unknown>;
    out.push('{');
    layout.keys.forEach(([key, kind], i) => {
      out.push(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
      const v = fields[key];
      switch (kind) {
        case null:
          out.push(JSON.stringify(t.op));
          break;
        case 'term':
          out.push({ term: v as Term });
          break;
        case 'terms': {
          const subs = v as Record<string, Term>;
          out.push('{');
          Object.keys(subs)
            .sort(byCodeUnits)
            .forEach((name, j) => out.push(`${j > 0 ? ',' : ''}${JSON.stringify(name)}:`, { term: subs[name] }));
          out.push('}');
          break;
        }
        case 'type':
          out.push({ json: typeToJson(v as Type) as Json });
          break;
        case 'int': {
          const n = v as bigint;
          const safe = BigInt(Number.MAX_SAFE_INTEGER);
          out.push(n >= -safe && n <= safe ? n.toString() : JSON.stringify(n.toString()));
          break;
        }
        case 'bool':
        case 'string':
        case 'name':
          out.push(JSON.stringify(v));
          break;
        case 'value': {
          const type = fields.type as Type;
          if (!isValueOf(type, v)) throw new Error(`content hash: the value of ${t.op} is not a value of its type (typecheck the term first)`);
          out.push({ json: valueToJson(type, v as Value) });
          break;
        }
        default:
          throw new Error(`unhandled field kind ${kind satisfies never}`);
      }
    });
    out.push('}');
  }
  for (let i = out.length - 1; i >= 0; i--) tasks.push(out[i]);
}

/** The non-Compose parts of a tree of Composes, left to right (the last one runs first). */
function composeChain(root: Term): Term[] {
  const parts: Term[] = [];
  const todo: Term[] = [root];
  while (todo.length > 0) {
    const t = todo.pop()!;
    if (t.op === 'Compose') todo.push(t.right, t.left);
    else parts.push(t);
  }
  return parts;
}

function pushJson(json: Json, tasks: Task[], sink: Sink): void {
  if (json === null || typeof json !== 'object') {
    if (typeof json === 'number' && !Number.isFinite(json)) throw new Error(`content hash: ${json} has no JSON form`);
    sink(JSON.stringify(json));
    return;
  }
  const out: Task[] = [];
  if (Array.isArray(json)) {
    out.push('[');
    json.forEach((x, i) => {
      if (i > 0) out.push(',');
      out.push({ json: x });
    });
    out.push(']');
  } else {
    out.push('{');
    Object.keys(json)
      .sort(byCodeUnits)
      .forEach((key, i) => out.push(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`, { json: json[key] }));
    out.push('}');
  }
  for (let i = out.length - 1; i >= 0; i--) tasks.push(out[i]);
}
