// The part of the WebAssembly JS API the engine uses, typed locally: the project compiles against
// lib ES2022 and @types/node, which do not declare WebAssembly.Module/Instance/Memory.
//
//   const module = new WasmApi.Module(bytes); new WasmApi.Instance(module, { env: { memory } })

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = object;
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApiShape {
  Module: (new (bytes: Uint8Array) => WasmModule) & { customSections(module: WasmModule, name: string): ArrayBuffer[] };
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  RuntimeError: new (...args: unknown[]) => Error;
  validate(bytes: Uint8Array): boolean;
}

export const WasmApi = (globalThis as unknown as { WebAssembly: WasmApiShape }).WebAssembly;
