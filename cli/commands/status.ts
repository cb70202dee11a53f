// `smwasm status`: the stages of a running server, their versions, hashes and state sizes.
//
//   smwasm status
//   STAGE    VERSION  HASH          STATE  STATE BYTES  ITEMS  ERRORS  INVERSE  INSTALLED
//   counter  2        1f2e3d4c5b6a  Int    8            1024   0       yes      2026-05-01T10:00:00.000Z
//   engine wasm; 1 upgrade applied; `smwasm rollback` would undo upgrade 1

import type { Command } from 'commander';
import { shortHash } from '../../compiler/content-hash.ts';
import type { PipelineStatus } from '../../runtime/upgrade-coordinator.ts';
import { type AdminCliOptions, adminCall, adminOptions } from './upgrade.ts';

/** Columns padded to their widest cell. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

export function register(program: Command): void {
  adminOptions(program.command('status').description('stages, versions, hashes and state sizes of a running server')).action(async (opts: AdminCliOptions) => {
    const reply = await adminCall(opts, { op: 'status' }, 'status refused');
    if (opts.json) return;
    const status = reply.status as unknown as PipelineStatus;
    const rows = [['STAGE', 'VERSION', 'HASH', 'STATE', 'STATE BYTES', 'ITEMS', 'ERRORS', 'INVERSE', 'INSTALLED']];
    for (const s of status.stages) {
      rows.push([s.name, String(s.version), shortHash(s.hash), s.stateType, s.stateBytes === null ? '?' : String(s.stateBytes), String(s.items), String(s.itemErrors), s.hasInverse ? 'yes' : 'no', s.installedAt]);
    }
    process.stdout.write(table(rows));
    const applied = `${status.upgrades} upgrade${status.upgrades === 1 ? '' : 's'} applied`;
    const undo = status.rollbackTarget === null ? 'nothing to roll back' : `\`smwasm rollback\` would undo upgrade ${status.rollbackTarget}`;
    process.stdout.write(`engine ${status.engine}; ${applied}; ${undo}\n`);
  });
}
