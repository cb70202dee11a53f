// Starting runtime worker threads through the .mjs bootstrap (worker.mjs).
//
//   const t = spawn<Report>(new URL('./ring-exercise.ts', import.meta.url), 'consumeSequence', options)
//   const report = await t.result      // what consumeSequence returned, once the thread has exited
//
// Allocates a thread (tens of milliseconds to start, plus loading the entry
// module through tsx); never on a hot path.

import { Worker } from 'node:worker_threads';

export const WORKER_BOOTSTRAP = new URL('./worker.mjs', import.meta.url);

export interface Thread<T> {
  readonly worker: Worker;
  /** Resolves with the entry's return value after the thread exits; rejects if it throws or exits without one. */
  readonly result: Promise<T>;
}

/** `preload`: packages the thread imports natively before loading TypeScript (see worker.mjs). */
export function spawn<T>(entry: URL, exportName: string, data: unknown, name = exportName, preload: readonly string[] = []): Thread<T> {
  const worker = new Worker(WORKER_BOOTSTRAP, { workerData: { entry: entry.href, exportName, data, preload }, name });
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    let value: { result: T } | undefined;
    worker.on('message', (m: { kind?: string; result?: T }) => {
      if (m && m.kind === 'result') value = { result: m.result as T };
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (settled) return;
      if (value) resolve(value.result);
      else reject(new Error(`worker ${name} exited with code ${code} before finishing`));
    });
  });
  return { worker, result };
}
