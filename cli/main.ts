// The `smwasm` command line: one file per command under cli/commands/, each
// exporting `register(program)`. This file only chains them.

import { Command } from 'commander';

const COMMANDS: ReadonlyArray<() => Promise<{ register(program: Command): void }>> = [
  // (each command module is listed here once it exists)
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('smwasm')
    .description('Typed state machines as combinator terms, compiled to WebAssembly and upgraded live between two messages.')
    .version('0.1.0')
    .showHelpAfterError();
  for (const load of COMMANDS) (await load()).register(program);
  await program.parseAsync(argv);
}
