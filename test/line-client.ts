// A TCP client for tests of line protocols: it collects every reply line as it arrives.
//
//   const c = await LineClient.open(port);
//   await c.ask('pwd')            => 'OK /'          send a line, read the next reply
//   await c.take(3)               => the first three lines, once they have arrived
//   await c.leave()               ends its side and waits for the server to close

import { connect, type Socket } from 'node:net';

export class LineClient {
  readonly lines: string[] = [];
  /** Lines handed out by `next` (and `ask`) so far. */
  private read = 0;
  private text = '';
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.text += chunk;
      let nl: number;
      while ((nl = this.text.indexOf('\n')) >= 0) {
        this.lines.push(this.text.slice(0, nl));
        this.text = this.text.slice(nl + 1);
      }
      for (const w of this.waiters) w();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static open(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }

  /** Waits until at least `n` lines have arrived; `describe` says what timed out. */
  private async await(n: number, timeoutMs: number, describe: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length < n) {
      if (Date.now() > deadline) throw new Error(describe());
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
      this.waiters = [];
    }
  }

  /** Resolves with the first n lines once they have arrived. */
  async take(n: number, timeoutMs = 20_000): Promise<string[]> {
    await this.await(n, timeoutMs, () => `timed out with ${this.lines.length} of ${n} lines: ${JSON.stringify(this.lines.slice(-3))}`);
    return this.lines.slice(0, n);
  }

  /** The next reply line not read yet. */
  async next(timeoutMs = 20_000): Promise<string> {
    await this.await(this.read + 1, timeoutMs, () => `timed out waiting for reply ${this.read + 1}; got ${JSON.stringify(this.lines)}`);
    return this.lines[this.read++];
  }

  /** Sends one line and reads its reply. */
  async ask(line: string): Promise<string> {
    this.socket.write(line + '\n');
    return this.next();
  }

  /** Ends the sending side and waits until the server has closed the connection (after its last reply). */
  async leave(): Promise<void> {
    this.socket.end();
    await this.closed;
  }
}
