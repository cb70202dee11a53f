// The seed's counter, in three versions that upgrade live one into the next:
//
//   v1  Int;          Either () ()                  read, increment
//   v2  Int;          Either () (Either () ())      + reset          migration: Id
//   v3  (Int, Bool);  Either () (Either () (…))     + toggle         migration: Id &&& Bool False
//
// Each version exports its typed term (`counterVn`), the erased term
// (`counterVnTerm`), its state/input/output witnesses, and the migration
// from the version before it; upgrades.ts has the upgrade requests (with
// inverses) that `smwasm upgrade --export` sends.

export * from './v1.ts';
export * from './v2.ts';
export * from './v3.ts';
export * from './upgrades.ts';
