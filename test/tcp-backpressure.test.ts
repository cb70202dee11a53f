// Backpressure end to end: a deliberately slow stage and a client that
// writes as fast as its socket lets it. The server must stop reading the
// socket rather than buffer without bound: what it has read stays within a
// small margin of what the stage has taken, and memory stays flat while the
// client keeps pushing.

import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../compiler/pipeline.ts';
import { mk, type Term } from '../compiler/terms.ts';
import { Int, pair, Str, Unit } from '../compiler/types.ts';
import { lineCodec } from '../runtime/codec.ts';
import { deployPipeline } from '../runtime/pipeline.ts';
import { startTcpServer } from '../runtime/tcp.ts';

// Counts down from SPIN in an Unleft loop for every item, then echoes it: a millisecond or more per item.
//   unleft (Left s -> Right (s, SPIN);  Right (s, n) -> if n <= 0 then Left s else Right (s, n - 1))
const SPIN = 100_000n;
const loopType = pair(Str, Int);
const C = (left: Term, right: Term): Term => mk('Compose', { left, right });
const F = (left: Term, right: Term): Term => mk('Fanout', { left, right });
const constant = (value: bigint): Term => C(mk('Int', { value }), mk('Consume', {}));
const slowEcho: PipelineSpec = {
  stages: [
    {
      name: 'slow',
      stateType: Unit,
      initialState: null,
      inputType: Str,
      outputType: Str,
      term: mk('Unleft', {
        type: loopType,
        body: C(
          mk('Merge', {}),
          mk('Case', {
            left: C(mk('InRight', { type: Str }), F(mk('Id', {}), constant(SPIN))),
            right: C(
              mk('If', { onTrue: C(mk('InLeft', { type: loopType }), mk('Fst', {})), onFalse: C(mk('InRight', { type: Str }), mk('Second', { body: mk('Decr', {}) })) }),
              F(mk('Id', {}), C(mk('Le', {}), F(mk('Snd', {}), constant(0n)))),
            ),
          }),
        ),
      }),
    },
  ],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('backpressure', () => {
  it('a fast client and a slow stage: the server stops reading, memory stays bounded', async () => {
    const ringBytes = 4096;
    const pipeline = await deployPipeline(slowEcho, { engine: 'interp', ringBytes });
    const server = await startTcpServer(pipeline, lineCodec('json', pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
    const socket: Socket = await new Promise((resolve, reject) => {
      const s = connect(server.port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    let replies = 0;
    socket.on('data', (chunk: Buffer) => {
      for (const b of chunk) if (b === 10) replies++;
    });
    const line = Buffer.from('{"Item":"' + 'x'.repeat(40) + '"}\n');
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => line));
    let offered = 0;
    let writing = true;
    // Write whenever the socket will take more, for as long as the test runs.
    const writer = (async () => {
      while (writing) {
        offered += batch.length;
        if (!socket.write(batch)) await new Promise((r) => (socket.once('drain', r), socket.once('close', r)));
      }
    })();
    const samples: Array<{ read: number; taken: number; inFlight: number; queued: number; buffered: number; heap: number }> = [];
    for (let i = 0; i < 10; i++) {
      await sleep(200);
      const s = server.stats();
      samples.push({ read: s.bytesRead, taken: s.requests * line.length, inFlight: s.inFlight, queued: s.queuedBytes, buffered: s.socketBuffered, heap: process.memoryUsage().heapUsed });
    }
    writing = false;
    if (process.env.SHOW_SAMPLES) console.log(offered, samples);
    const last = samples[samples.length - 1];
    // The stage really is the bottleneck: far fewer items taken than the client offered.
    expect(last.taken).toBeLessThan(offered / 4);
    for (const s of samples) {
      // What the server read and has not turned into messages is all accounted for, and small: a few socket chunks.
      expect(s.read - s.taken).toBeLessThanOrEqual(s.queued + s.buffered + line.length);
      expect(s.queued + s.buffered).toBeLessThan(512 * 1024);
      // Items between the source and the sink: what two 4 KiB rings hold.
      expect(s.inFlight).toBeLessThanOrEqual((2 * ringBytes) / 60);
    }
    // Over the last second the server read little more than the stage took.
    const growth = last.read - samples[4].read;
    const takenGrowth = last.taken - samples[4].taken;
    expect(growth).toBeLessThan(takenGrowth + 512 * 1024);
    // The heap does not grow with what the client pushes (it pushed megabytes meanwhile).
    expect(last.heap - samples[2].heap).toBeLessThan(16 * 1024 * 1024);
    expect(replies).toBeLessThanOrEqual(server.stats().replies);
    socket.destroy();
    await writer;
    const t0 = performance.now();
    await server.shutdown();
    // Shutting down finishes what is in flight: at most two rings of slow items.
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(server.stats().inFlight).toBe(0);
  });
});
