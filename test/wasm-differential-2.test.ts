// Differential property, part 2 of 2 (the property and its options: wasm-differential-run.ts).

import { runDifferential } from './wasm-differential-run.ts';

runDifferential(2, 2);
