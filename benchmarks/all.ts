// Runs every benchmark, one after the other, each in a process of its own (so one run's heap,
// threads and JIT state cannot colour the next), and prints their reports as they come.
//
//   npm run bench                    all of them, in the order below (about 5 minutes)
//   npm run bench -- step tcp        only those whose name contains one of the words
//
// Every benchmark measures the figures it compares side by side in the same run (this machine
// is shared and noisy: ratios from one run mean more than absolute figures across runs).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Benchmark {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly node: readonly string[];
}

const BENCHMARKS: readonly Benchmark[] = [
  { name: 'interp-step', file: 'interp-step.ts', args: [], node: [] },
  { name: 'step-wasm-vs-interp', file: 'step-wasm-vs-interp.ts', args: [], node: ['--max-old-space-size=8192'] },
  { name: 'compile-times', file: 'compile-times.ts', args: [], node: [] },
  { name: 'pipeline-counter-stages', file: 'pipeline-counter-stages.ts', args: [], node: [] },
  { name: 'tcp-counter', file: 'tcp-counter.ts', args: [], node: [] },
  { name: 'upgrade-pause', file: 'upgrade-pause.ts', args: [], node: [] },
  { name: 'upgrade-kv-migration (wasm)', file: 'upgrade-kv-migration.ts', args: ['--engine', 'wasm'], node: ['--max-old-space-size=6144'] },
  { name: 'upgrade-kv-migration (interp)', file: 'upgrade-kv-migration.ts', args: ['--engine', 'interp'], node: ['--max-old-space-size=6144'] },
];

const here = fileURLToPath(new URL('.', import.meta.url));
const runTs = fileURLToPath(new URL('../bin/run-ts.mjs', import.meta.url));
const words = process.argv.slice(2);
const chosen = BENCHMARKS.filter((b) => words.length === 0 || words.some((w) => b.name.includes(w)));
if (chosen.length === 0) {
  console.error(`no benchmark matches ${words.join(' ')}; there are: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

const failed: string[] = [];
const started = performance.now();
for (const [i, b] of chosen.entries()) {
  console.log(`\n=== [${i + 1}/${chosen.length}] ${b.name}: node ${[...b.node, 'bin/run-ts.mjs', `benchmarks/${b.file}`, ...b.args].join(' ')}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...b.node, runTs, here + b.file, ...b.args], { stdio: 'inherit' });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed.push(b.name);
    console.log(`=== ${b.name} FAILED (exit ${r.status ?? r.signal}) after ${seconds} s`);
  } else {
    console.log(`=== ${b.name} done in ${seconds} s`);
  }
}
console.log(`\n${chosen.length - failed.length} of ${chosen.length} benchmarks ran in ${((performance.now() - started) / 1000).toFixed(0)} s`);
if (failed.length > 0) {
  console.log(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
