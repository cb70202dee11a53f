// The semantics suite (test/semantics/cases.ts) on every engine. Each engine
// lists the cases it skips, with the reason; the interpreter skips none.

import { interpreter } from '../compiler/interpret.ts';
import { runSemanticsSuite } from './semantics/run-suite.ts';

runSemanticsSuite({ engine: interpreter, skip: {} });
