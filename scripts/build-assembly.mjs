#!/usr/bin/env node
// Builds the AssemblyScript runtime (assembly/) once per version of its sources.
//
//   node scripts/build-assembly.mjs        =>  .smwasm/cache/runtime-<hash>.wasm  (prints the path)
//
// The file name carries a hash of every assembly/ source, asconfig.json and the compiler version,
// so a fresh clone builds it on first use (about 2 s, no network) and every later process reuses
// it. compiler/wasm-runtime.ts runs this script when the cached file is missing.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function runtimeHash() {
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

export function runtimePath() {
  return join(root, '.smwasm', 'cache', `runtime-${runtimeHash()}.wasm`);
}

function build() {
  const out = runtimePath();
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  // A unique temporary name, then an atomic rename: concurrent first builds cannot see half a file.
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/assemblyscript/bin/asc.js'), 'assembly/index.ts', '--config', 'assembly/asconfig.json', '-o', tmp],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  renameSync(tmp, out);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = build();
  if (process.argv.includes('--wat')) {
    execFileSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), 'assembly/index.ts', '--config', 'assembly/asconfig.json', '-o', '/dev/null', '-t', out.replace(/\.wasm$/, '.wat')], { cwd: root, stdio: 'inherit' });
  }
  writeFileSync(1, out + '\n');
}
