// The `smwasm` command line: one file per command under cli/commands/, each
// exporting `register(program)`. This file only chains them.

import { Command } from 'commander';

type CommandModule = { register(program: Command): void };

/**
 * Each command's module, by name. Only the command being run is loaded: some
 * pull in the Wasm compiler, which takes seconds to load, and `smwasm eval`
 * or `smwasm status` should not wait for it.
 */
const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  eval: () => import('./commands/eval.ts'),
  check: () => import('./commands/check.ts'),
  build: () => import('./commands/build.ts'),
  run: () => import('./commands/run.ts'),
  serve: () => import('./commands/serve.ts'),
  upgrade: () => import('./commands/upgrade.ts'),
  rollback: () => import('./commands/rollback.ts'),
  status: () => import('./commands/status.ts'),
  history: () => import('./commands/history.ts'),
};

/** The command named on the command line, if any (the first word that is not an option). */
export function commandName(argv: readonly string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return first !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, first) ? first : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('smwasm')
    .description('Typed state machines as combinator terms, compiled to WebAssembly and upgraded live between two messages.')
    .version('0.1.0')
    .showHelpAfterError();
  const named = commandName(argv);
  // With no known command (help, a typo) every command is registered so commander can list them.
  const load = named !== undefined ? [COMMANDS[named]] : Object.values(COMMANDS);
  for (const module of await Promise.all(load.map((l) => l()))) module.register(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    // Bad input is reported as one line on stderr, never as a stack trace.
    process.stderr.write(`smwasm: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
