// A file service in the spirit of FTP, in two versions that upgrade live one into the next:
//
//   v1  parse >>> fs >>> render     pwd, ls, cd, mkdir, put, get; per-connection working directories
//   v2  parse' >>> fs' >>> render   + rm NAME, cd -; each session remembers its previous directory
//
// Items follow the session convention of compiler/sessions.ts: (connection id,
// Connect | Data line | Disconnect). The upgrade v1 => v2 (`upgradeV1toV2`)
// changes parse and fs in one cut and migrates every live session.
// docs/examples.md has the protocol, the reply table and the migration.

export * from './tree.ts';
export * from './v1.ts';
export * from './v2.ts';

/** The pipeline `smwasm serve examples/files/index.ts` deploys: v1 (`--example files` is the same). */
export { filesV1 as pipeline } from './v1.ts';
