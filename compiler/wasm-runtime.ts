// The AssemblyScript runtime (assembly/) as bytes, built on first use and cached on disk.
//
//   loadRuntime()  =>  { wasm: <22 KB>, dataEnd: 1700, segments: [...], memoryName: '0' }
//
// The cache file is named after a hash of the assembly sources (scripts/build-assembly.mjs), so a
// fresh clone builds it once (about 2 s, synchronously, no network) and later processes reuse it.
// Lowering reads these bytes for every module and adds the generated functions to them.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';

export interface RuntimeImage {
  readonly wasm: Uint8Array;
  /** First address after the runtime's own static data (8-aligned). */
  readonly dataEnd: number;
  readonly segments: ReadonlyArray<{ readonly offset: number; readonly data: Uint8Array }>;
  /** The runtime's internal name for its (imported) memory. */
  readonly memoryName: string;
  /** The hash in the cache file's name: changes whenever the runtime's sources do. */
  readonly hash: string;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let cached: RuntimeImage | undefined;

/** Same hash as scripts/build-assembly.mjs runtimeHash(). */
function runtimeHash(): string {
  const h = createHash('sha256');
  const dir = join(root, 'assembly');
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.ts') && !f.endsWith('.json')) continue;
    h.update(f + '\0');
    h.update(readFileSync(join(dir, f)));
  }
  h.update(JSON.parse(readFileSync(join(root, 'node_modules/assemblyscript/package.json'), 'utf8')).version);
  return h.digest('hex').slice(0, 16);
}

/** The runtime, building it when no cached build matches the sources. Blocks for the build. */
export function loadRuntime(): RuntimeImage {
  if (cached) return cached;
  const hash = runtimeHash();
  let path = join(root, '.smwasm', 'cache', `runtime-${hash}.wasm`);
  if (!existsSync(path)) {
    path = execFileSync(process.execPath, [join(root, 'scripts', 'build-assembly.mjs')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  }
  const wasm = new Uint8Array(readFileSync(path));
  // getNumDataSegments/getDataSegmentInfo exist in binaryen.js 132 but are missing from its typings.
  const m = binaryen.readBinary(wasm) as binaryen.Module & {
    getNumDataSegments(): number;
    getDataSegmentInfo(segment: number): { offset: number; data: ArrayBuffer; passive: boolean };
  };
  try {
    const segments: Array<{ offset: number; data: Uint8Array }> = [];
    let dataEnd = 1024;
    for (let i = 0; i < m.getNumDataSegments(); i++) {
      const info = m.getDataSegmentInfo(m.getDataSegmentByIndex(i));
      if (info.passive) throw new Error('internal error: the runtime has a passive data segment');
      const data = new Uint8Array(info.data);
      segments.push({ offset: info.offset, data });
      dataEnd = Math.max(dataEnd, info.offset + data.length);
    }
    const memoryName = memoryInternalName(m);
    cached = { wasm, dataEnd: Math.ceil(dataEnd / 16) * 16, segments, memoryName, hash };
    return cached;
  } finally {
    m.dispose();
  }
}

function memoryInternalName(m: binaryen.Module): string {
  // binaryen names an imported memory after its import position; setMemory must reuse that name
  // or the runtime's memory.size/memory.grow would point at nothing. Known spellings first, then
  // the text form (slow, but this runs once per process).
  for (const name of ['mimport$0', '0']) {
    try {
      const info = m.getMemoryInfo(name);
      if (info.module !== 'env' || info.base !== 'memory') throw new Error('internal error: the runtime does not import env.memory');
      return name;
    } catch (e) {
      if (e instanceof Error) throw e;
    }
  }
  const found = /\(import "env" "memory" \(memory \$(\S+)/.exec(m.emitText());
  if (!found) throw new Error('internal error: the runtime does not import env.memory');
  return found[1];
}
