// `smwasm serve` as a real process: the seed's counter transcript over a
// socket in seed syntax, then SIGTERM while requests are in flight: every
// request already read is answered, the socket is closed, the process exits 0.

import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `smwasm serve` on a free port; resolves with the port once it listens. */
function serve(args: string[]): Promise<{ port: number; stderr: () => string; exited: Promise<number | null> }> {
  child = spawn(process.execPath, ['bin/smwasm.mjs', 'serve', ...args, '--port', '0'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child!.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = / on 127\.0\.0\.1:(\d+) /.exec(stderr);
      if (m) resolve({ port: Number(m[1]), stderr: () => stderr, exited });
    });
    void exited.then((code) => reject(new Error(`smwasm serve exited (${code}) before listening: ${stderr}`)));
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Collects reply lines until the server closes the socket (or `count` lines, if given). */
function replies(socket: Socket, count?: number): Promise<string[]> {
  return new Promise((resolve) => {
    let text = '';
    const lines = () => text.split('\n').slice(0, -1);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (count !== undefined && lines().length >= count) resolve(lines());
    });
    socket.on('close', () => resolve(lines()));
  });
}

describe('smwasm serve', () => {
  it('serves the counter transcript in seed syntax and shuts down cleanly on SIGTERM', async () => {
    const server = await serve(['--example', 'counter', '--syntax', 'seed', '--engine', 'interp']);
    expect(server.stderr()).toContain('serving counter');
    for (const [request, reply] of [
      ['Item "Left ()"', 'Item "Left 0"'],
      ['Item "Right ()"', 'Item "Right ()"'],
      ['Item "Right ()"', 'Item "Right ()"'],
      ['Item "Left ()"', 'Item "Left 2"'],
    ]) {
      const s = await open(server.port);
      const got = replies(s, 1);
      s.write(request);
      expect(await got).toEqual([reply]);
      s.destroy();
    }
    // 500 pipelined increments in one write, then SIGTERM as soon as the first reply shows they were read.
    const s = await open(server.port);
    let first!: () => void;
    const firstReply = new Promise<void>((resolve) => (first = resolve));
    s.once('data', () => first());
    const all = replies(s);
    s.write('Item "Right ()"\n'.repeat(500));
    await firstReply;
    child!.kill('SIGTERM');
    const lines = await all;
    expect(lines.length).toBe(500);
    expect(new Set(lines)).toEqual(new Set(['Item "Right ()"']));
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toContain('SIGTERM: finishing in-flight messages and closing');
  });
});
