// Where a pipeline comes from: a JSON spec, a TypeScript/JavaScript module
// exporting one, or a built-in example.
//
//   loadPipeline('examples/counter/pipeline.json')  => PipelineSpec
//   loadPipeline('my-service.ts')                   => the module's `pipeline` (or default) export
//   examplePipeline('counter')                      => the seed's counter v1, stage "counter"
//   examplePipeline('kv')                           => the key-value store v1, parse >>> store >>> render
//   examplePipeline('files')                        => the file service v1, parse >>> fs >>> render (a session pipeline)

import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { P, type PipelineSpec, parsePipeline, pipelineFromJson } from '../compiler/pipeline.ts';

export class SpecLoadError extends Error {
  override name = 'SpecLoadError';
}

export const EXAMPLES = ['counter', 'kv', 'files'] as const;
export type ExampleName = (typeof EXAMPLES)[number];

export async function examplePipeline(name: string): Promise<PipelineSpec> {
  switch (name) {
    case 'counter': {
      const { counterV1Pipeline } = await import('../examples/counter/v1.ts');
      return counterV1Pipeline.spec;
    }
    case 'kv': {
      const { kvV1 } = await import('../examples/kv/v1.ts');
      return kvV1.spec;
    }
    case 'files': {
      const { filesV1 } = await import('../examples/files/v1.ts');
      return filesV1.spec;
    }
    default:
      throw new SpecLoadError(`unknown example ${JSON.stringify(name)}; the examples are: ${EXAMPLES.join(', ')}`);
  }
}

/** Loads a pipeline spec file. Errors name the file and what is wrong with it. */
export async function loadPipeline(path: string): Promise<PipelineSpec> {
  const file = resolve(path);
  try {
    await stat(file);
  } catch {
    throw new SpecLoadError(`${path}: no such file`);
  }
  const ext = extname(file);
  if (ext === '.json') {
    const text = await readFile(file, 'utf8');
    try {
      return parsePipeline(text);
    } catch (e) {
      throw new SpecLoadError(`${path}: ${(e as Error).message}`);
    }
  }
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(pathToFileURL(file).href);
    } catch (e) {
      throw new SpecLoadError(`${path}: could not load the module: ${(e as Error).message}`);
    }
    const exported = mod.pipeline ?? mod.default;
    if (exported === undefined) throw new SpecLoadError(`${path}: the module exports neither \`pipeline\` nor a default pipeline`);
    if (exported instanceof P) return exported.spec;
    // A module loaded through its own loader instance has its own copy of the P class: accept its shape.
    const spec = (exported as { spec?: unknown }).spec;
    if (isPipelineSpec(spec)) return spec;
    if (isPipelineSpec(exported)) return exported;
    try {
      return pipelineFromJson(exported, `${path}: pipeline`);
    } catch (e) {
      throw new SpecLoadError((e as Error).message);
    }
  }
  throw new SpecLoadError(`${path}: a pipeline spec is a .json file or a .ts/.js module exporting \`pipeline\``);
}

/**
 * Imports a spec module. The command line registers tsx for the whole
 * process, so a plain import usually works and shares this process's modules:
 * the spec's values (a Map initial state, say) are then instances of the
 * compiler's own classes, which the checks require. Where it does not (no
 * global loader, or a .ts file outside any ESM package, which Node reads as
 * CommonJS), tsx loads the module in a namespace of its own, whose Map values
 * the checks do not recognise.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch {
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}

function isPipelineSpec(x: unknown): x is PipelineSpec {
  if (x === null || typeof x !== 'object') return false;
  const stages = (x as { stages?: unknown }).stages;
  return Array.isArray(stages) && stages.every((s) => s !== null && typeof s === 'object' && 'stateType' in s && 'term' in s);
}
