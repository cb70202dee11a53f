// Golden files of generated code: the generated module (before it is linked with the runtime) for
// a few small terms, compared as text with test/golden/wat/<name>.wat.
//
//   Incr at Int; Int -> Int  =>  test/golden/wat/incr.wat   (step: decode, i64.add, encode, commit)
//
// After a deliberate change to the lowering or the runtime's data layout, regenerate and review
// the diff by eye:   SMWASM_UPDATE_GOLDEN=1 npx vitest run test/wasm-golden.test.ts

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { lowerMachineText } from '../compiler/lower.ts';
import { parseTermSeed, showTermSeed } from '../compiler/seed-syntax.ts';
import { mk, type Term } from '../compiler/terms.ts';
import { typecheck } from '../compiler/typecheck.ts';
import { Bool, Int, map, pair, showType, Str, type Type, Unit } from '../compiler/types.ts';

const UPDATE = process.env.SMWASM_UPDATE_GOLDEN === '1';
const dir = new URL('./golden/wat/', import.meta.url).pathname;
const pipe = (...terms: Term[]): Term => terms.reduce((acc, t) => mk('Compose', { left: t, right: acc }));

interface Golden {
  readonly name: string;
  readonly term: Term;
  readonly state: Type;
  readonly input: Type;
}

const GOLDENS: readonly Golden[] = [
  { name: 'incr', term: mk('Incr', {}), state: Int, input: Int },
  { name: 'get-incr-put', term: pipe(mk('Get', {}), mk('Incr', {}), mk('Put', {})), state: Int, input: Unit },
  {
    name: 'counter-v1',
    term: parseTermSeed('ComposeU (ComposeU (ShowU (UTEither UTInt UTUnit)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU))) (ReadU (UTEither UTUnit UTUnit))'),
    state: Int,
    input: Str,
  },
  // Fst of a Fanout is a local: the pair is never built.
  { name: 'fanout-fst', term: pipe(mk('Fanout', { left: mk('Incr', {}), right: mk('Show', { type: Int }) }), mk('Fst', {})), state: Unit, input: Int },
  { name: 'div-mod', term: mk('Fanout', { left: mk('Div', {}), right: mk('Mod', {}) }), state: Unit, input: pair(Int, Int) },
  { name: 'if-bool', term: mk('If', { onTrue: mk('Incr', {}), onFalse: mk('Decr', {}) }), state: Unit, input: pair(Int, Bool) },
  {
    name: 'unleft-countdown',
    // Unleft over Either Int Int: count down to 0, one fuel step per iteration, all in locals.
    term: mk('Unleft', {
      type: Int,
      body: pipe(
        mk('Merge', {}),
        mk('Fanout', { left: mk('Id', {}), right: pipe(mk('Fanout', { left: mk('Id', {}), right: pipe(mk('Consume', {}), mk('Int', { value: 0n })) }), mk('Le', {})) }),
        mk('If', { onTrue: mk('InLeft', { type: Int }), onFalse: pipe(mk('Decr', {}), mk('InRight', { type: Int })) }),
      ),
    }),
    state: Unit,
    input: Int,
  },
  { name: 'map-insert', term: pipe(mk('Fanout', { left: pipe(mk('Consume', {}), mk('Get', {})), right: mk('Id', {}) }), mk('MapInsert', {}), mk('Put', {})), state: map(Str, Int), input: pair(Str, Int) },
];

describe('generated code matches its golden file', () => {
  for (const g of GOLDENS) {
    test(g.name, () => {
      const r = typecheck(g.term, { state: g.state, input: g.input });
      if (!r.ok) throw new Error(`golden term ${g.name} does not typecheck: ${r.error.message}`);
      const text =
        `;; ${showTermSeed(g.term)}\n;; ${showType(g.state)}; ${showType(g.input)} -> ${showType(r.typed.output)}\n` + lowerMachineText(r.typed, g.state);
      const file = join(dir, `${g.name}.wat`);
      if (UPDATE) writeFileSync(file, text);
      else if (!existsSync(file)) throw new Error(`${file} is missing: generate it with SMWASM_UPDATE_GOLDEN=1 npx vitest run test/wasm-golden.test.ts`);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
});
