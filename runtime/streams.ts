// Sources and sinks over byte streams: a pipeline run over a file or stdin,
// replies to a file or stdout, one message per line.
//
//   printf '{"Item":"Right ()"}\n{"Item":"Left ()"}\n' | smwasm run counter.json
//   => {"Item":"Right ()"}
//      {"Item":"Left 1"}
//
// The stream is one connection of the front (runtime/front.ts): the same
// framing, codecs, ordering and backpressure as a socket. Input is paused
// while ring 0 is full or unwritten output piles up; the run ends when the
// input ends, every reply is written and every stage has stopped. For a
// session pipeline the stream is one session: its Connect goes in before the
// first line (a greeting is the first output line), its Disconnect at the
// end of the input.

import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { LineCodec } from './codec.ts';
import { Front, type FrontStats, type Transport } from './front.ts';
import type { RunningPipeline } from './pipeline.ts';

export interface StreamRunOptions {
  /** End `output` when done (a file); leave it open (stdout). */
  readonly endOutput: boolean;
}

/** Runs every line of `input` through the pipeline to `output`, then stops the pipeline. Resolves when all is written. */
export async function runStreams(pipeline: RunningPipeline, codec: LineCodec, input: Readable, output: Writable, options: StreamRunOptions): Promise<FrontStats> {
  const front = new Front(pipeline, codec, { eagerFraming: false, onPipelineFailure: () => {} });
  let finish!: () => void;
  const repliesDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure ??= e;
    finish();
  };
  const transport: Transport = {
    write: (chunk) => output.write(chunk),
    pause: () => input.pause(),
    resume: () => input.resume(),
    end: () => finish(),
    get writableLength() {
      return output.writableLength;
    },
  };
  const c = front.open(transport);
  // A stage thread that dies ends the run with its error (the front has already ended the output).
  pipeline.finished.catch((e: Error) => fail(e));
  output.on('drain', () => front.drained(c));
  output.on('error', fail);
  input.on('error', fail);
  input.on('data', (chunk: Buffer) => front.receive(c, chunk));
  input.on('end', () => front.endInput(c));
  await repliesDone;
  input.pause();
  if (failure !== null) {
    await pipeline.terminate();
    throw failure;
  }
  await front.close();
  if (options.endOutput) {
    output.end();
    await once(output, 'finish');
  } else if (output.writableLength > 0) {
    await new Promise<void>((resolve, reject) => output.write('', (e) => (e ? reject(e) : resolve())));
  }
  return front.stats();
}
