// The counter's live upgrades as requests for `smwasm upgrade` (the admin channel):
//
//   smwasm upgrade examples/counter/index.ts --export upgradeV1toV2 --token-file token.txt
//   smwasm upgrade examples/counter/index.ts --export upgradeV2toV3 --token-file token.txt
//   smwasm rollback --token-file token.txt          v3 => v2 through the inverse, Fst
//
// Unlike the seed's in-band UpgradeData_, these carry inverse migrations, so each can be
// rolled back: v2 => v1 keeps the count (Id), v3 => v2 forgets the direction (Fst).

import { erase, fst, id, type T } from '../../compiler/edsl.ts';
import type { UpgradeRequest } from '../../compiler/upgrade.ts';
import { StateV1 } from './v1.ts';
import { counterV2Input, counterV2Output, counterV2Term, migrationV1toV2Term, StateV2 } from './v2.ts';
import { counterV3Input, counterV3Output, counterV3Term, migrationV2toV3Term, StateV3 } from './v3.ts';

/** v2 => v1: the count stays. */
export const migrationV2toV1: T<null, StateV2, StateV1> = id();
/** v3 => v2: the count stays, the direction is forgotten. */
export const migrationV3toV2: T<null, StateV3, StateV2> = fst();

/** v1 => v2 on the stage named `counter` (adds reset). */
export const upgradeV1toV2: UpgradeRequest = {
  stages: [
    {
      stage: 'counter',
      oldState: StateV1.type,
      newState: StateV2.type,
      newInput: counterV2Input.type,
      newOutput: counterV2Output.type,
      newStateMachine: counterV2Term,
      stateMigration: migrationV1toV2Term,
      inverseMigration: erase(migrationV2toV1),
    },
  ],
};

/** v2 => v3 on the stage named `counter` (adds toggle; the state becomes (Int, Bool)). */
export const upgradeV2toV3: UpgradeRequest = {
  stages: [
    {
      stage: 'counter',
      oldState: StateV2.type,
      newState: StateV3.type,
      newInput: counterV3Input.type,
      newOutput: counterV3Output.type,
      newStateMachine: counterV3Term,
      stateMigration: migrationV2toV3Term,
      inverseMigration: erase(migrationV3toV2),
    },
  ],
};
