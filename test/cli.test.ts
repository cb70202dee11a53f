// The `smwasm` command line, run as a user runs it: a child process.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../bin/smwasm.mjs', import.meta.url).pathname;

async function smwasm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

// The seed's counterV1U, byte for byte as its client prints it (WIRE.md).
const V1 = 'ComposeU (ComposeU (ShowU (UTEither UTInt UTUnit)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU))) (ReadU (UTEither UTUnit UTUnit))';
const evalV1 = (state: string, input: string, ...extra: string[]) =>
  smwasm('eval', '--syntax', 'seed', '--term', V1, '--state-type', 'UTInt', '--input-type', 'UTString', '--state', state, '--input', input, ...extra);

describe('smwasm eval', () => {
  it("reproduces the seed's runT examples for counter v1", async () => {
    // > runT counterV1 (show ReadCountV1) 0   ==> ("Left 0",0)
    expect(await evalV1('0', '"Left ()"')).toMatchObject({ code: 0, stdout: '("Left 0",0)\n' });
    // > runT counterV1 (show IncrCountV1) 0   ==> ("Right ()",1)
    expect(await evalV1('0', '"Right ()"')).toMatchObject({ code: 0, stdout: '("Right ()",1)\n' });
    // > runT counterV1 (show ReadCountV1) 1   ==> ("Left 1",1)
    expect(await evalV1('1', '"Left ()"')).toMatchObject({ code: 0, stdout: '("Left 1",1)\n' });
  }, 30_000);

  it('accepts a String input without its quotes', async () => {
    expect((await evalV1('41', 'Right ()')).stdout).toBe('("Right ()",42)\n');
  }, 30_000);

  it('reports an item error on stderr with its code, and exits 1', async () => {
    const r = await evalV1('1', '"Lft ()"');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error[READ_NO_PARSE]: Read: no parse as Either () ()\n');
  }, 30_000);

  it('reports an ill-typed term with the path, found and expected types, and exits 1', async () => {
    const r = await smwasm('eval', '--term', 'ComposeU IncrU GetU', '--state-type', 'UTBool', '--input-type', 'UTUnit', '--state', 'True', '--input', '()');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('SM101');
    expect(r.stderr).toContain('Compose › left › Incr');
    expect(r.stderr).toMatch(/found[^\n]*\n\s+Bool\n\s+expected[^\n]*\n\s+Int/);
  }, 30_000);

  it('reports unparsable input as one line, not a stack trace', async () => {
    const r = await smwasm('eval', '--term', 'ComposeU IncrU', '--state-type', 'UTInt', '--input-type', 'UTInt', '--state', '0', '--input', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^smwasm: --term: line 1, column \d+: /);
    expect(r.stderr).not.toContain('    at ');
  }, 30_000);

  it('speaks JSON with --syntax json', async () => {
    const term = JSON.stringify({ op: 'Compose', left: { op: 'Put' }, right: { op: 'Incr' } });
    const r = await smwasm('eval', '--syntax', 'json', '--term', term, '--state-type', 'Int', '--input-type', 'Int', '--state', '"9007199254740993"', '--input', '"9007199254740993"');
    expect(r).toMatchObject({ code: 0, stdout: '{"output":null,"state":"9007199254740994"}\n' });
    // A JSON number past 2^53 would silently lose precision: it is refused.
    const unsafe = await smwasm('eval', '--syntax', 'json', '--term', term, '--state-type', 'Int', '--input-type', 'Int', '--state', '0', '--input', '9007199254740993');
    expect(unsafe.code).toBe(1);
    expect(unsafe.stderr).toMatch(/^smwasm: --input: expected an integer/);
  }, 30_000);
});

describe('smwasm check', () => {
  it('prints the type of every stage of the built-in counter', async () => {
    expect(await smwasm('check', '--example', 'counter')).toMatchObject({ code: 0, stdout: 'counter: Int; String -> String\n' });
  }, 30_000);

  it('knows the kv example, and names the examples when asked for one it does not know', async () => {
    const kv = await smwasm('check', '--example', 'kv');
    expect(kv.code).toBe(0);
    expect(kv.stdout.split('\n').map((line) => line.split(':')[0])).toEqual(['parse', 'store', 'render', '']);
    expect(kv.stdout).toContain('store: Map String String; ');
    const unknown = await smwasm('check', '--example', 'nope');
    expect(unknown).toMatchObject({ code: 1, stderr: 'smwasm: unknown example "nope"; the examples are: counter, kv, files\n' });
  }, 30_000);

  it('infers the type of a single term', async () => {
    expect(await smwasm('check', '--term', 'ComposeU IncrU GetU', '--state-type', 'UTInt', '--input-type', 'UTUnit')).toMatchObject({
      code: 0,
      stdout: 'Int; () -> Int\n',
    });
  }, 30_000);
});
