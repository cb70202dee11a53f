// The TCP server over real sockets: the seed's counter transcript in seed
// syntax (as the seed's own client sends it, and pipelined), 50 concurrent
// pipelining clients each getting exactly its own replies in order, a
// malformed line answered on its own connection only, and a clean shutdown
// that answers what was already read.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machine, pipe, ty } from '../compiler/edsl.ts';
import { sm } from '../compiler/pipeline.ts';
import { counterV1Pipeline } from '../examples/counter/index.ts';
import { lineCodec } from '../runtime/codec.ts';
import { deployPipeline } from '../runtime/pipeline.ts';
import { prng } from '../runtime/ring-exercise.ts';
import { startTcpServer, type TcpServer } from '../runtime/tcp.ts';
import { LineClient } from './line-client.ts';

describe('the counter over TCP in seed syntax', () => {
  let server: TcpServer;
  beforeAll(async () => {
    const pipeline = await deployPipeline(counterV1Pipeline.spec, { engine: 'wasm' });
    server = await startTcpServer(pipeline, lineCodec('seed', pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.shutdown();
  });

  it('answers the seed client: one connection per message, no newline, the prototype\'s MaybeSocket', async () => {
    const transcript: Array<[string, string]> = [
      ['Item (MaybeSocket Nothing) "Left ()"', 'Item "Left 0"'],
      ['Item (MaybeSocket Nothing) "Right ()"', 'Item "Right ()"'],
      ['Item (MaybeSocket Nothing) "Right ()"', 'Item "Right ()"'],
      ['Item (MaybeSocket Nothing) "Left ()"', 'Item "Left 2"'],
    ];
    for (const [request, reply] of transcript) {
      const client = await LineClient.open(server.port);
      client.socket.write(request);
      expect(await client.take(1)).toEqual([reply]);
      client.socket.end();
      await client.closed;
    }
  });

  it('answers the same transcript pipelined on one connection, in the short form', async () => {
    const client = await LineClient.open(server.port);
    // Read first, so the answers do not depend on the test before.
    client.socket.write('Item "Left ()"\n');
    const [before] = await client.take(1);
    const n = Number(/^Item "Left (\d+)"$/.exec(before)![1]);
    client.socket.write('Item "Right ()"\nItem "Right ()"\nItem "Left ()"\n');
    expect(await client.take(4)).toEqual([before, 'Item "Right ()"', 'Item "Right ()"', `Item "Left ${n + 2}"`]);
    client.socket.end();
    await client.closed;
  });

  it('answers a malformed line with an error on that connection only, in its place', async () => {
    const other = await LineClient.open(server.port);
    const client = await LineClient.open(server.port);
    client.socket.write('Item "Right ()"\nItem Left ()\nItem "nonsense"\n\nItem "Right ()"\n');
    other.socket.write('Item "Right ()"\n');
    const replies = await client.take(4);
    expect(replies[0]).toBe('Item "Right ()"');
    expect(replies[1]).toMatch(/^Error "/);
    expect(replies[2]).toBe('Error "Read: no parse as Either () ()"');
    expect(replies[3]).toBe('Item "Right ()"');
    expect(await other.take(1)).toEqual(['Item "Right ()"']);
    // A request split across two writes, the second with no newline.
    client.socket.write('Item "Ri');
    await new Promise((r) => setTimeout(r, 30));
    client.socket.write('ght ()"');
    expect((await client.take(5))[4]).toBe('Item "Right ()"');
    client.socket.end();
    other.socket.end();
    await Promise.all([client.closed, other.closed]);
    expect(client.lines.length).toBe(5);
    expect(other.lines.length).toBe(1);
  });
});

describe('many clients', () => {
  // Each reply is the request with a global sequence number: ordering per client and the routing both show.
  const m = machine(ty.int);
  const stamp = sm(
    'stamp',
    { state: ty.int, initial: 0n, input: ty.string, output: ty.string },
    pipe(
      m.fanout(m.id(), pipe(m.consume(), m.get(), m.incr(), m.fanout(m.put(), m.showInt()), m.snd())),
      m.fanout(m.fst(), pipe(m.snd(), m.fanout(pipe(m.consume(), m.constant(ty.string, ' #')), m.id()), m.concat())),
      m.concat(),
    ),
  );
  const pipelineSpec = stamp.then(counterV1Pipeline).spec;

  it('50 concurrent clients pipelining get every reply, their own, in order', async () => {
    const pipeline = await deployPipeline(stamp.spec, { engine: 'interp', ringBytes: 4096 });
    const server = await startTcpServer(pipeline, lineCodec('json', pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
    const clients = await Promise.all(Array.from({ length: 50 }, () => LineClient.open(server.port)));
    const perClient = 200;
    const random = prng(50);
    const sent: string[][] = clients.map(() => []);
    // Each client writes its requests in bursts of random sizes, all clients interleaved.
    const writers = clients.map(async (client, c) => {
      let i = 0;
      while (i < perClient) {
        const burst = 1 + Math.floor(random() * 40);
        let text = '';
        for (let k = 0; k < burst && i < perClient; k++, i++) {
          const malformed = (c * 7 + i) % 97 === 0;
          const line = malformed ? `{"Item": ${i}}` : JSON.stringify({ Item: `client ${c} request ${i}` });
          sent[c].push(line);
          text += line + '\n';
        }
        client.socket.write(text);
        await new Promise((r) => setImmediate(r));
      }
    });
    await Promise.all(writers);
    const replies = await Promise.all(clients.map((client) => client.take(perClient)));
    const stamps: number[] = [];
    replies.forEach((lines, c) => {
      let last = 0;
      lines.forEach((line, i) => {
        const reply = JSON.parse(line);
        if (sent[c][i].startsWith('{"Item": ')) {
          expect(reply.Error.code).toBe('BAD_REQUEST');
          return;
        }
        const match = /^client (\d+) request (\d+) #(\d+)$/.exec(reply.Item);
        expect(match, `client ${c} reply ${i}: ${line}`).not.toBeNull();
        expect(Number(match![1])).toBe(c);
        expect(Number(match![2])).toBe(i);
        const n = Number(match![3]);
        expect(n).toBeGreaterThan(last);
        last = n;
        stamps.push(n);
      });
    });
    // Every item went through the one stage exactly once.
    stamps.sort((a, b) => a - b);
    expect(stamps).toEqual(Array.from({ length: stamps.length }, (_, i) => i + 1));
    await Promise.all(clients.map((c) => (c.socket.end(), c.closed)));
    const stats = server.stats();
    expect(stats.connectionsOpened).toBe(50);
    expect(stats.inFlight).toBe(0);
    await server.shutdown();
  });

  it('two stages: an item error names the stage it failed in', async () => {
    expect(pipelineSpec.stages.map((s) => s.name)).toEqual(['stamp', 'counter']);
    const pipeline = await deployPipeline(pipelineSpec, { engine: 'interp' });
    const server = await startTcpServer(pipeline, lineCodec('json', pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
    // The stamp makes "Right ()" into "Right () #n", which the counter cannot read: an item error from stage counter.
    const client = await LineClient.open(server.port);
    client.socket.write('{"Item":"Right ()"}\n');
    expect(JSON.parse((await client.take(1))[0])).toEqual({ Error: { code: 'READ_NO_PARSE', message: 'Read: no parse as Either () ()', stage: 'counter' } });
    client.socket.end();
    await client.closed;
    await server.shutdown();
  });

  it('a stage thread that dies: every client is told and closed, the server stops listening', async () => {
    const pipeline = await deployPipeline(counterV1Pipeline.spec, { engine: 'interp' });
    const server = await startTcpServer(pipeline, lineCodec('seed', pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
    const client = await LineClient.open(server.port);
    client.socket.write('Item "Right ()"\n');
    expect(await client.take(1)).toEqual(['Item "Right ()"']);
    await pipeline.threads[0].worker.terminate();
    expect((await server.failed).message).toMatch(/stage counter exited/);
    await client.closed;
    expect(client.lines[1]).toMatch(/^Error "the pipeline failed: worker stage counter exited/);
    await expect(LineClient.open(server.port)).rejects.toThrow();
  });

  it('shutdown answers what was read, then closes every socket', async () => {
    const pipeline = await deployPipeline(counterV1Pipeline.spec, { engine: 'interp' });
    const server = await startTcpServer(pipeline, lineCodec('seed', pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
    const clients = await Promise.all(Array.from({ length: 5 }, () => LineClient.open(server.port)));
    for (const c of clients) c.socket.write('Item "Right ()"\n'.repeat(300) + 'Item "Le');
    await Promise.all(clients.map((c) => c.take(1)));
    await server.shutdown();
    await Promise.all(clients.map((c) => c.closed));
    // Every whole line that reached the server was answered before its socket closed; the unfinished one was not.
    let answered = 0;
    for (const c of clients) {
      expect(c.lines.every((l) => l === 'Item "Right ()"')).toBe(true);
      answered += c.lines.length;
    }
    expect(answered).toBe(server.stats().replies);
    expect(server.stats().inFlight).toBe(0);
    await expect(LineClient.open(server.port)).rejects.toThrow();
  });
});
