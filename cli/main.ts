// The `smwasm` command line: one file per command under cli/commands/, each
// exporting `register(program)`. This file only chains them.

import { Command } from 'commander';

const COMMANDS: ReadonlyArray<() => Promise<{ register(program: Command): void }>> = [
  () => import('./commands/eval.ts'),
  () => import('./commands/check.ts'),
  () => import('./commands/build.ts'),
  () => import('./commands/run.ts'),
  () => import('./commands/serve.ts'),
  () => import('./commands/upgrade.ts'),
  () => import('./commands/rollback.ts'),
  () => import('./commands/status.ts'),
  () => import('./commands/history.ts'),
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('smwasm')
    .description('Typed state machines as combinator terms, compiled to WebAssembly and upgraded live between two messages.')
    .version('0.1.0')
    .showHelpAfterError();
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    // Bad input is reported as one line on stderr, never as a stack trace.
    process.stderr.write(`smwasm: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
