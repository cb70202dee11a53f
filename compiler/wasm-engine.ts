// The WebAssembly engine: `Engine` (compiler/engine.ts) over modules from compiler/lower.ts.
//
//   const m = wasmEngine.load({ typed: counterV1, stateType: Int, initialState: 0n })
//   m.step("Left ()")      => { ok: true, output: "Left 0" }
//   m.step("nonsense")     => { ok: false, error: { code: 'READ_NO_PARSE', message: 'Read: no parse as Either () ()' } }
//
// Each machine owns one instance and one memory. An item's input goes into the module's memory in
// the canonical layout; the module writes the output there in the same layout, or traps after
// recording an error code. On a trap the host calls `abort`, which drops whatever the item
// allocated; the state global was never touched (the step publishes it only on success), so the
// machine is exactly as before the item.

import { DEFAULT_FUEL, type Engine, type ItemError, type Machine, type MachineSpec, type StepResult } from './engine.ts';
import { decodeValue, encodeValue, LAYOUT_VERSION, LayoutError } from './layout.ts';
import { ERROR_CODES, lowerMachine, type LoweredModule, META_SECTION, type ModuleExports, type ModuleMeta, WASM_ABI } from './lower.ts';
import { termToJson } from './terms.ts';
import type { Typed } from './typecheck.ts';
import { showType, type Type, typeToJson } from './types.ts';
import { isValueOf, type Value } from './values.ts';
import { WasmApi, type WasmMemory, type WasmModule } from './wasm-api.ts';

/** A compiled stage, ready to instantiate any number of times. */
export interface CompiledModule {
  readonly module: WasmModule;
  readonly wasm: Uint8Array;
  readonly meta: ModuleMeta;
  /** The first heap address (meta.heapStart): the memory must be at least this large before `init`. */
  readonly heapStart: number;
  /** Time to lower and link the module, and to compile it with WebAssembly.Module (ms); lower is 0 for a module read from bytes. */
  readonly compileMs: { readonly lower: number; readonly wasm: number };
}

const decoder = new TextDecoder();
/**
 * Inputs and outputs up to this many bytes are copied four bytes at a time through DataViews
 * (about 0.6 ns a byte), larger ones with `set` on a fresh subarray (about 50 ns, then memcpy).
 */
const SMALL_COPY = 96;

/** Copies `n` bytes from `from` at `source` to `to` at `target`, four at a time. */
function copySmall(from: DataView, source: number, to: DataView, target: number, n: number): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) to.setUint32(target + i, from.getUint32(source + i, true), true);
  for (; i < n; i++) to.setUint8(target + i, from.getUint8(source + i));
}

/** Lowers and compiles a typed term (synchronously: the runtime builds on first use). */
export function compileModule(typed: Typed, stateType: Type): CompiledModule {
  const lowered: LoweredModule = lowerMachine(typed, stateType);
  const compiled = compileWasm(lowered.wasm);
  return { ...compiled, compileMs: { lower: lowered.timings.total, wasm: compiled.compileMs.wasm } };
}

/** Compiles module bytes made by `lowerMachine` (a bundle's .wasm file); checks the ABI and layout versions it declares. */
export function compileWasm(wasm: Uint8Array): CompiledModule {
  const t0 = performance.now();
  const module = new WasmApi.Module(wasm);
  const ms = performance.now() - t0;
  const sections = WasmApi.Module.customSections(module, META_SECTION);
  if (sections.length !== 1) throw new Error(`not an smwasm module: it has no "${META_SECTION}" section`);
  const meta = JSON.parse(decoder.decode(new Uint8Array(sections[0]))) as ModuleMeta;
  if (meta.abi !== WASM_ABI) throw new Error(`module built for host interface ${meta.abi}; this host runs ${WASM_ABI}`);
  if (meta.layout !== LAYOUT_VERSION) throw new Error(`module uses canonical layout version ${meta.layout}; this host uses ${LAYOUT_VERSION}`);
  return { module, wasm, meta, heapStart: meta.heapStart, compileMs: { lower: 0, wasm: ms } };
}

/** Compiled modules by term and types: loading the same machine twice compiles it once. */
const moduleCache = new Map<string, CompiledModule>();
const MODULE_CACHE_SIZE = 64;

function compiledFor(typed: Typed, stateType: Type): CompiledModule {
  const key = JSON.stringify([termToJson(typed.term), typeToJson(typed.input), typeToJson(stateType)]);
  let c = moduleCache.get(key);
  if (c) {
    moduleCache.delete(key);
    moduleCache.set(key, c);
    return c;
  }
  c = compileModule(typed, stateType);
  if (moduleCache.size >= MODULE_CACHE_SIZE) moduleCache.delete(moduleCache.keys().next().value!);
  moduleCache.set(key, c);
  return c;
}

function checkFuel(fuel: number): number {
  if (!Number.isSafeInteger(fuel) || fuel < 0) throw new RangeError(`fuel must be a non-negative integer, got ${fuel}`);
  return fuel;
}

/** Memory and collector figures of one machine (for benchmarks and the admin view). */
export interface WasmMachineStats {
  /** Bytes of linear memory (it only grows). */
  readonly memoryBytes: number;
  /** Heap bytes in use right now (live data plus garbage not yet collected). */
  readonly heapUsed: number;
  /** Live bytes after the last collection. */
  readonly liveBytes: number;
  readonly collections: number;
}

/** What a machine needs besides its module: its types, initial state and fuel. */
export interface WasmMachineSpec {
  readonly stateType: Type;
  readonly inputType: Type;
  readonly outputType: Type;
  readonly initialState: Value;
  readonly fuel?: number;
}

/** Instantiates a compiled module as a machine (its own memory, its own state). */
export function instantiateMachine(compiled: CompiledModule, spec: WasmMachineSpec): WasmMachine {
  const budget = checkFuel(spec.fuel ?? DEFAULT_FUEL);
  if (!isValueOf(spec.stateType, spec.initialState)) {
    throw new TypeError(`load: the initial state is not a value of the state type ${showType(spec.stateType)}`);
  }
  return new WasmMachine(spec, compiled, budget);
}

export class WasmMachine implements Machine {
  readonly memory: WasmMemory;
  /** The types only: the initial state lives in the module's memory once loaded, and is not kept here (it may be a large map). */
  private readonly spec: { readonly stateType: Type; readonly inputType: Type; readonly outputType: Type };
  private readonly x: ModuleExports;
  private readonly io: number;
  private readonly ioInput: number;
  private bytes: Uint8Array;
  private words: Uint32Array;
  private data: DataView;
  /** The buffer the last input came from (a stage's input ring) and the one the last output went to, with their DataViews. */
  private sourceBytes: Uint8Array | null = null;
  private sourceData: DataView | null = null;
  private targetBytes: Uint8Array | null = null;
  private targetData: DataView | null = null;
  /** Where the last output is (in the I/O area or the heap), until the next call into the module. */
  private outputAt = 0;
  private outputLength = 0;

  /** `spec` as for `instantiateMachine`, or an engine `MachineSpec` (types taken from its typed term). Does not check the initial state. */
  constructor(
    spec: WasmMachineSpec | MachineSpec,
    compiled: CompiledModule,
    private readonly budget: number,
  ) {
    this.spec = 'typed' in spec ? { stateType: spec.stateType, inputType: spec.typed.input, outputType: spec.typed.output } : { stateType: spec.stateType, inputType: spec.inputType, outputType: spec.outputType };
    this.memory = new WasmApi.Memory({ initial: Math.ceil((compiled.meta.heapStart + 65536) / 65536) });
    const instance = new WasmApi.Instance(compiled.module, { env: { memory: this.memory } });
    this.x = instance.exports as unknown as ModuleExports;
    this.io = compiled.meta.io;
    this.ioInput = compiled.meta.ioBytes - 8;
    this.bytes = new Uint8Array(this.memory.buffer);
    this.words = new Uint32Array(this.memory.buffer);
    this.data = new DataView(this.memory.buffer);
    this.x.init();
    this.x.setFuel(BigInt(budget));
    this.setState(spec.initialState);
  }

  private view(): Uint8Array {
    // Growing the memory detaches the old buffer, and views of a detached buffer have length 0:
    // cheaper to test than fetching memory.buffer on every item.
    if (this.bytes.length === 0) {
      this.bytes = new Uint8Array(this.memory.buffer);
      this.words = new Uint32Array(this.memory.buffer);
      this.data = new DataView(this.memory.buffer);
    }
    return this.bytes;
  }

  /** Copies `input` into the I/O area, or into the heap when it is larger; returns its address. */
  private put(input: Uint8Array): number {
    const at = input.length <= this.ioInput ? this.io + 8 : this.x.begin(input.length);
    this.view().set(input, at);
    return at;
  }

  step(input: Value): StepResult {
    const result = this.stepEncoded(encodeValue(this.spec.inputType, input));
    if (!result.ok) return result;
    return { ok: true, output: decodeValue(this.spec.outputType, result.output) };
  }

  /** Throws a LayoutError when `input` is not a value of the machine's input type (a caller bug, as in the interpreter). */
  stepEncoded(input: Uint8Array): { readonly ok: true; readonly output: Uint8Array } | { readonly ok: false; readonly error: ItemError } {
    const r = this.run(this.put(input), input.length);
    if (typeof r !== 'number') return { ok: false, error: r };
    return { ok: true, output: this.view().slice(this.outputAt, this.outputAt + r) };
  }

  /**
   * Allocates nothing on success when called with the same source (and `copyOutput` with the same
   * target) as last time, as a stage does with its rings: small inputs and outputs are copied
   * through DataViews kept for those buffers, cheaper than the subarray that `set` needs.
   */
  stepBytes(source: Uint8Array, start: number, end: number): number | ItemError {
    const n = end - start;
    if (n > SMALL_COPY || n > this.ioInput) return this.run(this.put(source.subarray(start, end)), n);
    const at = this.io + 8;
    this.view();
    if (source !== this.sourceBytes) {
      this.sourceBytes = source;
      this.sourceData = new DataView(source.buffer, source.byteOffset, source.byteLength);
    }
    copySmall(this.sourceData!, start, this.data, at, n);
    return this.run(at, n);
  }

  /** Runs the item whose `n` input bytes are at `at`; the output's length, or the item's error. */
  private run(at: number, n: number): number | ItemError {
    let length: number;
    try {
      length = this.x.step(at, n);
    } catch (e) {
      this.outputLength = 0;
      const error = this.errorOf(e);
      this.x.abort();
      if (error === 'layout') throw new LayoutError(`input bytes are not a value of type ${showType(this.spec.inputType)}`);
      return error;
    }
    this.view();
    this.outputAt = this.words[this.io >> 2];
    this.outputLength = length;
    return length;
  }

  copyOutput(target: Uint8Array, offset: number): void {
    const bytes = this.view();
    const at = this.outputAt;
    const n = this.outputLength;
    if (n <= SMALL_COPY) {
      if (target !== this.targetBytes) {
        this.targetBytes = target;
        this.targetData = new DataView(target.buffer, target.byteOffset, target.byteLength);
      }
      copySmall(this.data, at, this.targetData!, offset, n);
    } else target.set(bytes.subarray(at, at + n), offset);
  }

  output(): Uint8Array {
    return this.view().subarray(this.outputAt, this.outputAt + this.outputLength);
  }

  /** The error the module recorded before trapping (or a TRAP when it recorded none). */
  private errorOf(e: unknown): ItemError | 'layout' {
    const code = this.x.errorCode();
    switch (code) {
      case ERROR_CODES.READ_NO_PARSE:
        return { code: 'READ_NO_PARSE', message: this.staticString(this.x.errorMessage()) };
      case ERROR_CODES.DIVIDE_BY_ZERO:
        return { code: 'DIVIDE_BY_ZERO', message: 'division by zero' };
      case ERROR_CODES.OUT_OF_FUEL:
        return { code: 'OUT_OF_FUEL', message: `out of fuel after ${this.budget} steps` };
      case ERROR_CODES.FAIL:
        return { code: 'FAIL', message: this.staticString(this.x.errorMessage()) };
      case ERROR_CODES.LAYOUT:
        return 'layout';
      case ERROR_CODES.OUT_OF_MEMORY:
        return { code: 'TRAP', message: 'wasm trap: out of memory' };
      default: {
        if (process.env.SMWASM_DEBUG_TRAPS) console.error(e);
        const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        return { code: 'TRAP', message: `wasm trap: ${message}` };
      }
    }
  }

  /** Reads a static string object (assembly/strings.ts layout) out of memory. */
  private staticString(address: number): string {
    const bytes = this.view();
    const h0 = bytes[address] | (bytes[address + 1] << 8) | (bytes[address + 2] << 16) | (bytes[address + 3] << 24);
    const length = h0 >>> 3;
    return decoder.decode(bytes.subarray(address + 8, address + 8 + length));
  }

  getState(): Value {
    return decodeValue(this.spec.stateType, this.getStateEncoded());
  }

  /** The state in the canonical layout (what a migration or a snapshot takes). */
  getStateEncoded(): Uint8Array {
    return this.stateView().slice();
  }

  /**
   * The state in the canonical layout as a view of the module's memory, valid only until the next
   * call on this machine: for handing a large state to another machine without a copy on the JS heap.
   */
  stateView(): Uint8Array {
    const at = this.x.getState();
    return this.view().subarray(at, at + this.x.encodedLength());
  }

  /** Throws when `state` is not a value of the machine's state type. */
  setState(state: Value): void {
    if (!isValueOf(this.spec.stateType, state)) throw new TypeError(`setState: not a value of the state type ${showType(this.spec.stateType)}`);
    this.setStateEncoded(encodeValue(this.spec.stateType, state));
  }

  /** Replaces the state with canonical-layout bytes; throws a LayoutError when they are not a value of the state type. */
  setStateEncoded(bytes: Uint8Array): void {
    const at = this.put(bytes);
    try {
      this.x.setState(at, bytes.length);
    } catch (e) {
      const error = this.errorOf(e);
      this.x.abort();
      if (error === 'layout') throw new LayoutError(`state bytes are not a value of type ${showType(this.spec.stateType)}`);
      throw new Error(`setState failed: ${error.message}`);
    }
  }

  /** Runs the copying collector now (it otherwise runs when the heap has grown enough after an item). */
  collect(): void {
    this.x.collect();
  }

  stats(): WasmMachineStats {
    return {
      memoryBytes: this.memory.buffer.byteLength,
      heapUsed: this.x.heapUsed(),
      liveBytes: this.x.liveBytes(),
      collections: this.x.collections(),
    };
  }
}

/** The engine; `load` gives a `WasmMachine`, a `Machine` with memory statistics, `collect` and canonical-layout state access. */
export const wasmEngine: { readonly name: 'wasm'; load(spec: MachineSpec): WasmMachine } = {
  name: 'wasm',
  load(spec: MachineSpec): WasmMachine {
    checkFuel(spec.fuel ?? DEFAULT_FUEL);
    if (!isValueOf(spec.stateType, spec.initialState)) {
      throw new TypeError(`load: the initial state is not a value of the state type ${showType(spec.stateType)}`);
    }
    const compiled = compiledFor(spec.typed, spec.stateType);
    return instantiateMachine(compiled, { stateType: spec.stateType, inputType: spec.typed.input, outputType: spec.typed.output, initialState: spec.initialState, ...(spec.fuel !== undefined ? { fuel: spec.fuel } : {}) });
  },
} satisfies Engine;
