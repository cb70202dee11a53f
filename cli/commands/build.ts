// `smwasm build`: compile a pipeline spec (and optionally an upgrade of it) into a bundle of Wasm.
//
//   smwasm build examples/counter/pipeline.json -o build/counter
//   => build/counter/manifest.json, build/counter/stages/0-counter.wasm
//      counter  sha256:518a115d84ba  stages/0-counter.wasm  25.1 KB  3.1 ms
//   smwasm build --example counter --upgrade counter-v3.json -o build/counter-v3
//   => + upgrades/0-counter/{machine,migration}.wasm and prebuilt.json (for smwasm upgrade --prebuilt)
//
// The output is deterministic: the same inputs give byte-identical files (compiler/bundle.ts).

import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { tsImport } from 'tsx/esm/api';
import { buildBundle, MANIFEST_FILE, PREBUILT_FILE, writeBundle } from '../../compiler/bundle.ts';
import { shortHash } from '../../compiler/content-hash.ts';
import { parseUpgradeRequest, type UpgradeRequest } from '../../compiler/upgrade.ts';
import type { Json } from '../../compiler/values.ts';
import { EXAMPLES, examplePipeline, loadPipeline } from '../spec-loader.ts';

interface BuildOptions {
  out: string;
  example?: string;
  upgrade?: string;
  export: string;
}

async function readUpgrade(path: string, exportName: string): Promise<UpgradeRequest> {
  if (['.ts', '.mts', '.js', '.mjs'].includes(extname(path))) {
    const mod = (await tsImport(pathToFileURL(resolve(path)).href, import.meta.url)) as Record<string, unknown>;
    const request = mod[exportName] as UpgradeRequest | undefined;
    if (request === undefined || !Array.isArray(request.stages)) throw new Error(`${path}: exports no upgrade request named ${JSON.stringify(exportName)} (choose one with --export NAME)`);
    return request;
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return parseUpgradeRequest(text);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  program
    .command('build')
    .description('compile a pipeline spec into a bundle: manifest.json plus one .wasm per stage (and per upgraded machine and migration)')
    .argument('[spec]', 'a pipeline spec: .json, or a .ts/.js module exporting `pipeline`')
    .requiredOption('-o, --out <dir>', 'the directory to write the bundle to')
    .option('--example <name>', `a built-in example pipeline instead of a spec file (${EXAMPLES.join(', ')})`)
    .option('--upgrade <file>', 'also compile this upgrade of the pipeline (JSON form, or a .ts/.js module exporting it)')
    .option('--export <name>', 'with a module --upgrade: the export holding the request', 'upgrade')
    .action(async (specPath: string | undefined, opts: BuildOptions) => {
      if ((specPath === undefined) === (opts.example === undefined)) throw new Error('give either a spec file or --example NAME');
      const spec = opts.example !== undefined ? await examplePipeline(opts.example) : await loadPipeline(specPath!);
      const upgrade = opts.upgrade === undefined ? undefined : await readUpgrade(opts.upgrade, opts.export);
      const bundle = buildBundle(spec, upgrade);
      writeBundle(bundle, opts.out);
      const manifest = bundle.manifest as { stages: Array<Record<string, Json>>; upgrades: Array<Record<string, Json>> };
      const line = (label: string, hash: string, wasm: { file: string; bytes: number }) =>
        `${label}  ${shortHash(hash)}  ${wasm.file}  ${(wasm.bytes / 1024).toFixed(1)} KB  ${bundle.compileMs.get(wasm.file)!.toFixed(1)} ms\n`;
      for (const s of manifest.stages) process.stdout.write(line(String(s.name), String(s.hash), s.wasm as { file: string; bytes: number }));
      for (const u of manifest.upgrades) {
        const to = u.to as Record<string, Json>;
        const migration = u.migration as Record<string, Json>;
        process.stdout.write(line(`${String(u.stage)} (upgraded)`, String(to.hash), to.wasm as { file: string; bytes: number }));
        process.stdout.write(line(`${String(u.stage)} (migration)`, String(migration.hash), migration.wasm as { file: string; bytes: number }));
        if (u.inverse !== undefined) {
          const inverse = u.inverse as Record<string, Json>;
          process.stdout.write(line(`${String(u.stage)} (inverse)`, String(inverse.hash), inverse.wasm as { file: string; bytes: number }));
        }
      }
      process.stdout.write(`wrote ${opts.out}/${MANIFEST_FILE}${manifest.upgrades.length > 0 ? ` and ${opts.out}/${PREBUILT_FILE}` : ''}\n`);
    });
}
