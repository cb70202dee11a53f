// The upgrade compiler: a worker thread that turns checked terms into Wasm
// modules, so the main thread's event loop (sockets, the sink) never stops
// for binaryen, and a stage never compiles in the middle of the stream.
//
//   const compiler = await UpgradeCompiler.start()              binaryen loaded natively, warmed up
//   await compiler.compile({ term, state: Int, input: String, output: String })
//     => { module: WebAssembly.Module, wasm: Uint8Array, heapStart, compileMs }   (posted on to a stage as it is)
//   await compiler.compile({ term: migration, state: Unit, input: Int, output: (Int, Bool) })
//
// The worker typechecks every term itself before lowering it: what it builds
// is always the Wasm of a term the server typechecked. Lowering is
// deterministic, so a module built elsewhere from the same terms is byte for
// byte the one built here (which is how a prebuilt bundle is verified).
// Starting it allocates a thread and loads binaryen (about a second); each
// compile is tens to hundreds of milliseconds, on that thread.

import { setFlagsFromString } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import type { Term } from '../compiler/terms.ts';
import { termFromJson, termToJson } from '../compiler/terms.ts';
import { typecheck } from '../compiler/typecheck.ts';
import { type Type, typeFromJson, typeToJson } from '../compiler/types.ts';
import type { Json } from '../compiler/values.ts';
import type { CompiledModule } from '../compiler/wasm-engine.ts';
import { spawn, type Thread } from './threads.ts';

/** One term at its types: a machine at `state; input -> output`, or a migration at `(); old -> new`. */
export interface CompileJob {
  readonly term: Term;
  readonly state: Type;
  readonly input: Type;
  readonly output: Type;
}

interface CompileRequest {
  readonly kind: 'compile';
  readonly job: number;
  readonly term: Json;
  readonly state: Json;
  readonly input: Json;
  readonly output: Json;
}

type CompileReply =
  | { readonly kind: 'compiled'; readonly job: number; readonly ok: true; readonly compiled: CompiledModule; readonly ms: number }
  | { readonly kind: 'compiled'; readonly job: number; readonly ok: false; readonly reason: string };

/** The worker's entry point: compiles until the thread is terminated. */
export async function runCompiler(): Promise<void> {
  // V8 compiles Wasm functions lazily, on their first call: in the stage, right after the cut
  // (measured: 4.7 ms for the first item of counter v3). Compile every function here instead, off the
  // hot path; a posted Module carries its code. The flag is process-wide and only read when a module
  // is compiled, so it changes nothing for modules already loaded.
  setFlagsFromString('--no-wasm-lazy-compilation');
  const { compileModule } = await import('../compiler/wasm-engine.ts');
  const port = parentPort;
  if (port === null) throw new Error('runCompiler runs on a worker thread');
  const build = (request: CompileRequest): CompileReply => {
    const t0 = performance.now();
    try {
      const state = typeFromJson(request.state, 'state');
      const checked = typecheck(termFromJson(request.term, 'term'), { state, input: typeFromJson(request.input, 'input'), output: typeFromJson(request.output, 'output') });
      if (!checked.ok) return { kind: 'compiled', job: request.job, ok: false, reason: `does not typecheck (${checked.error.code})` };
      return { kind: 'compiled', job: request.job, ok: true, compiled: compileModule(checked.typed, state), ms: performance.now() - t0 };
    } catch (e) {
      return { kind: 'compiled', job: request.job, ok: false, reason: `${(e as Error).name}: ${(e as Error).message}` };
    }
  };
  // The first lowering in a thread is several times slower than the next ones (binaryen and the runtime warm up): pay it now.
  build({ kind: 'compile', job: 0, term: termToJson(WARM_UP), state: typeToJson(INT) as Json, input: typeToJson(STRING) as Json, output: typeToJson(STRING) as Json });
  port.postMessage({ kind: 'warm' });
  await new Promise<void>(() => {
    port.on('message', (m: CompileRequest) => {
      if (m?.kind === 'compile') port.postMessage(build(m));
    });
  });
}

const INT: Type = { kind: 'Int' };
const STRING: Type = { kind: 'String' };
/** Read an Int, store it, read the state back and show it: touches the runtime's strings, Read and Show. */
const WARM_UP: Term = termFromJson({
  op: 'Compose',
  left: { op: 'Show', type: 'Int' },
  right: { op: 'Compose', left: { op: 'Compose', left: { op: 'Get' }, right: { op: 'Put' } }, right: { op: 'Read', type: 'Int' } },
});

/** The main thread's handle on the compile worker. */
export class UpgradeCompiler {
  private nextJob = 1;
  private readonly waiting = new Map<number, { resolve: (c: CompiledModule) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  private constructor(private readonly thread: Thread<void>) {
    thread.worker.on('message', (m: CompileReply | { kind: 'warm' }) => {
      if (m?.kind !== 'compiled') return;
      const w = this.waiting.get(m.job);
      if (w === undefined) return;
      this.waiting.delete(m.job);
      if (m.ok) w.resolve(m.compiled);
      else w.reject(new Error(m.reason));
    });
    thread.result.catch((e: Error) => {
      this.failure = e;
      for (const w of this.waiting.values()) w.reject(new Error(`the compile worker stopped: ${e.message}`));
      this.waiting.clear();
    });
    thread.worker.unref();
  }

  /** Starts the worker and resolves once binaryen is loaded and warm. */
  static async start(): Promise<UpgradeCompiler> {
    const thread = spawn<void>(new URL('./compile-worker.ts', import.meta.url), 'runCompiler', null, 'upgrade compiler', ['binaryen']);
    await new Promise<void>((resolve, reject) => {
      thread.worker.on('message', (m: { kind?: string }) => {
        if (m?.kind === 'warm') resolve();
      });
      thread.result.then(() => reject(new Error('the compile worker ended before it was ready')), reject);
    });
    return new UpgradeCompiler(thread);
  }

  /** Typechecks and compiles on the worker. Rejects with the reason when the term does not check or cannot be lowered. */
  compile(job: CompileJob): Promise<CompiledModule> {
    if (this.failure !== null) return Promise.reject(new Error(`the compile worker stopped: ${this.failure.message}`));
    const id = this.nextJob++;
    const request: CompileRequest = {
      kind: 'compile',
      job: id,
      term: termToJson(job.term),
      state: typeToJson(job.state) as Json,
      input: typeToJson(job.input) as Json,
      output: typeToJson(job.output) as Json,
    };
    return new Promise<CompiledModule>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.thread.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await this.thread.worker.terminate();
  }
}
