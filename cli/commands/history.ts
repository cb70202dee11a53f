// `smwasm history STAGE`: every version a stage of a running server has had.
//
//   smwasm history counter
//   VERSION  HASH          INSTALLED                 STATE        INPUT   OUTPUT  INVERSE  UPGRADE
//   1        16f592f224ce  2026-05-01T10:00:00.000Z  Int          String  String  no       0
//   2        1f2e3d4c5b6a  2026-05-01T10:05:00.000Z  (Int, Bool)  String  String  yes      1

import type { Command } from 'commander';
import { shortHash } from '../../compiler/content-hash.ts';
import { showType, typeFromJson } from '../../compiler/types.ts';
import { table } from './status.ts';
import { type AdminCliOptions, adminCall, adminOptions } from './upgrade.ts';

interface VersionJson {
  number: number;
  hash: string;
  installedAt: string;
  state: unknown;
  input: unknown;
  output: unknown;
  hasInverse: boolean;
  upgradeId: number;
}

export function register(program: Command): void {
  adminOptions(program.command('history').description('the versions of one stage of a running server').argument('<stage>', 'the stage')).action(
    async (stage: string, opts: AdminCliOptions) => {
      const reply = await adminCall(opts, { op: 'history', stage }, 'history refused');
      if (opts.json) return;
      const rows = [['VERSION', 'HASH', 'INSTALLED', 'STATE', 'INPUT', 'OUTPUT', 'INVERSE', 'UPGRADE']];
      for (const v of reply.versions as unknown as VersionJson[]) {
        const show = (t: unknown) => showType(typeFromJson(t));
        rows.push([String(v.number), shortHash(v.hash), v.installedAt, show(v.state), show(v.input), show(v.output), v.hasInverse ? 'yes' : 'no', String(v.upgradeId)]);
      }
      process.stdout.write(table(rows));
    },
  );
}
