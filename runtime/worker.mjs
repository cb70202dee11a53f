// Bootstrap of every runtime worker thread. Node 20 cannot start a worker from
// a .ts file, so this loads the TypeScript entry named in workerData through
// tsx, calls the named export with `workerData.data` and posts back what it
// returns (runtime/threads.ts is the other half):
//   new Worker(WORKER_BOOTSTRAP, { workerData: { entry: URL of a .ts file, exportName, data, preload: ['binaryen'] } })
//
// `preload` names packages to import natively before tsx is registered. tsx
// rewrites every ES module it loads and builds a source map for it, which
// for binaryen's 14 MB file takes 10+ seconds; a package already in the
// module map is not loaded again, so the TypeScript code that imports it
// later gets the native one at once.
import { parentPort, workerData } from 'node:worker_threads';

const { entry, exportName, data, preload = [] } = workerData;
for (const name of preload) await import(name);
const { register } = await import('tsx/esm/api');
register();
const mod = await import(entry);
if (typeof mod[exportName] !== 'function') throw new Error(`${entry} has no exported function ${exportName}`);
const result = await mod[exportName](data);
parentPort.postMessage({ kind: 'result', result });
