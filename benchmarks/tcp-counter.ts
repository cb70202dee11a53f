// The seed's counter over TCP on loopback, against node's own ceiling: a
// minimal single-threaded Node line server that keeps the count in a
// variable and speaks the same request and reply lines, measured in the same
// run with the same load generator (a separate process).
//
//   tcpCounter1x1     1 connection, 1 request in flight
//   tcpCounter16x1    16 connections, 1 request in flight each
//   tcpCounter16x32   16 connections, 32 pipelined requests in flight each
//
//   load generator ──loopback──► server main thread ──ring──► [counter] ──ring──► server main thread ──► …
//   (its own process)            (sockets, framing, codec)     (stage worker)
//   smwasm: 2 server threads + the generator; node's ceiling: 1 server thread + the generator (2 cores).
//
// Each scenario runs the servers alternately, RUNS times each, and keeps each
// server's best run. The generator checks every reply and the final count.
//
// Run: node bin/run-ts.mjs benchmarks/tcp-counter.ts [seconds per run, default 3] [runs, default 2]
//      (TCP_ENGINES=wasm to leave out the interpreter)

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { counterV1Pipeline } from '../examples/counter/index.ts';
import { lineCodec } from '../runtime/codec.ts';
import { deployPipeline } from '../runtime/pipeline.ts';
import type { StageEngine } from '../runtime/stage-worker.ts';
import { startTcpServer } from '../runtime/tcp.ts';

const SECONDS = Number(process.argv[2] ?? 3);
const RUNS = Number(process.argv[3] ?? 2);
const root = fileURLToPath(new URL('..', import.meta.url));

interface LoadResult {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /** CPU of the server's threads (this process: main, stage, V8 helpers) per request, ns. */
  cpuPerRequest?: number;
}

/** CPU ticks of every thread of this process, by thread id (Linux /proc; empty elsewhere). */
function cpuTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    }
  } catch {
    // Not Linux: no figure.
  }
  return ticks;
}

function ticksSince(before: Map<string, number>): number {
  let sum = 0;
  for (const [tid, t] of cpuTicks()) sum += t - (before.get(tid) ?? 0);
  return sum;
}

interface RunningServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** Node's ceiling: the counter in a variable, the same lines, one write per socket read. */
async function startNodeServer(): Promise<RunningServer> {
  let count = 0;
  const READ = 'Item "Left ()"';
  const INCR = 'Item "Right ()"';
  const server: Server = createServer({ noDelay: true }, (socket) => {
    let partial = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const text = partial + chunk;
      let out = '';
      let pos = 0;
      for (;;) {
        const nl = text.indexOf('\n', pos);
        if (nl < 0) break;
        const line = text.slice(pos, nl);
        if (line === INCR) {
          count++;
          out += 'Item "Right ()"\n';
        } else if (line === READ) out += `Item "Left ${count}"\n`;
        else out += 'Error "bad request"\n';
        pos = nl + 1;
      }
      partial = text.slice(pos);
      if (out.length > 0) socket.write(out, 'latin1');
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startSmwasm(engine: StageEngine): Promise<RunningServer> {
  const pipeline = await deployPipeline(counterV1Pipeline.spec, { engine });
  const server = await startTcpServer(pipeline, lineCodec('seed', pipeline.input, pipeline.output), { host: '127.0.0.1', port: 0 });
  return { port: server.port, stop: () => server.shutdown() };
}

function load(port: number, connections: number, window: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['bin/run-ts.mjs', 'benchmarks/tcp-load-generator.ts', String(port), String(connections), String(window), String(SECONDS)],
      { cwd: root, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`load generator failed: ${stderr || error.message}`));
        resolve(JSON.parse(stdout) as LoadResult);
      },
    );
  });
}

const SCENARIOS: Array<[name: string, connections: number, window: number]> = [
  ['tcpCounter1x1', 1, 1],
  ['tcpCounter16x1', 16, 1],
  ['tcpCounter16x32', 16, 32],
];

/** TCP_ENGINES=wasm,interp (the default) picks which smwasm engines run beside the ceiling. */
const ENGINES = (process.env.TCP_ENGINES ?? 'wasm,interp').split(',') as StageEngine[];
const SERVERS: Array<[name: string, start: () => Promise<RunningServer>]> = [
  ['node ceiling', startNodeServer],
  ...ENGINES.map((engine): [string, () => Promise<RunningServer>] => [`smwasm ${engine}`, () => startSmwasm(engine)]),
];

const us = (x: number) => `${x}`.padStart(7);

async function main(): Promise<void> {
  console.log(`${SECONDS} s per run, best of ${RUNS}; requests/s and latency (µs) from write to reply`);
  console.log('scenario          server          req/s      ratio    p50     p99   p99.9   server cpu ns/request');
  for (const [scenario, connections, window] of SCENARIOS) {
    const best = new Map<string, LoadResult>();
    for (let run = 0; run < RUNS; run++) {
      for (const [name, start] of SERVERS) {
        const server = await start();
        try {
          const before = cpuTicks();
          const r = await load(server.port, connections, window);
          // The whole run (warm-up and checks included) over the requests measured: an upper bound, alike for every server.
          r.cpuPerRequest = (ticksSince(before) * 1e7) / r.requests;
          const prev = best.get(name);
          if (!prev || r.perSecond > prev.perSecond) best.set(name, r);
        } finally {
          await server.stop();
        }
      }
    }
    const ceiling = best.get('node ceiling')!.perSecond;
    for (const [name] of SERVERS) {
      const r = best.get(name)!;
      console.log(
        `${scenario.padEnd(16)}  ${name.padEnd(14)} ${(r.perSecond / 1000).toFixed(0).padStart(6)}k   ${(r.perSecond / ceiling).toFixed(2).padStart(5)}  ${us(r.p50)} ${us(r.p99)} ${us(r.p999)}   ${us(Math.round(r.cpuPerRequest ?? 0))}`,
      );
    }
  }
}

await main();
