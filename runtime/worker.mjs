// Bootstrap of every runtime worker thread. Node 20 cannot start a worker from
// a .ts file, so this loads the TypeScript entry named in workerData through
// tsx, calls the named export with `workerData.data` and posts back what it
// returns (runtime/threads.ts is the other half):
//   new Worker(WORKER_BOOTSTRAP, { workerData: { entry: URL of a .ts file, exportName, data } })
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { entry, exportName, data } = workerData;
const mod = await tsImport(entry, import.meta.url);
if (typeof mod[exportName] !== 'function') throw new Error(`${entry} has no exported function ${exportName}`);
const result = await mod[exportName](data);
parentPort.postMessage({ kind: 'result', result });
