// Pipelines: the seed's `P a b` — IdP, sequential composition, and named state machines.
//
//   sm('counter', { state: ty.int, initial: 0n, input: ty.string, output: ty.string }, counterV1)   : P<string, string>
//   JSON: {"stages":[{"name":"counter","state":{"type":"Int","initial":0},
//                     "input":"String","output":"String","term":{"op":"Compose",…}}]}
//   checkPipeline(spec) => { ok: true, stages: [{ spec, typed }], input: String, output: String }
//
// A `PipelineSpec` is plain data (what a deployment or an upgrade tool reads
// and writes). Stage types are declared, so `checkPipeline` can check each
// stage's term on its own (with `typecheck`) and then check the links between
// stages: the guarantee for data from outside comes from here, not from tsc.
// An empty pipeline is IdP and passes items of its `type` through unchanged.

import { formatDiagnostic, type Diagnostic } from './diagnostics.ts';
import type { T, Ty } from './edsl.ts';
import { erase } from './edsl.ts';
import { type Term, TermSyntaxError, termFromJson, termToJson } from './terms.ts';
import { type Typed, typecheck } from './typecheck.ts';
import { type Type, showType, TypeSyntaxError, typeEquals, typeFromJson, typeToJson } from './types.ts';
import { type Json, isValueOf, type Value, ValueSyntaxError, valueFromJson, valueToJson } from './values.ts';

/** One state machine of a pipeline: `name`, `stateType; inputType -> outputType`, starting in `initialState`. */
export interface StageSpec {
  readonly name: string;
  readonly stateType: Type;
  readonly inputType: Type;
  readonly outputType: Type;
  readonly initialState: Value;
  readonly term: Term;
}

/**
 * Stages in order, each feeding the next. With no stages the pipeline is IdP,
 * and `type` (required then, refused otherwise) is the type it passes through.
 */
export interface PipelineSpec {
  readonly stages: readonly StageSpec[];
  readonly type?: Type;
}

/** The type of items a pipeline accepts. Throws on an empty pipeline without a type. */
export function pipelineInput(spec: PipelineSpec): Type {
  return spec.stages.length > 0 ? spec.stages[0].inputType : identityType(spec);
}

/** The type of items a pipeline produces. Throws on an empty pipeline without a type. */
export function pipelineOutput(spec: PipelineSpec): Type {
  return spec.stages.length > 0 ? spec.stages[spec.stages.length - 1].outputType : identityType(spec);
}

function identityType(spec: PipelineSpec): Type {
  if (spec.type === undefined) throw new PipelineSyntaxError('pipeline: an empty pipeline needs its "type"');
  return spec.type;
}

// ---------------------------------------------------------------------------
// Typed builders: tsc checks that stages connect.

// Set by P's static block: only this module makes typed pipelines.
let makeP: <A, B>(spec: PipelineSpec) => P<A, B>;

/** A pipeline from A to B (the seed's `P a b`). Invariant in A and B. */
export class P<A, B> {
  declare private readonly input: (a: A) => A;
  declare private readonly output: (b: B) => B;

  private constructor(readonly spec: PipelineSpec) {}

  static {
    makeP = <A2, B2>(spec: PipelineSpec) => new P<A2, B2>(spec);
  }

  /** Sequential composition, the seed's `:>>>`: this pipeline's output feeds `next`. */
  then<C>(next: P<B, C>): P<A, C> {
    if (!(next instanceof P)) throw new TypeError('P.then composes two pipelines (P is not a promise: do not await it)');
    if (this.spec.stages.length === 0) return makeP(next.spec);
    if (next.spec.stages.length === 0) return makeP(this.spec);
    return makeP({ stages: [...this.spec.stages, ...next.spec.stages] });
  }
}

/** The identity pipeline on items of type `type` (the seed's `IdP`). */
export function idP<A>(type: Ty<A>): P<A, A> {
  return makeP({ stages: [], type: type.type });
}

/** What a stage is declared as: its state type and initial state, its input and output types. */
export interface StageTypes<S, A, B> {
  readonly state: Ty<S>;
  readonly initial: NoInfer<S>;
  readonly input: Ty<A>;
  readonly output: Ty<B>;
}

/**
 * A one-stage pipeline: the machine `term` named `name` (the seed's
 * `SM name s0 f`). The declared types come first, so the term is checked
 * against them and its generic builders take their types from them.
 */
export function sm<S, A, B>(name: string, declared: StageTypes<S, A, B>, term: T<NoInfer<S>, NoInfer<A>, NoInfer<B>>): P<A, B> {
  if (name === '') throw new TypeError('sm: a stage needs a non-empty name');
  if (!isValueOf(declared.state.type, declared.initial)) {
    throw new TypeError(`sm ${JSON.stringify(name)}: the initial state is not a value of ${showType(declared.state.type)}`);
  }
  const stage: StageSpec = {
    name,
    stateType: declared.state.type,
    inputType: declared.input.type,
    outputType: declared.output.type,
    initialState: declared.initial as Value,
    term: erase(term),
  };
  return makeP({ stages: [stage] });
}

/** The plain data of a typed pipeline. */
export function specOf<A, B>(p: P<A, B>): PipelineSpec {
  return p.spec;
}

// ---------------------------------------------------------------------------
// JSON form.

export class PipelineSyntaxError extends Error {
  override name = 'PipelineSyntaxError';
}

export function stageToJson(stage: StageSpec): Json {
  return {
    name: stage.name,
    state: { type: typeToJson(stage.stateType) as Json, initial: valueToJson(stage.stateType, stage.initialState) },
    input: typeToJson(stage.inputType) as Json,
    output: typeToJson(stage.outputType) as Json,
    term: termToJson(stage.term),
  };
}

export function pipelineToJson(spec: PipelineSpec): Json {
  const out: { [key: string]: Json } = { stages: spec.stages.map(stageToJson) };
  if (spec.type !== undefined) out.type = typeToJson(spec.type) as Json;
  return out;
}

/**
 * Reads the JSON form (already parsed). Every error names the path of what is
 * wrong: `pipeline.stages[0].state.initial: expected …`.
 */
export function pipelineFromJson(json: unknown, path = 'pipeline'): PipelineSpec {
  const obj = object(json, path, 'a pipeline is an object like {"stages": […]}');
  onlyKeys(obj, path, ['stages', 'type']);
  if (!Array.isArray(obj.stages)) throw new PipelineSyntaxError(`${path}.stages: expected an array of stages, got ${describe(obj.stages)}`);
  const stages = obj.stages.map((s, i) => stageFromJson(s, `${path}.stages[${i}]`));
  if (obj.type !== undefined && stages.length > 0) {
    throw new PipelineSyntaxError(`${path}.type: only an empty pipeline has a "type" (the stages declare theirs)`);
  }
  if (stages.length === 0) {
    if (obj.type === undefined) throw new PipelineSyntaxError(`${path}: an empty pipeline passes items through unchanged and needs their "type"`);
    return { stages, type: wrapped(() => typeFromJson(obj.type, `${path}.type`)) };
  }
  return { stages };
}

/** Reads the JSON text of a pipeline. */
export function parsePipeline(text: string): PipelineSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PipelineSyntaxError(`pipeline: not JSON (${(e as Error).message})`);
  }
  return pipelineFromJson(json);
}

export function stageFromJson(json: unknown, path: string): StageSpec {
  const obj = object(json, path, 'a stage is an object with name, state, input, output and term');
  onlyKeys(obj, path, ['name', 'state', 'input', 'output', 'term']);
  for (const key of ['name', 'state', 'input', 'output', 'term']) {
    if (obj[key] === undefined) throw new PipelineSyntaxError(`${path}: a stage needs ${JSON.stringify(key)}`);
  }
  if (typeof obj.name !== 'string' || obj.name === '') throw new PipelineSyntaxError(`${path}.name: expected a non-empty string, got ${describe(obj.name)}`);
  const state = object(obj.state, `${path}.state`, 'expected {"type": …, "initial": …}');
  onlyKeys(state, `${path}.state`, ['type', 'initial']);
  if (state.type === undefined) throw new PipelineSyntaxError(`${path}.state: needs "type"`);
  if (state.initial === undefined) throw new PipelineSyntaxError(`${path}.state: needs "initial" (the initial state, in the JSON value form)`);
  const stateType = wrapped(() => typeFromJson(state.type, `${path}.state.type`));
  return {
    name: obj.name,
    stateType,
    initialState: wrapped(() => valueFromJson(stateType, state.initial, `${path}.state.initial`)),
    inputType: wrapped(() => typeFromJson(obj.input, `${path}.input`)),
    outputType: wrapped(() => typeFromJson(obj.output, `${path}.output`)),
    term: wrapped(() => termFromJson(obj.term, `${path}.term`)),
  };
}

function wrapped<X>(read: () => X): X {
  try {
    return read();
  } catch (e) {
    if (e instanceof TypeSyntaxError || e instanceof ValueSyntaxError || e instanceof TermSyntaxError) throw new PipelineSyntaxError(e.message);
    throw e;
  }
}

function object(json: unknown, path: string, what: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new PipelineSyntaxError(`${path}: ${what}, got ${describe(json)}`);
  return json as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new PipelineSyntaxError(`${path}: unknown key ${JSON.stringify(key)} (expected ${allowed.join(', ')})`);
  }
}

function describe(x: unknown): string {
  const text = JSON.stringify(x) ?? String(x);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// ---------------------------------------------------------------------------
// Checking.

export type PipelineErrorCode =
  | 'PIPE_EMPTY_WITHOUT_TYPE' // no stages and no type
  | 'PIPE_TYPE_WITH_STAGES' // a type on a pipeline that has stages
  | 'PIPE_BAD_NAME' // a stage name that is empty
  | 'PIPE_DUPLICATE_NAME' // two stages with one name (upgrades address stages by name)
  | 'PIPE_INITIAL_STATE' // the initial state is not a value of the state type
  | 'PIPE_STAGE_TYPE' // the stage's term does not typecheck at its declared types
  | 'PIPE_LINK'; // a stage's output type differs from the next stage's input type

export interface PipelineError {
  readonly code: PipelineErrorCode;
  /** Index of the stage the error is about (for PIPE_LINK, the upstream stage). */
  readonly index?: number;
  readonly stage?: string;
  /** One line (or, for PIPE_STAGE_TYPE, the formatted diagnostic) naming the stage. */
  readonly message: string;
  readonly diagnostic?: Diagnostic;
}

export interface CheckedStage {
  readonly spec: StageSpec;
  readonly typed: Typed;
}

export type PipelineCheck =
  | { readonly ok: true; readonly stages: readonly CheckedStage[]; readonly input: Type; readonly output: Type }
  | { readonly ok: false; readonly errors: readonly PipelineError[] };

/**
 * Typechecks every stage at its declared types, checks each initial state,
 * that names are unique and non-empty, and that each stage's output type is
 * the next stage's input type. Reports every problem found, in stage order.
 */
export function checkPipeline(spec: PipelineSpec): PipelineCheck {
  const errors: PipelineError[] = [];
  const checked: CheckedStage[] = [];
  if (spec.stages.length === 0) {
    if (spec.type === undefined) {
      return { ok: false, errors: [{ code: 'PIPE_EMPTY_WITHOUT_TYPE', message: 'an empty pipeline passes items through unchanged and needs their type' }] };
    }
    return { ok: true, stages: [], input: spec.type, output: spec.type };
  }
  if (spec.type !== undefined) {
    errors.push({ code: 'PIPE_TYPE_WITH_STAGES', message: 'only an empty pipeline has a type; the stages declare theirs' });
  }
  const seen = new Map<string, number>();
  spec.stages.forEach((stage, index) => {
    const label = `stage ${index} ${JSON.stringify(stage.name)}`;
    const at = { index, stage: stage.name };
    if (stage.name === '') errors.push({ code: 'PIPE_BAD_NAME', ...at, message: `${label}: a stage needs a non-empty name` });
    const earlier = seen.get(stage.name);
    if (earlier !== undefined) {
      errors.push({ code: 'PIPE_DUPLICATE_NAME', ...at, message: `${label}: the name is already used by stage ${earlier}; upgrades address stages by name` });
    } else {
      seen.set(stage.name, index);
    }
    if (!isValueOf(stage.stateType, stage.initialState)) {
      errors.push({ code: 'PIPE_INITIAL_STATE', ...at, message: `${label}: the initial state is not a value of the state type ${showType(stage.stateType)}` });
    }
    const result = typecheck(stage.term, { state: stage.stateType, input: stage.inputType, output: stage.outputType });
    if (result.ok) {
      checked.push({ spec: stage, typed: result.typed });
    } else {
      errors.push({ code: 'PIPE_STAGE_TYPE', ...at, diagnostic: result.error, message: `${label}: its term does not have type ${stageSignature(stage)}\n${formatDiagnostic(result.error)}` });
    }
    const next = spec.stages[index + 1];
    if (next !== undefined && !typeEquals(stage.outputType, next.inputType)) {
      errors.push({
        code: 'PIPE_LINK',
        ...at,
        message: `${label} outputs ${showType(stage.outputType)} but the next stage ${JSON.stringify(next.name)} takes ${showType(next.inputType)}`,
      });
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, stages: checked, input: pipelineInput(spec), output: pipelineOutput(spec) };
}

/** `Int; String -> String`. */
export function stageSignature(stage: StageSpec): string {
  return `${showType(stage.stateType)}; ${showType(stage.inputType)} -> ${showType(stage.outputType)}`;
}

/** All the errors of a failed check, one block each. */
export function formatPipelineErrors(errors: readonly PipelineError[]): string {
  return errors.map((e) => `${e.code} ${e.message}`).join('\n\n');
}
