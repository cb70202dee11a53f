// Deployed pipelines (one worker thread per stage, rings between them) give
// exactly the replies of running the interpreter stage after stage, on both
// engines, for 0 to 4 stages of different types; item errors keep their
// place and name their stage; malformed lines get an error in their place.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EngineName } from '../compiler/engine.ts';
import { machine, pipe, ty } from '../compiler/edsl.ts';
import { interpreter } from '../compiler/interpret.ts';
import { checkPipeline, type PipelineSpec, sm } from '../compiler/pipeline.ts';
import { Str, type Type } from '../compiler/types.ts';
import { pipelineOutput } from '../compiler/pipeline.ts';
import { valueToJson, type Value } from '../compiler/values.ts';
import { counterV1Pipeline } from '../examples/counter/index.ts';
import { lineCodec, type Syntax } from '../runtime/codec.ts';
import { deployPipeline } from '../runtime/pipeline.ts';
import { prng } from '../runtime/ring-exercise.ts';
import { runStreams } from '../runtime/streams.ts';
import { showString } from '../compiler/seed-syntax.ts';

// Four stages whose types differ at every link: String -> String -> Int -> Int -> String.
const lengths = machine(ty.int);
/** Running total of the lengths of the texts seen. */
const lengthStage = sm(
  'length',
  { state: ty.int, initial: 0n, input: ty.string, output: ty.int },
  pipe(lengths.fanout(lengths.strLength(), pipe(lengths.consume(), lengths.get())), lengths.add(), lengths.fanout(lengths.put(), lengths.id()), lengths.snd()),
);
const ratio = machine(ty.unit);
/** 1000 / (x mod 7): a division by zero for every multiple of 7. */
const ratioStage = sm(
  'ratio',
  { state: ty.unit, initial: null, input: ty.int, output: ty.int },
  pipe(ratio.fanout(pipe(ratio.consume(), ratio.int(1000)), pipe(ratio.fanout(ratio.id(), pipe(ratio.consume(), ratio.int(7))), ratio.mod())), ratio.div()),
);
const printer = machine(ty.int);
/** The number, a colon, and how many numbers this stage has printed. */
const printStage = sm(
  'print',
  { state: ty.int, initial: 0n, input: ty.int, output: ty.string },
  pipe(
    printer.fanout(printer.showInt(), pipe(printer.consume(), printer.get(), printer.incr(), printer.fanout(printer.put(), printer.showInt()), printer.snd())),
    printer.fanout(printer.fst(), pipe(printer.snd(), printer.fanout(pipe(printer.consume(), printer.constant(ty.string, ':')), printer.id()), printer.concat())),
    printer.concat(),
  ),
);

const pipelines: Array<[string, PipelineSpec]> = [
  ['counter', counterV1Pipeline.spec],
  ['counter, length', counterV1Pipeline.then(lengthStage).spec],
  ['counter, length, ratio', counterV1Pipeline.then(lengthStage).then(ratioStage).spec],
  ['counter, length, ratio, print', counterV1Pipeline.then(lengthStage).then(ratioStage).then(printStage).spec],
];

/** Seeded request lines: mostly counter commands, some that fail in a stage, some malformed. */
function requests(seed: number, count: number): Array<{ text: string } | { malformed: string }> {
  const random = prng(seed);
  const out: Array<{ text: string } | { malformed: string }> = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.45) out.push({ text: 'Right ()' });
    else if (r < 0.85) out.push({ text: 'Left ()' });
    else if (r < 0.92) out.push({ text: ['nonsense', 'Left', 'Right (  )', ' Left ( ) ', 'héllo'][Math.floor(random() * 5)] });
    else out.push({ malformed: ['{"Item": 5}', 'not json', '{"Item":"a","x":1}', '["Item"]'][Math.floor(random() * 4)] });
  }
  return out;
}

function requestLine(syntax: Syntax, r: { text: string } | { malformed: string }): string {
  if ('malformed' in r) return r.malformed;
  return syntax === 'json' ? JSON.stringify({ Item: r.text }) : `Item ${showString(r.text)}`;
}

type Expected = { ok: true; output: Value } | { ok: false; code: string; message: string; stage: string };

/** The reference: every request through fresh interpreter machines, one stage after another. */
function expectedReplies(spec: PipelineSpec, items: string[]): Expected[] {
  const checked = checkPipeline(spec);
  if (!checked.ok) throw new Error('pipeline does not check');
  const machines = checked.stages.map((s) => interpreter.load({ typed: s.typed, stateType: s.spec.stateType, initialState: s.spec.initialState }));
  return items.map((text) => {
    let value: Value = text;
    for (let i = 0; i < machines.length; i++) {
      const r = machines[i].step(value);
      if (!r.ok) return { ok: false, code: r.error.code, message: r.error.message, stage: checked.stages[i].spec.name };
      value = r.output;
    }
    return { ok: true, output: value };
  });
}

async function runThrough(spec: PipelineSpec, engine: EngineName, syntax: Syntax, lines: string[], ringBytes?: number): Promise<string[]> {
  const pipeline = await deployPipeline(spec, { engine, ringBytes });
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  const done = runStreams(pipeline, lineCodec(syntax, pipeline.input, pipeline.output), input, output, { endOutput: true });
  // Split the input at odd places so lines cross chunk boundaries.
  const text = lines.join('\n') + '\n';
  for (let i = 0; i < text.length; i += 997) input.write(text.slice(i, i + 997));
  input.end();
  await done;
  const reports = await pipeline.finished;
  expect(reports.map((r) => r.name)).toEqual(pipeline.stageNames);
  return Buffer.concat(chunks).toString('utf8').split('\n').slice(0, -1);
}

function checkReplies(syntax: Syntax, outputType: Type, requestsSent: ReturnType<typeof requests>, replies: string[], expected: Expected[]): void {
  expect(replies.length).toBe(requestsSent.length);
  let item = 0;
  requestsSent.forEach((r, i) => {
    const reply = replies[i];
    if ('malformed' in r) {
      if (syntax === 'json') expect(JSON.parse(reply).Error.code).toBe('BAD_REQUEST');
      else expect(reply).toMatch(/^Error "/);
      return;
    }
    const e = expected[item++];
    if (syntax === 'json') {
      const want = e.ok ? { Item: valueToJson(outputType, e.output) } : { Error: { code: e.code, message: e.message, stage: e.stage } };
      expect(JSON.parse(reply), `reply ${i} to ${JSON.stringify(r)}`).toEqual(want);
    } else {
      expect(reply, `reply ${i}`).toBe(e.ok ? `Item ${showString(e.output as string)}` : `Error ${showString(e.message)}`);
    }
  });
}

describe.each<EngineName>(['interp', 'wasm'])('pipelines on the %s engine', (engine) => {
  it.each(pipelines)('%s: same replies as the interpreter run stage by stage', async (_name, spec) => {
    const sent = requests(spec.stages.length * 101, 400);
    const items = sent.flatMap((r) => ('text' in r ? [r.text] : []));
    const replies = await runThrough(spec, engine, 'json', sent.map((r) => requestLine('json', r)));
    checkReplies('json', pipelineOutput(spec), sent, replies, expectedReplies(spec, items));
  });
});

describe('pipelines, details', () => {
  it('the seed syntax, with rings small enough to fill many times', async () => {
    const spec = pipelines[3][1];
    const sent = requests(7, 2000);
    const items = sent.flatMap((r) => ('text' in r ? [r.text] : []));
    const replies = await runThrough(spec, 'interp', 'seed', sent.map((r) => requestLine('seed', r)), 512);
    checkReplies('seed', Str, sent, replies, expectedReplies(spec, items));
  });

  it('a run whose stage thread dies fails with the reason', async () => {
    const pipeline = await deployPipeline(counterV1Pipeline.spec, { engine: 'interp' });
    const input = new PassThrough();
    const output = new PassThrough();
    const run = runStreams(pipeline, lineCodec('json', pipeline.input, pipeline.output), input, output, { endOutput: true });
    await pipeline.threads[0].worker.terminate();
    await expect(run).rejects.toThrow(/stage counter exited/);
  });

  it('IdP: an empty pipeline passes items through', async () => {
    const spec: PipelineSpec = { stages: [], type: Str };
    const replies = await runThrough(spec, 'interp', 'json', ['{"Item":"a"}', '{"Item":"é\\n"}', 'x', '']);
    expect(replies).toEqual(['{"Item":"a"}', '{"Item":"é\\n"}', expect.stringContaining('BAD_REQUEST')]);
  });

  it('refuses a pipeline that does not check, before starting any thread', async () => {
    const bad: PipelineSpec = { stages: [...counterV1Pipeline.spec.stages, ...ratioStage.spec.stages] };
    await expect(deployPipeline(bad, { engine: 'interp' })).rejects.toThrow(/PIPE_LINK/);
    const twice: PipelineSpec = { stages: [...counterV1Pipeline.spec.stages, ...counterV1Pipeline.spec.stages] };
    await expect(deployPipeline(twice, { engine: 'interp' })).rejects.toThrow(/PIPE_DUPLICATE_NAME/);
  });

  it('answers an upgrade in order; a stage that does not exist is named', async () => {
    const upgrade = (stage: string) =>
      JSON.stringify({ Upgrade: { stage, oldState: 'Int', newState: 'Int', newInput: 'String', newOutput: 'String', newStateMachine: { op: 'Id' }, stateMigration: { op: 'Id' } } });
    const replies = await runThrough(counterV1Pipeline.spec, 'interp', 'json', ['{"Item":"Right ()"}', upgrade('counter'), upgrade('nope'), '{"Item":"Left ()"}']);
    expect(replies[0]).toBe('{"Item":"Right ()"}');
    expect(JSON.parse(replies[1])).toEqual({ UpgradeFailed: { stage: 'counter', reason: expect.stringMatching(/not supported/) } });
    expect(JSON.parse(replies[2])).toEqual({ UpgradeFailed: { stage: 'nope', reason: 'no stage named "nope"' } });
    expect(replies[3]).toBe('{"Item":"Left 1"}');
  });
});
