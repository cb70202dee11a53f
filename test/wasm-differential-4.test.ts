// Differential property, part 4 of 4 (the property and its options: wasm-differential-run.ts).

import { runDifferential } from './wasm-differential-run.ts';

runDifferential(4, 4);
