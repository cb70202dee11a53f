// Engine selection for the CLI: `interp` (the reference interpreter) or `wasm`.

import type { Engine, EngineName } from '../compiler/engine.ts';
import { interpreter } from '../compiler/interpret.ts';

export const ENGINE_NAMES: readonly EngineName[] = ['interp', 'wasm'];

export async function loadEngine(name: string): Promise<Engine> {
  switch (name) {
    case 'interp':
      return interpreter;
    case 'wasm': {
      let mod: { wasmEngine?: Engine; createWasmEngine?: () => Promise<Engine> | Engine };
      try {
        mod = await import('../compiler/wasm-engine.ts');
      } catch (e) {
        throw new Error(`the wasm engine could not be loaded: ${(e as Error).message}`);
      }
      if (mod.createWasmEngine) return await mod.createWasmEngine();
      if (mod.wasmEngine) return mod.wasmEngine;
      throw new Error('the wasm engine module exports no engine');
    }
    default:
      throw new Error(`unknown engine ${JSON.stringify(name)}; choose one of: ${ENGINE_NAMES.join(', ')}`);
  }
}
