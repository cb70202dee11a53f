// Load generator for the TCP counter benchmarks (benchmarks/tcp-counter.ts
// starts it as a separate process, so it never shares a thread with the
// server it measures).
//
//   node bin/run-ts.mjs benchmarks/tcp-load-generator.ts PORT CONNECTIONS WINDOW SECONDS
//   => {"requests":…, "seconds":…, "perSecond":…, "p50":…, "p99":…, "p999":…} on stdout (latencies in µs)
//
// Each connection keeps WINDOW increments (`Item "Right ()"`) in flight:
// every reply that comes back is answered with a new request, all the
// requests of one socket read in one write. Latency is from the write of a
// request to the arrival of its reply (HDR histogram). Every reply is
// checked byte for byte, and at the end a read must answer exactly the
// count from before the run plus every increment sent: a fast wrong server
// never counts.

import { connect, type Socket } from 'node:net';
import * as hdr from 'hdr-histogram-js';

const [port, connections, window, seconds] = process.argv.slice(2, 6).map(Number);
const WARMUP_MS = 500;

const REQUEST = Buffer.from('Item "Right ()"\n');
const REPLY = Buffer.from('Item "Right ()"\n');
/** REQUEST repeated k times, for k up to WINDOW: one write per reply chunk, no allocation. */
const requestRuns = Array.from({ length: window + 1 }, (_, k) => Buffer.concat(Array.from({ length: k }, () => REQUEST)));

const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
let recording = false;
let sending = true;
let measured = 0;
let sentTotal = 0;

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** Sends one line and resolves with the first reply line. */
async function ask(line: string): Promise<string> {
  const s = await open();
  return new Promise((resolve, reject) => {
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        s.destroy();
        resolve(text.slice(0, nl));
      }
    });
    s.on('error', reject);
    s.write(line + '\n');
  });
}

function countOf(reply: string): number {
  const m = /^Item "Left (\d+)"$/.exec(reply);
  if (!m) throw new Error(`unexpected reply to a read: ${reply}`);
  return Number(m[1]);
}

class Client {
  private readonly sentAt = new Float64Array(window);
  private head = 0;
  private inFlight = 0;
  /** Bytes of the current reply matched so far. */
  private matched = 0;
  idle: Promise<void>;
  private resolveIdle!: () => void;

  constructor(private readonly socket: Socket) {
    this.idle = new Promise((resolve) => (this.resolveIdle = resolve));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => {
      throw e;
    });
  }

  start(): void {
    this.send(window);
  }

  private send(k: number): void {
    if (k === 0) return;
    const now = performance.now();
    for (let i = 0; i < k; i++) this.sentAt[(this.head + this.inFlight + i) % window] = now;
    this.inFlight += k;
    sentTotal += k;
    this.socket.write(requestRuns[k]);
  }

  private onData(chunk: Buffer): void {
    const now = performance.now();
    let replies = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== REPLY[this.matched]) throw new Error(`unexpected reply byte ${chunk[i]} at ${this.matched}: ${chunk.toString('utf8', Math.max(0, i - 20), i + 20)}`);
      if (++this.matched === REPLY.length) {
        this.matched = 0;
        replies++;
        const latency = now - this.sentAt[this.head];
        this.head = (this.head + 1) % window;
        if (recording) {
          histogram.recordValue(Math.max(1, Math.round(latency * 1000)));
          measured++;
        }
      }
    }
    this.inFlight -= replies;
    if (sending) this.send(replies);
    else if (this.inFlight === 0) this.resolveIdle();
  }
}

async function main(): Promise<void> {
  const before = countOf(await ask('Item "Left ()"'));
  const sockets = await Promise.all(Array.from({ length: connections }, open));
  const clients = sockets.map((s) => new Client(s));
  for (const c of clients) c.start();
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  recording = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  recording = false;
  const elapsed = (performance.now() - t0) / 1000;
  sending = false;
  await Promise.all(clients.map((c) => c.idle));
  const after = countOf(await ask('Item "Left ()"'));
  if (after !== before + sentTotal) throw new Error(`final count ${after}, expected ${before} + ${sentTotal} increments`);
  for (const s of sockets) s.destroy();
  const result = {
    requests: measured,
    seconds: elapsed,
    perSecond: measured / elapsed,
    p50: histogram.getValueAtPercentile(50),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    verifiedCount: after,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

await main();
