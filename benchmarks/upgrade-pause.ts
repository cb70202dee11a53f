// tcpCounter16UpgradePause: what a live upgrade costs the clients of a loaded server.
//
//   this process: 16 connections, closed loop (window W each), `Item "Right ()"` ──► smwasm serve (child process)
//                 admin connection: upgrade / rollback every 250 ms              ──►   main thread ─ring─► [counter] ─ring─► main
//
// Phases: a baseline with no upgrades (steady-state latency); 40 cycles of
// upgrade + rollback between counter v1 and a reimplementation of v1 (the
// compile worker's cache holds both after the first); 20 upgrades to terms
// never seen before (compile included). For every upgrade: the latency of
// requests sent in the 100 ms around the swap (centred on the moment the
// admin reply arrives; the cut happens a few ms before it), and the time
// from sending the request to the UpgradeSucceeded reply. The server's own
// figures (compile, stage prepare, migration) come with each reply.
// The run fails if any request fails or the final count is not the number
// of acknowledged increments.
//
//   node bin/run-ts.mjs benchmarks/upgrade-pause.ts [--window 1] [--engine wasm]

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Term } from '../compiler/terms.ts';
import { upgradeRequestToJson } from '../compiler/upgrade.ts';
import type { Json } from '../compiler/values.ts';
import { counterV1Term } from '../examples/counter/index.ts';
import { AdminClient, ClosedLoopLoad, seedRequest } from '../runtime/client.ts';
import { counterSwap, counterV1bTerm } from '../test/upgrade-fixtures.ts';

const { values: args } = parseArgs({ options: { window: { type: 'string', default: '1' }, engine: { type: 'string', default: 'wasm' }, port: { type: 'string', default: '42900' } } });
const WINDOW = Number(args.window);
const PORT = Number(args.port);
const ADMIN_PORT = PORT + 1;
const TOKEN = 'benchmark-admin-token-0123456789';
const CONNECTIONS = 16;
const SPACING_MS = 250;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Applied {
  readonly sentAt: number;
  readonly repliedAt: number;
  readonly timings: { compileMs: number; prepareMs: number; cutMs: number; migrationMs: number; stagePrepareMs: number; totalMs: number };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'smwasm-bench-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, TOKEN);
  const bin = new URL('../bin/smwasm.mjs', import.meta.url).pathname;
  const server = spawn(
    process.execPath,
    [bin, 'serve', '--example', 'counter', '--syntax', 'seed', '--engine', args.engine!, '--port', String(PORT), '--admin-port', String(ADMIN_PORT), '--admin-token-file', tokenFile],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    server.stderr!.setEncoding('utf8');
    server.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('admin channel on')) resolve();
    });
    server.on('exit', (code) => reject(new Error(`smwasm serve exited with ${code}: ${stderr}`)));
  });
  try {
    await run();
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(): Promise<void> {
  const admin = await AdminClient.connect('127.0.0.1', ADMIN_PORT, TOKEN);
  const load = await ClosedLoopLoad.start({
    host: '127.0.0.1',
    port: PORT,
    connections: CONNECTIONS,
    window: WINDOW,
    request: 'Item "Right ()"',
    accept: (reply) => reply === 'Item "Right ()"',
    recordLatencies: true,
  });
  await sleep(1000);
  const baselineFrom = performance.now();
  await sleep(3000);
  const baselineTo = performance.now();

  const apply = async (fields: Record<string, Json>): Promise<Applied> => {
    const sentAt = performance.now();
    const reply = await admin.call(fields);
    return { sentAt, repliedAt: performance.now(), timings: reply.timings as unknown as Applied['timings'] };
  };

  const swaps: Applied[] = [];
  const swapRequest = upgradeRequestToJson(counterSwap(counterV1bTerm));
  for (let i = 0; i < 40; i++) {
    swaps.push(await apply({ op: 'upgrade', request: swapRequest }));
    await sleep(SPACING_MS);
    swaps.push(await apply({ op: 'rollback' }));
    await sleep(SPACING_MS);
  }
  const fresh: Applied[] = [];
  let term: Term = counterV1Term;
  for (let i = 0; i < 20; i++) {
    // Compose(Id, v1) behaves as v1 but is a new term: a new hash and a compile.
    term = { op: 'Compose', left: { op: 'Id' }, right: term } as Term;
    fresh.push(await apply({ op: 'upgrade', request: upgradeRequestToJson(counterSwap(term)) }));
    await sleep(SPACING_MS);
  }
  await sleep(500);
  await load.stop();
  await admin.close();

  if (load.failed !== 0 || load.closedByServer !== 0) throw new Error(`${load.failed} failed requests, ${load.closedByServer} closed connections: ${load.failures.join(' | ')}`);
  const count = await seedRequest('127.0.0.1', PORT, 'Item "Left ()"');
  if (count !== `Item "Left ${load.acknowledged}"`) throw new Error(`the counter says ${count}, but ${load.acknowledged} increments were acknowledged`);

  const { sentAt, latencyMs } = load;
  const steady: number[] = [];
  for (let i = 0; i < sentAt.length; i++) if (sentAt[i] >= baselineFrom && sentAt[i] < baselineTo) steady.push(latencyMs[i]);
  steady.sort((a, b) => a - b);
  const steadyP999 = percentile(steady, 99.9);
  const steadyMax = steady[steady.length - 1];
  // The same statistic as "per-swap max", over the baseline's 100 ms windows: what a swap's window would show with no swap.
  const windowMaxima: number[] = [];
  for (let from = baselineFrom; from + 100 <= baselineTo; from += 100) {
    let max = 0;
    for (let i = 0; i < sentAt.length; i++) if (sentAt[i] >= from && sentAt[i] < from + 100) max = Math.max(max, latencyMs[i]);
    windowMaxima.push(max);
  }
  windowMaxima.sort((a, b) => a - b);

  const around = (applied: readonly Applied[]) => {
    const all: number[] = [];
    const maxima: number[] = [];
    for (const a of applied) {
      let max = 0;
      for (let i = 0; i < sentAt.length; i++) {
        if (Math.abs(sentAt[i] - a.repliedAt) <= 50) {
          all.push(latencyMs[i]);
          max = Math.max(max, latencyMs[i]);
        }
      }
      maxima.push(max);
    }
    all.sort((a, b) => a - b);
    maxima.sort((a, b) => a - b);
    return { p999: percentile(all, 99.9), max: all[all.length - 1], medianMax: percentile(maxima, 50), samples: all.length };
  };
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  const maxOf = (xs: number[]) => Math.max(...xs);
  const f = (x: number) => x.toFixed(2);

  const swapAround = around(swaps.slice(1));
  const freshAround = around(fresh);
  const throughput = steady.length / ((baselineTo - baselineFrom) / 1000);
  console.log(`tcpCounter16UpgradePause (${args.engine} engine, ${CONNECTIONS} connections x window ${WINDOW}, ${load.acknowledged} increments, all counted)`);
  console.log(`  steady state: ${throughput.toFixed(0)} req/s; latency p50 ${f(percentile(steady, 50))} ms, p99.9 ${f(steadyP999)} ms, max ${f(steadyMax)} ms`);
  console.log(`  steady 100 ms windows: median of their max ${f(percentile(windowMaxima, 50))} ms, p90 ${f(percentile(windowMaxima, 90))} ms (${windowMaxima.length} windows)`);
  console.log('  in the 100 ms around each swap                      p99.9      max  median of per-swap max   samples');
  console.log(`    cached upgrade/rollback (79 swaps)             ${f(swapAround.p999).padStart(7)} ms ${f(swapAround.max).padStart(6)} ms ${f(swapAround.medianMax).padStart(10)} ms ${String(swapAround.samples).padStart(14)}`);
  console.log(`    fresh terms, compile included (20)             ${f(freshAround.p999).padStart(7)} ms ${f(freshAround.max).padStart(6)} ms ${f(freshAround.medianMax).padStart(10)} ms ${String(freshAround.samples).padStart(14)}`);
  console.log(`  ratios: around-swap p99.9 / steady p99.9 = ${(swapAround.p999 / steadyP999).toFixed(2)} (cached), ${(freshAround.p999 / steadyP999).toFixed(2)} (fresh)`);
  console.log(`          around-swap max / steady max     = ${(swapAround.max / steadyMax).toFixed(2)} (cached), ${(freshAround.max / steadyMax).toFixed(2)} (fresh)`);
  console.log(`          median per-swap max / median steady-window max = ${(swapAround.medianMax / percentile(windowMaxima, 50)).toFixed(2)} (cached), ${(freshAround.medianMax / percentile(windowMaxima, 50)).toFixed(2)} (fresh)`);
  const submit = (xs: readonly Applied[]) => xs.map((a) => a.repliedAt - a.sentAt);
  console.log('  request to UpgradeSucceeded (client side)           median      max');
  console.log(`    first upgrade (cold compile)                   ${f(submit(swaps.slice(0, 1))[0]).padStart(7)} ms`);
  console.log(`    cached                                         ${f(median(submit(swaps.slice(1)))).padStart(7)} ms ${f(maxOf(submit(swaps.slice(1)))).padStart(6)} ms`);
  console.log(`    fresh terms, compile included                  ${f(median(submit(fresh))).padStart(7)} ms ${f(maxOf(submit(fresh))).padStart(6)} ms`);
  const server = (xs: readonly Applied[], key: keyof Applied['timings']) => `${f(median(xs.map((a) => a.timings[key]))).padStart(7)} / ${f(maxOf(xs.map((a) => a.timings[key]))).padStart(6)}`;
  console.log('  server side, median / max ms                    compile        stage prepare    migration        cut');
  console.log(`    cached                                   ${server(swaps.slice(1), 'compileMs')}  ${server(swaps.slice(1), 'stagePrepareMs')}  ${server(swaps.slice(1), 'migrationMs')}  ${server(swaps.slice(1), 'cutMs')}`);
  console.log(`    fresh terms                              ${server(fresh, 'compileMs')}  ${server(fresh, 'stagePrepareMs')}  ${server(fresh, 'migrationMs')}  ${server(fresh, 'cutMs')}`);
}

await main();
