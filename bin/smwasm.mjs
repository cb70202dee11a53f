#!/usr/bin/env node
// Entry point of the `smwasm` command: loads the TypeScript CLI through tsx.
//
// binaryen (the Wasm compiler, a 14 MB module) takes 10+ s to load through
// tsx's loader but about 1 s natively, and a module already loaded is not
// loaded again: so commands that compile Wasm on this thread import it
// natively first (runtime/worker.mjs does the same for stage workers).
import { register } from 'tsx/esm/api';

const args = process.argv.slice(2);
const command = args.find((a) => !a.startsWith('-'));
const compilesHere = command === undefined || command === 'help' || command === 'build' || (command === 'eval' && args.includes('wasm'));
if (compilesHere) await import('binaryen');
register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
