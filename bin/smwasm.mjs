#!/usr/bin/env node
// Entry point of the `smwasm` command: loads the TypeScript CLI through tsx.
import { tsImport } from 'tsx/esm/api';
const { main } = await tsImport('../cli/main.ts', import.meta.url);
await main(process.argv);
