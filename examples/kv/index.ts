// A key-value store over text lines, in two versions that upgrade live one into the next:
//
//   v1  parse >>> store >>> render       store state  Map String String
//   v2  parse' >>> store' >>> render     store state  Map String {value: String, version: Int}   + VERSION k
//
// The upgrade v1 => v2 (`upgradeV1toV2`) changes parse and store in one cut,
// migrating every stored entry to version 1; render is untouched.
// docs/examples.md has the protocol, the reply table and the migration.

export * from './lines.ts';
export * from './v1.ts';
export * from './v2.ts';

/** The pipeline `smwasm serve examples/kv/index.ts` deploys: v1 (`--example kv` is the same). */
export { kvV1 as pipeline } from './v1.ts';
