// Pipelines: typed builders, the JSON form (with path-named errors) and
// checkPipeline (per-stage typechecking, initial states, links, names).

import { describe, expect, it } from 'vitest';
import { erase, machine, pipe, ty } from '../compiler/edsl.ts';
import {
  checkPipeline,
  formatPipelineErrors,
  idP,
  parsePipeline,
  type PipelineSpec,
  PipelineSyntaxError,
  pipelineFromJson,
  pipelineInput,
  pipelineOutput,
  pipelineToJson,
  sm,
  specOf,
  type StageSpec,
} from '../compiler/pipeline.ts';
import { mk, termToJson } from '../compiler/terms.ts';
import { step } from '../compiler/interpret.ts';
import { Bool, either, Int, pair, Str, Unit } from '../compiler/types.ts';
import type { Value } from '../compiler/values.ts';
import { counterV1, counterV1Pipeline, counterV1Term } from '../examples/counter/index.ts';

// A three-stage pipeline: parse a number, keep a running total, print it.
const parse = machine(ty.unit);
const parseStage = sm('parse', { state: ty.unit, initial: null, input: ty.string, output: ty.either(ty.unit, ty.int) }, pipe(parse.parseInt(), parse.caseOf(parse.consume(), parse.id())));
const total = machine(ty.int);
const totalStage = sm(
  'total',
  { state: ty.int, initial: 10n, input: ty.either(ty.unit, ty.int), output: ty.either(ty.int, ty.int) },
  total.caseOf(
    pipe(total.consume(), total.get()),
    pipe(total.fanout(total.id(), pipe(total.consume(), total.get())), total.add(), total.fanout(total.id(), total.put()), total.fst()),
  ),
);
const print = machine(ty.unit);
const printStage = sm('print', { state: ty.unit, initial: null, input: ty.either(ty.int, ty.int), output: ty.string }, pipe(print.merge(), print.showInt()));
const threeStages = parseStage.then(totalStage).then(printStage);

function stage(overrides: Partial<StageSpec> = {}): StageSpec {
  return { name: 'counter', stateType: Int, inputType: Str, outputType: Str, initialState: 0n, term: counterV1Term, ...overrides };
}

describe('typed builders', () => {
  it('sm makes one stage with the declared types and the erased term', () => {
    expect(specOf(counterV1Pipeline)).toEqual({ stages: [stage()] });
    expect(counterV1Pipeline.spec.stages[0].term).toBe(erase(counterV1));
  });

  it('then concatenates stages in order; idP is neutral on either side', () => {
    expect(threeStages.spec.stages.map((s) => s.name)).toEqual(['parse', 'total', 'print']);
    expect(idP(ty.string).then(threeStages).spec).toEqual(threeStages.spec);
    expect(threeStages.then(idP(ty.string)).spec).toEqual(threeStages.spec);
    expect(idP(ty.int).then(idP(ty.int)).spec).toEqual({ stages: [], type: Int });
  });

  it('pipelineInput and pipelineOutput read the ends, or the type of an empty pipeline', () => {
    expect(pipelineInput(threeStages.spec)).toEqual(Str);
    expect(pipelineOutput(threeStages.spec)).toEqual(Str);
    expect(pipelineInput(idP(ty.bool).spec)).toEqual(Bool);
    expect(() => pipelineOutput({ stages: [] })).toThrow(/empty pipeline needs its "type"/);
  });

  it('sm refuses an initial state that is not of the state type, and an empty name', () => {
    const declared = { state: ty.int, initial: 0n, input: ty.string, output: ty.string };
    expect(() => sm('counter', { ...declared, initial: 1 as unknown as bigint }, counterV1)).toThrow(/initial state is not a value of Int/);
    expect(() => sm('', declared, counterV1)).toThrow(/non-empty name/);
  });
});

describe('checkPipeline', () => {
  it('types every stage and gives the ends', () => {
    const check = checkPipeline(threeStages.spec);
    if (!check.ok) throw new Error(formatPipelineErrors(check.errors));
    expect(check.input).toEqual(Str);
    expect(check.output).toEqual(Str);
    expect(check.stages.map((s) => s.typed.output)).toEqual([either(Unit, Int), either(Int, Int), Str]);
  });

  it('the checked stages run: items flow through all three', () => {
    const check = checkPipeline(threeStages.spec);
    if (!check.ok) throw new Error(formatPipelineErrors(check.errors));
    const states: Value[] = check.stages.map((s) => s.spec.initialState);
    const run = (text: string): Value => {
      let item: Value = text;
      check.stages.forEach((s, index) => {
        const r = step(s.typed, item, states[index]);
        if (!r.ok) throw new Error(r.error.message);
        item = r.output;
        states[index] = r.state;
      });
      return item;
    };
    expect(['5', 'x', '-3', '2'].map(run)).toEqual(['15', '15', '12', '14']);
  });

  it('an empty pipeline is IdP and needs its type', () => {
    expect(checkPipeline({ stages: [], type: Str })).toEqual({ ok: true, stages: [], input: Str, output: Str });
    const check = checkPipeline({ stages: [] });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.map((e) => e.code)).toEqual(['PIPE_EMPTY_WITHOUT_TYPE']);
  });

  it('a stage whose term does not have its declared type: the error names the stage and carries the diagnostic', () => {
    const check = checkPipeline({ stages: [stage({ stateType: Bool, initialState: false })] });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errors).toHaveLength(1);
    const [e] = check.errors;
    expect(e.code).toBe('PIPE_STAGE_TYPE');
    expect(e.stage).toBe('counter');
    expect(e.index).toBe(0);
    expect(e.diagnostic?.code).toMatch(/^SM\d+$/);
    expect(e.message).toMatch(/^stage 0 "counter": its term does not have type Bool; String -> String\n/);
    expect(e.message).toContain(e.diagnostic!.code);
  });

  it('a declared output the term does not produce', () => {
    const check = checkPipeline({ stages: [stage({ outputType: Int })] });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.map((e) => [e.code, e.stage])).toEqual([['PIPE_STAGE_TYPE', 'counter']]);
  });

  it('an initial state that is not a value of the state type', () => {
    const check = checkPipeline({ stages: [stage({ initialState: true })] });
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.errors.map((e) => e.code)).toEqual(['PIPE_INITIAL_STATE']);
      expect(check.errors[0].message).toBe('stage 0 "counter": the initial state is not a value of the state type Int');
    }
  });

  it('a stage whose output is not the next stage\'s input', () => {
    const spec: PipelineSpec = { stages: [parseStage.spec.stages[0], printStage.spec.stages[0]] };
    const check = checkPipeline(spec);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.errors.map((e) => [e.code, e.index, e.stage])).toEqual([['PIPE_LINK', 0, 'parse']]);
      expect(check.errors[0].message).toBe('stage 0 "parse" outputs Either () Int but the next stage "print" takes Either Int Int');
    }
  });

  it('duplicate and empty names, and a type on a pipeline with stages; every problem is reported', () => {
    const check = checkPipeline({ stages: [stage(), stage(), stage({ name: '' })], type: Str });
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.errors.map((e) => [e.code, e.index])).toEqual([
        ['PIPE_TYPE_WITH_STAGES', undefined],
        ['PIPE_DUPLICATE_NAME', 1],
        ['PIPE_BAD_NAME', 2],
      ]);
      expect(check.errors[1].message).toBe('stage 1 "counter": the name is already used by stage 0; upgrades address stages by name');
    }
  });
});

describe('JSON form', () => {
  it('is the documented shape', () => {
    expect(pipelineToJson(counterV1Pipeline.spec)).toEqual({
      stages: [{ name: 'counter', state: { type: 'Int', initial: 0 }, input: 'String', output: 'String', term: termToJson(counterV1Term) }],
    });
    expect(pipelineToJson(idP(ty.pair(ty.int, ty.bool)).spec)).toEqual({ stages: [], type: { Pair: ['Int', 'Bool'] } });
  });

  it('round-trips, through text too', () => {
    for (const spec of [threeStages.spec, counterV1Pipeline.spec, idP(ty.string).spec]) {
      const text = JSON.stringify(pipelineToJson(spec));
      expect(pipelineFromJson(JSON.parse(text))).toEqual(spec);
      expect(parsePipeline(text)).toEqual(spec);
    }
  });

  it('reads states of any type in the JSON value form', () => {
    const spec = pipelineFromJson({
      stages: [
        {
          name: 'toggle',
          state: { type: { Pair: ['Int', 'Bool'] }, initial: [3, true] },
          input: 'Unit',
          output: { Pair: ['Int', 'Bool'] },
          term: { op: 'Get' },
        },
      ],
    });
    expect(spec.stages[0]).toEqual({ name: 'toggle', stateType: pair(Int, Bool), initialState: [3n, true], inputType: Unit, outputType: pair(Int, Bool), term: mk('Get', {}) });
    expect(checkPipeline(spec).ok).toBe(true);
  });

  const good = () => JSON.parse(JSON.stringify(pipelineToJson(counterV1Pipeline.spec))) as { stages: Array<Record<string, unknown>>; [k: string]: unknown };
  const refused: Array<[string, (j: ReturnType<typeof good>) => unknown, RegExp]> = [
    ['not an object', () => [1], /^pipeline: a pipeline is an object like \{"stages": \[…\]\}, got \[1\]$/],
    ['stages missing', () => ({}), /^pipeline\.stages: expected an array of stages, got undefined$/],
    ['unknown key', (j) => ({ ...j, extra: 1 }), /^pipeline: unknown key "extra" \(expected stages, type\)$/],
    ['empty without type', () => ({ stages: [] }), /^pipeline: an empty pipeline passes items through unchanged and needs their "type"$/],
    ['type with stages', (j) => ({ ...j, type: 'Int' }), /^pipeline\.type: only an empty pipeline has a "type"/],
    ['bad empty type', () => ({ stages: [], type: 'Integer' }), /^pipeline\.type: unknown type "Integer"/],
    ['stage not an object', () => ({ stages: ['counter'] }), /^pipeline\.stages\[0\]: a stage is an object/],
    ['stage missing term', (j) => ({ stages: [{ ...j.stages[0], term: undefined }] }), /^pipeline\.stages\[0\]: a stage needs "term"$/],
    ['stage unknown key', (j) => ({ stages: [{ ...j.stages[0], initial: 0 }] }), /^pipeline\.stages\[0\]: unknown key "initial"/],
    ['empty name', (j) => ({ stages: [{ ...j.stages[0], name: '' }] }), /^pipeline\.stages\[0\]\.name: expected a non-empty string, got ""$/],
    ['state not an object', (j) => ({ stages: [{ ...j.stages[0], state: 'Int' }] }), /^pipeline\.stages\[0\]\.state: expected \{"type": …, "initial": …\}, got "Int"$/],
    ['state without initial', (j) => ({ stages: [{ ...j.stages[0], state: { type: 'Int' } }] }), /^pipeline\.stages\[0\]\.state: needs "initial"/],
    ['bad state type', (j) => ({ stages: [{ ...j.stages[0], state: { type: { Pair: ['Int'] }, initial: 0 } }] }), /^pipeline\.stages\[0\]\.state\.type\.Pair: expected an array of two types$/],
    ['initial of the wrong type', (j) => ({ stages: [{ ...j.stages[0], state: { type: 'Int', initial: true } }] }), /^pipeline\.stages\[0\]\.state\.initial: expected an integer .* for type Int, got true$/],
    ['bad input type', (j) => ({ stages: [j.stages[0], { ...j.stages[0], name: 'b', input: 'Str' }] }), /^pipeline\.stages\[1\]\.input: unknown type "Str"/],
    ['bad term', (j) => ({ stages: [{ ...j.stages[0], term: { op: 'Compose', left: { op: 'Nope' }, right: { op: 'Id' } } }] }), /^pipeline\.stages\[0\]\.term\.left: unknown op "Nope"$/],
  ];

  it.each(refused)('refuses %s with a path-named error', (_what, make, message) => {
    let caught: unknown;
    try {
      pipelineFromJson(make(good()));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PipelineSyntaxError);
    expect((caught as Error).message).toMatch(message);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parsePipeline('{stages: []}')).toThrow(/^pipeline: not JSON/);
  });
});
