// The semantics suite (test/semantics/cases.ts) on the WebAssembly engine: the same cases the
// interpreter passes, each through `step` and `stepEncoded`, on fresh machines.

import { runSemanticsSuite } from './semantics/run-suite.ts';
import { wasmEngine } from '../compiler/wasm-engine.ts';

runSemanticsSuite({ engine: wasmEngine, skip: {} });
