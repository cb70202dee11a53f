// `smwasm rollback`: undo the latest upgrade of a running server, as a whole,
// through the inverse migrations recorded with it (one new cut).
//
//   smwasm rollback
//   => rolled back "counter" to version 3 (sha256:16f592f224ce) as upgrade 2 (undoing upgrade 1) in 12 ms (…)
//   => smwasm: rollback refused [RBK_NO_INVERSE]: cannot roll back upgrade 1: stage "counter" has no inverse migration

import type { Command } from 'commander';
import { type AdminCliOptions, adminCall, adminOptions, describeApplied } from './upgrade.ts';

export function register(program: Command): void {
  adminOptions(program.command('rollback').description('undo the latest upgrade of a running server through its inverse migrations')).action(async (opts: AdminCliOptions) => {
    const reply = await adminCall(opts, { op: 'rollback' }, 'rollback refused');
    if (!opts.json) process.stdout.write(describeApplied(reply, 'rolled back') + '\n');
  });
}
