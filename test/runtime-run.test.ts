// `smwasm run` as a process: a pipeline from a JSON spec or a TypeScript
// module, over a file or stdin, replies to a file or stdout, one message per
// line; the process exits at the end of the input.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pipelineToJson } from '../compiler/pipeline.ts';
import { counterV1Pipeline } from '../examples/counter/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'smwasm-run-'));

function smwasm(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['bin/smwasm.mjs', ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

const SESSION_IN = ['{"Item": "Left ()"}', '{"Item": "Right ()"}', '{"Item": "Right ()"}', '{"Item": "Left ()"}', '{"Item": "Up ()"}', '{"Item": 7}'];
const SESSION_OUT = [
  '{"Item":"Left 0"}',
  '{"Item":"Right ()"}',
  '{"Item":"Right ()"}',
  '{"Item":"Left 2"}',
  '{"Error":{"code":"READ_NO_PARSE","message":"Read: no parse as Either () ()","stage":"counter"}}',
  '{"Error":{"code":"BAD_REQUEST","message":"Item: expected a string for type String, got 7","stage":""}}',
];

describe('smwasm run', () => {
  it('a JSON spec, stdin to stdout, the last line without a newline', async () => {
    const spec = join(dir, 'counter.json');
    writeFileSync(spec, JSON.stringify(pipelineToJson(counterV1Pipeline.spec)));
    const r = await smwasm(['run', spec], SESSION_IN.join('\n'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(SESSION_OUT.join('\n') + '\n');
  });

  it('a TypeScript module, a file to a file, seed syntax, on the interpreter', async () => {
    const spec = join(dir, 'counter.ts');
    writeFileSync(spec, `export { counterV1Pipeline as pipeline } from ${JSON.stringify(join(root, 'examples/counter/v1.ts'))};\n`);
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    writeFileSync(input, 'Item "Left ()"\r\nItem (MaybeSocket Nothing) "Right ()"\n\nItem "Left ()"\n');
    const r = await smwasm(['run', spec, '--input', input, '--output', output, '--syntax', 'seed', '--engine', 'interp']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('Item "Left 0"\nItem "Right ()"\nItem "Left 1"\n');
  });

  it('the built-in example, and errors for what cannot run', async () => {
    expect((await smwasm(['run', '--example', 'counter', '--syntax', 'seed'], 'Item "Left ()"\n')).stdout).toBe('Item "Left 0"\n');
    const missing = await smwasm(['run', join(dir, 'nope.json')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no such file/);
    const bad = join(dir, 'bad.json');
    const twice = pipelineToJson({ stages: [...counterV1Pipeline.spec.stages, ...counterV1Pipeline.spec.stages] });
    writeFileSync(bad, JSON.stringify(twice));
    const refused = await smwasm(['run', bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/PIPE_DUPLICATE_NAME/);
    expect((await smwasm(['run', '--example', 'counter', '--syntax', 'xml'])).stderr).toMatch(/unknown syntax "xml"/);
  });
});
