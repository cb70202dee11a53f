// Sessions in the runtime, over real sockets: the front turns each
// connection's life into (id, Connect ()), (id, Data x)…, (id, Disconnect ())
// and writes Reply payloads, nothing for Silent, nothing for what answers a
// Disconnect. The files example in the lines syntax: two clients with their
// own working directories, a client that leaves dropping its session from the
// state, a live upgrade v1 => v2 under connected clients. A greeter machine:
// greetings, silence, item errors, ids that grow across restarts, Connect
// first and Disconnect last under backpressure, Disconnect for every client
// on a clean shutdown. `smwasm run` over a file: one connection.

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caseOf,
  consume,
  distr,
  fail,
  fanout,
  fst,
  get,
  id,
  ifThenElse,
  type Int,
  mapDelete,
  mapInsert,
  mapLookup,
  type MapOf,
  mapOf,
  mapSize,
  merge,
  type Pair,
  pipe,
  put,
  showInt,
  snd,
  type Str,
  type T,
  ty,
  type Unit,
} from '../compiler/edsl.ts';
import { encodeValue } from '../compiler/layout.ts';
import { sm } from '../compiler/pipeline.ts';
import { onSession, reply, type SessionOutput, sessionTy, sessionTypes, silent } from '../compiler/sessions.ts';
import { Int as IntType, Str as StrType, showType } from '../compiler/types.ts';
import { filesV1, SessionV1, upgradeV1toV2 } from '../examples/files/index.ts';
import { concatOf, isText, text } from '../examples/kv/lines.ts';
import { lineCodec, SyntaxTypeError } from '../runtime/codec.ts';
import { connectionIdFloor, ConnectionIds } from '../runtime/connection-ids.ts';
import { deployPipeline } from '../runtime/pipeline.ts';
import { type Service, startService } from '../runtime/service.ts';
import { runStreams } from '../runtime/streams.ts';
import { startTcpServer, type TcpServer } from '../runtime/tcp.ts';
import { LineClient } from './line-client.ts';

// ---------------------------------------------------------------------------
// The greeter: a session machine whose state is the set of live connection ids.
//   connect        Reply "hello <id>"
//   Data "who"     Reply <how many sessions are live>
//   Data "id"      Reply <id>
//   Data "quiet"   Silent ()
//   Data "fail"    an item error (FAIL)
//   Data x         Reply x                      ("no session" if the id has no session: never, if the runtime keeps the convention)
//   disconnect     Reply "bye"                  (dropped by the runtime)

type Live = MapOf<Int, Unit>;
const Live = ty.map(ty.int, ty.unit);
type Out = SessionOutput<Str>;
const Out = sessionTy.output(ty.string);

const live: T<Live, Unit, Live> = get<Live>();
const greet: T<Live, Int, Out> = pipe(
  fanout(pipe(fanout(pipe(consume<Live, Int>(), live), fanout(id<Live, Int>(), consume<Live, Int>())), mapInsert<Live, Int, Unit>(), put<Live>()), concatOf(text<Live, Int>('hello '), showInt<Live>())),
  snd<Live, Unit, Str>(),
  reply<Live, Str>(ty.string),
);
const when = (word: string, onTrue: T<Live, Pair<Int, Str>, Out>, onFalse: T<Live, Pair<Int, Str>, Out>): T<Live, Pair<Int, Str>, Out> =>
  pipe(fanout(id<Live, Pair<Int, Str>>(), pipe(snd<Live, Int, Str>(), isText<Live>(word))), ifThenElse(onTrue, onFalse));
const commands: T<Live, Pair<Int, Str>, Out> = when(
  'who',
  pipe(consume<Live, Pair<Int, Str>>(), live, mapSize<Live, Int, Unit>(), showInt<Live>(), reply<Live, Str>(ty.string)),
  when(
    'id',
    pipe(fst<Live, Int, Str>(), showInt<Live>(), reply<Live, Str>(ty.string)),
    when('quiet', silent<Live, Pair<Int, Str>, Str>(ty.string), when('fail', fail<Live, Pair<Int, Str>, Out>('asked to fail', Out), pipe(snd<Live, Int, Str>(), reply<Live, Str>(ty.string)))),
  ),
);
/** Data of a connection without a session answers "no session": the runtime sent Data before Connect or after Disconnect. */
const onData: T<Live, Pair<Int, Str>, Out> = pipe(
  fanout(id<Live, Pair<Int, Str>>(), pipe(fanout(pipe(consume<Live, Pair<Int, Str>>(), live), fst<Live, Int, Str>()), mapLookup<Live, Int, Unit>())),
  distr(),
  caseOf(pipe(consume<Live, Pair<Pair<Int, Str>, Unit>>(), text<Live, Unit>('no session'), reply<Live, Str>(ty.string)), pipe(fst<Live, Pair<Int, Str>, Unit>(), commands)),
  merge<Live, Out>(),
);
const onDisconnect: T<Live, Int, Out> = pipe(
  fanout(pipe(consume<Live, Int>(), live), id<Live, Int>()),
  mapDelete<Live, Int, Unit>(),
  put<Live>(),
  text<Live, Unit>('bye'),
  reply<Live, Str>(ty.string),
);
const greeter = sm(
  'greeter',
  { state: Live, initial: mapOf(ty.int, ty.unit), input: sessionTy.input(ty.string), output: Out },
  onSession<Live, Str, Str>({ connect: greet, data: onData, disconnect: onDisconnect }),
).spec;

async function greeterServer(syntax: 'lines' | 'json' | 'seed' = 'lines', ringBytes?: number): Promise<TcpServer> {
  const pipeline = await deployPipeline(greeter, { engine: 'wasm', ringBytes });
  return startTcpServer(pipeline, lineCodec(syntax, pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
}

/** The id in a greeting "hello <id>". */
function greetingId(line: string): number {
  const m = /^hello (\d+)$/.exec(line);
  if (m === null) throw new Error(`not a greeting: ${JSON.stringify(line)}`);
  const n = Number(m[1]);
  expect(Number.isSafeInteger(n)).toBe(true);
  return n;
}

// ---------------------------------------------------------------------------

describe('the session types and the lines syntax at startup', () => {
  it('recognises a session pipeline by its types, and only when input and output both follow the convention', () => {
    const s = sessionTypes(sessionTy.input(ty.int).type, sessionTy.output(ty.string).type);
    expect(s).not.toBeNull();
    expect(showType(s!.data)).toBe('Int');
    expect(showType(s!.reply)).toBe('String');
    // Cases in name order, as the canonical layout writes them.
    expect(s!.cases).toEqual({ connect: 0, data: 1, disconnect: 2, reply: 0, silent: 1 });
    expect(sessionTypes(StrType, StrType)).toBeNull();
    expect(sessionTypes(sessionTy.input(ty.string).type, StrType)).toBeNull();
    expect(sessionTypes(sessionTy.input(ty.string).type, ty.variant({ Reply: ty.string, Silent: ty.unit, Other: ty.unit }).type)).toBeNull();
    expect(sessionTypes(ty.pair(ty.int, ty.variant({ Connect: ty.unit, Data: ty.string })).type, Out.type)).toBeNull();
    expect(sessionTypes(ty.pair(ty.int, ty.variant({ Connect: ty.int, Data: ty.string, Disconnect: ty.unit })).type, Out.type)).toBeNull();
  });

  it('the lines syntax refuses a pipeline whose messages or replies are not String, naming the type', () => {
    expect(() => lineCodec('lines', IntType, StrType)).toThrow(SyntaxTypeError);
    expect(() => lineCodec('lines', IntType, StrType)).toThrow("the lines syntax reads each line as a String, but the pipeline's input type is Int; use --syntax seed or json");
    expect(() => lineCodec('lines', StrType, IntType)).toThrow("the lines syntax writes each reply as a String, but the pipeline's output type is Int");
    expect(() => lineCodec('lines', sessionTy.input(ty.int).type, Out.type)).toThrow(
      "the lines syntax reads each line as a String, but the pipeline's session messages are of type Int (its input is (Int, <Connect: (), Data: Int, Disconnect: ()>))",
    );
    const codec = lineCodec('lines', sessionTy.input(ty.string).type, Out.type);
    expect(codec.session).not.toBeNull();
    expect(codec.input).toEqual(StrType);
    expect(lineCodec('json', StrType, StrType).session).toBeNull();
  });

  it('connection ids start at the clock in microseconds, above a persisted high-water mark, and count up', () => {
    expect(connectionIdFloor(1_767_225_600_000)).toBe(1_767_225_600_000_000);
    expect(connectionIdFloor(1_767_225_600_000, 1_767_225_600_000_499)).toBe(1_767_225_600_000_500);
    expect(connectionIdFloor(1_767_225_600_000, 5)).toBe(1_767_225_600_000_000);
    expect(() => connectionIdFloor(9_007_199_254_741)).toThrow(/past the range of exact ids/);
    const ids = new ConnectionIds(1_767_225_600_000_000);
    expect(ids.highWaterMark).toBe(1_767_225_599_999_999);
    expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([1_767_225_600_000_000, 1_767_225_600_000_001, 1_767_225_600_000_002]);
    expect(ids.highWaterMark).toBe(1_767_225_600_000_002);
    expect(ids.count).toBe(3);
    expect(() => new ConnectionIds(0)).toThrow(/invalid floor/);
    const last = new ConnectionIds(Number.MAX_SAFE_INTEGER);
    expect(last.allocate()).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => last.allocate()).toThrow(/exhausted/);
  });
});

describe('the files example over TCP in the lines syntax', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService(filesV1.spec, { engine: 'wasm', syntax: 'lines', port: 0 });
  });
  afterAll(async () => {
    await service.shutdown();
  });

  const fsStateBytes = async () => (await service.coordinator.status()).stages.find((s) => s.name === 'fs')!.stateBytes!;

  it('two clients have their own working directories, interleaved', async () => {
    const one = await LineClient.open(service.port);
    const two = await LineClient.open(service.port);
    const transcript: Array<[LineClient, string, string]> = [
      [one, 'mkdir a', 'OK'],
      [two, 'mkdir b', 'OK'],
      [one, 'cd a', 'OK'],
      [two, 'cd b', 'OK'],
      [one, 'put x.txt from one', 'OK'],
      [two, 'put x.txt from two', 'OK'],
      [one, 'get x.txt', 'OK from one'],
      [two, 'get x.txt', 'OK from two'],
      [two, 'cd /a', 'OK'],
      [two, 'get x.txt', 'OK from one'],
      [one, 'cd ..', 'OK'],
      [one, 'ls', 'OK a/ b/'],
      [two, 'pwd', 'OK /a'],
      [one, 'pwd', 'OK /'],
    ];
    for (const [client, line, expected] of transcript) expect(await client.ask(line), line).toBe(expected);
    // Pipelined: the replies of one connection come back in its order.
    one.socket.write('cd b\npwd\nget x.txt\ncd nowhere\n');
    expect([await one.next(), await one.next(), await one.next(), await one.next()]).toEqual(['OK', 'OK /b', 'OK from two', 'ERROR no such directory: nowhere']);
    await Promise.all([one.leave(), two.leave()]);
    // A session announces nothing: no greeting, and the Disconnect's answer is not written.
    expect(one.lines.length).toBe(11);
    expect(two.lines.length).toBe(7);
  });

  it('a client that leaves has its session dropped from the state', async () => {
    const stays = await LineClient.open(service.port);
    expect(await stays.ask('mkdir leave')).toBe('OK');
    const before = await fsStateBytes();
    const leaves = await LineClient.open(service.port);
    expect(await leaves.ask('cd leave')).toBe('OK');
    // One more entry in `sessions`: the id (8 bytes) and {cwd = "/leave"} (a u32 length and 6 bytes).
    const session = encodeValue(SessionV1.type, { cwd: '/leave' });
    expect(session.length).toBe(10);
    expect(await fsStateBytes()).toBe(before + 8 + session.length);
    // The server closes the connection only once the Disconnect's answer has come out of the last stage.
    await leaves.leave();
    expect(await fsStateBytes()).toBe(before);
    expect(await stays.ask('ls')).toMatch(/^OK .*leave\//);
    await stays.leave();
  });

  it('raw lines: CRLF endings, a blank line is an empty command, invalid UTF-8 is refused, text is kept verbatim', async () => {
    const c = await LineClient.open(service.port);
    expect(await c.ask('pwd\r')).toBe('OK /');
    expect(await c.ask('')).toBe('ERROR unknown command ""');
    c.socket.write(Buffer.from([0x70, 0x75, 0x74, 0x20, 0xff, 0x0a]));
    expect(await c.next()).toBe('ERROR BAD_REQUEST: the line is not valid UTF-8');
    expect(await c.ask('put ünï two  spaces, "quotes" \\ and ☃')).toBe('OK');
    expect(await c.ask('get ünï')).toBe('OK two  spaces, "quotes" \\ and ☃');
    expect(await c.ask('bogus')).toBe('ERROR unknown command "bogus"');
    await c.leave();
  });
});

describe('a live upgrade of files v1 => v2 under connected clients', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService(filesV1.spec, { engine: 'wasm', syntax: 'lines', port: 0 });
  });
  afterAll(async () => {
    await service.shutdown();
  });

  it('keeps every working directory, and the new commands work on the same connections', async () => {
    const one = await LineClient.open(service.port);
    const two = await LineClient.open(service.port);
    for (const line of ['mkdir up', 'cd up', 'mkdir one', 'mkdir two', 'cd one', 'put f text']) expect(await one.ask(line), line).toBe('OK');
    expect(await two.ask('cd /up/two')).toBe('OK');
    expect(await two.ask('rm f')).toBe('ERROR unknown command "rm"');
    expect(await one.ask('cd -')).toBe('ERROR no such directory: -');

    const outcome = await service.coordinator.upgrade(upgradeV1toV2);
    expect(outcome).toMatchObject({ ok: true });

    expect(await one.ask('pwd')).toBe('OK /up/one');
    expect(await two.ask('pwd')).toBe('OK /up/two');
    // v2's cd -: a migrated session's previous directory starts as its working directory.
    expect(await two.ask('cd -')).toBe('OK');
    expect(await two.ask('pwd')).toBe('OK /up/two');
    expect(await two.ask('cd /up/one')).toBe('OK');
    expect(await two.ask('cd -')).toBe('OK');
    expect(await two.ask('pwd')).toBe('OK /up/two');
    // v2's rm, on a connection opened under v1.
    expect(await one.ask('rm f')).toBe('OK');
    expect(await one.ask('get f')).toBe('ERROR no such file: f');
    // A client arriving after the upgrade gets a v2 session.
    const three = await LineClient.open(service.port);
    expect(await three.ask('cd up')).toBe('OK');
    expect(await three.ask('cd -')).toBe('OK');
    expect(await three.ask('pwd')).toBe('OK /');
    await Promise.all([one.leave(), two.leave(), three.leave()]);
  });
});

describe('the greeter: greetings, silence, errors, ids', () => {
  it('a Reply to Connect is a greeting, Silent writes nothing, an item error answers, the answer to Disconnect is dropped', async () => {
    const server = await greeterServer('lines');
    const c = await LineClient.open(server.port);
    const id = greetingId(await c.next());
    c.socket.write('quiet\nid\nfail\nquiet\nsome text\n');
    expect(await c.next()).toBe(String(id));
    expect(await c.next()).toBe('ERROR FAIL: asked to fail');
    expect(await c.next()).toBe('some text');
    await c.leave();
    expect(c.lines).toEqual([`hello ${id}`, String(id), 'ERROR FAIL: asked to fail', 'some text']);
    await server.shutdown();
  });

  it('the same session in JSON and in seed syntax: payloads only, the id never on the wire', async () => {
    for (const [syntax, request, wrap, error] of [
      ['json', (s: string) => JSON.stringify({ Item: s }), (s: string) => JSON.stringify({ Item: s }), '{"Error":{"code":"FAIL","message":"asked to fail","stage":"greeter"}}'],
      ['seed', (s: string) => `Item ${JSON.stringify(s)}`, (s: string) => `Item ${JSON.stringify(s)}`, 'Error "asked to fail"'],
    ] as const) {
      const server = await greeterServer(syntax);
      const c = await LineClient.open(server.port);
      const greeting = await c.next();
      const id = greetingId((syntax === 'json' ? JSON.parse(greeting).Item : JSON.parse(greeting.slice('Item '.length))) as string);
      expect(greeting).toBe(wrap(`hello ${id}`));
      expect(await c.ask(request('quiet') + '\n' + request('id'))).toBe(wrap(String(id)));
      expect(await c.ask(request('fail'))).toBe(error);
      expect(await c.ask(syntax === 'json' ? '{"Item": 5}' : 'Item 5')).toMatch(syntax === 'json' ? /^\{"Error":\{"code":"BAD_REQUEST"/ : /^Error "/);
      expect(await c.ask(request('echo'))).toBe(wrap('echo'));
      await c.leave();
      await server.shutdown();
    }
  });

  it('a client that leaves is removed from the state', async () => {
    const server = await greeterServer('lines');
    const a = await LineClient.open(server.port);
    greetingId(await a.next());
    expect(await a.ask('who')).toBe('1');
    const b = await LineClient.open(server.port);
    greetingId(await b.next());
    expect(await a.ask('who')).toBe('2');
    await b.leave();
    expect(await a.ask('who')).toBe('1');
    // A reset connection too.
    const c = await LineClient.open(server.port);
    greetingId(await c.next());
    expect(await a.ask('who')).toBe('2');
    c.socket.resetAndDestroy();
    await c.closed;
    let who = await a.ask('who');
    // The reset reaches the server on its own time: ask until it has (each answer is 2 or 1, never anything else).
    while (who === '2') who = await a.ask('who');
    expect(who).toBe('1');
    await a.leave();
    await server.shutdown();
  });

  it('ids grow with every connection, start at the clock, and a second start never repeats the first one\'s', async () => {
    const runs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const floor = Date.now() * 1000;
      const server = await greeterServer('lines');
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await LineClient.open(server.port);
        ids.push(greetingId(await c.next()));
        expect(await c.ask('id')).toBe(String(ids[i]));
        await c.leave();
      }
      expect(ids[0]).toBeGreaterThanOrEqual(floor);
      expect(ids).toEqual(ids.map((_, i) => ids[0] + i));
      expect(server.front.connectionIds.highWaterMark).toBe(ids[3]);
      runs.push(ids);
      await server.shutdown();
    }
    expect(Math.min(...runs[1])).toBeGreaterThan(Math.max(...runs[0]));
  });

  it('Connect first and Disconnect last under backpressure: 40 clients pipelining through small rings', async () => {
    const server = await greeterServer('lines', 4096);
    const perClient = 150;
    const pour = (c: LineClient, k: number) => {
      let text = '';
      for (let i = 0; i < perClient; i++) text += `client ${k} line ${i} ${'x'.repeat(40)}\n`;
      c.socket.end(text);
    };
    // Half the clients fill ring 0; the other half connect while it is full, so their Connects wait in line.
    const clients = await Promise.all(Array.from({ length: 20 }, () => LineClient.open(server.port)));
    clients.forEach(pour);
    for (let k = 20; k < 40; k++) {
      const c = await LineClient.open(server.port);
      clients.push(c);
      pour(c, k);
    }
    await Promise.all(clients.map((c) => c.closed));
    clients.forEach((c, k) => {
      expect(c.lines.length).toBe(1 + perClient);
      greetingId(c.lines[0]);
      c.lines.slice(1).forEach((line, i) => expect(line).toBe(`client ${k} line ${i} ${'x'.repeat(40)}`));
    });
    // Every session ended: only the asking client's is live.
    const last = await LineClient.open(server.port);
    greetingId(await last.next());
    expect(await last.ask('who')).toBe('1');
    await last.leave();
    const stats = server.stats();
    expect(stats.connectionsOpened).toBe(41);
    expect(stats.inFlight).toBe(0);
    expect(stats.sourceStalls).toBeGreaterThan(0);
    await server.shutdown();
  });

  it('a clean shutdown delivers a Disconnect for every open connection before the pipeline stops', async () => {
    const pipeline = await deployPipeline(greeter, { engine: 'wasm' });
    const server = await startTcpServer(pipeline, lineCodec('lines', pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
    const clients = await Promise.all(Array.from({ length: 3 }, () => LineClient.open(server.port)));
    for (const c of clients) greetingId(await c.next());
    expect(await clients[0].ask('who')).toBe('3');
    await server.shutdown();
    await Promise.all(clients.map((c) => c.closed));
    const [report] = await pipeline.finished;
    // 3 Connects, 1 Data, 3 Disconnects: each stepped through the machine before Done.
    expect(report.items).toBe(7);
    expect(report.itemErrors).toBe(0);
    for (const c of clients) expect(c.lines.filter((l) => l === 'bye')).toEqual([]);
  });
});

describe('smwasm run over a session pipeline: the input is one connection', () => {
  it('Connect first, every line as Data, Disconnect at the end of the input', async () => {
    const pipeline = await deployPipeline(greeter, { engine: 'wasm' });
    const input = new PassThrough();
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (b: Buffer) => chunks.push(b));
    const done = runStreams(pipeline, lineCodec('lines', pipeline.input, pipeline.output), input, output, { endOutput: true });
    input.end('first\nquiet\nid\nwho\nfail\nlast without a newline');
    const stats = await done;
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    const id = greetingId(lines[0]);
    expect(lines).toEqual([`hello ${id}`, 'first', String(id), '1', 'ERROR FAIL: asked to fail', 'last without a newline', '']);
    expect(stats.connectionsOpened).toBe(1);
    const [report] = await pipeline.finished;
    // Connect, six lines, Disconnect.
    expect(report.items).toBe(8);
    expect(report.itemErrors).toBe(1);
  });

  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'smwasm-sessions-'));
  const smwasm = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['bin/smwasm.mjs', ...args], { cwd: root }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
      child.stdin!.end();
    });

  it('the files example from the command line, a file in, raw lines out; a non-String pipeline refused by name', async () => {
    const input = join(dir, 'files.txt');
    writeFileSync(input, 'mkdir docs\ncd docs\npwd\nput a hello world\nget a\nls\ncd /\nls\nrm a\n');
    const r = await smwasm(['run', 'examples/files/index.ts', '--syntax', 'lines', '--input', input]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(['OK', 'OK', 'OK /docs', 'OK', 'OK hello world', 'OK a', 'OK', 'OK docs/', 'ERROR unknown command "rm"', ''].join('\n'));
    const spec = join(dir, 'numbers.mts');
    writeFileSync(
      spec,
      `import { id, ty } from ${JSON.stringify(join(root, 'compiler/edsl.ts'))};\nimport { sm } from ${JSON.stringify(join(root, 'compiler/pipeline.ts'))};\n` +
        `export const pipeline = sm('numbers', { state: ty.unit, initial: null, input: ty.int, output: ty.int }, id());\n`,
    );
    const refused = await smwasm(['run', spec, '--syntax', 'lines', '--input', input]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("the lines syntax reads each line as a String, but the pipeline's input type is Int");
  });
});
