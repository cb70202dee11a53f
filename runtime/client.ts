// Clients of a running service, for the CLI, tests and benchmarks.
//
//   await seedRequest('127.0.0.1', 3000, 'Item (MaybeSocket Nothing) "Left ()"')    => 'Item "Left 0"'
//     (as the seed's own client: a new connection per message, no newline, one reply, close)
//   const c = await LineClient.connect('127.0.0.1', 3000)
//   await c.request('{"Item":"Right ()"}')                                            => '{"Item":"Right ()"}'
//   const admin = await AdminClient.connect('127.0.0.1', 3001, token)
//   await admin.request({ op: 'status' })                                              => { ok: true, status: {…} }
//
// Replies come back in request order on every connection, so a client
// matches them by position. The admin token is sent with every request and
// never printed.

import { connect, type Socket } from 'node:net';
import type { Json } from '../compiler/values.ts';

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Sends one message the way the seed's client does and resolves with the first reply line. */
export async function seedRequest(host: string, port: number, message: string, timeoutMs = 30_000): Promise<string> {
  const socket = await open(host, port);
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply within ${timeoutMs} ms to ${message.slice(0, 80)}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        socket.end();
        resolve(text.slice(0, nl));
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      // The prototype's server closes after a reply with no newline.
      if (text.indexOf('\n') < 0) (text.length > 0 ? resolve(text) : reject(new Error('the server closed the connection without a reply')));
    });
    socket.write(message);
  });
}

/** One connection carrying any number of pipelined request lines; replies resolve in order. */
export class LineClient {
  private buffered = '';
  private readonly waiting: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  private failure: Error | null = null;
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  closedByServer = false;
  private ending = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        const w = this.waiting.shift();
        if (w !== undefined) w.resolve(line);
      }
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    socket.on('error', fail);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        if (!this.ending) this.closedByServer = true;
        fail(new Error('the connection closed'));
        resolve();
      }),
    );
  }

  static async connect(host: string, port: number): Promise<LineClient> {
    return new LineClient(await open(host, port));
  }

  /** Sends one line (a newline is added) and resolves with its reply. */
  request(line: string): Promise<string> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(line + '\n');
    });
  }

  /** Requests not yet answered. */
  get outstanding(): number {
    return this.waiting.length;
  }

  async close(): Promise<void> {
    this.ending = true;
    this.socket.end();
    await this.closed;
  }
}

/** Thrown for a reply the admin channel marks `ok: false`, with its code. */
export class AdminError extends Error {
  override name = 'AdminError';
  constructor(
    readonly code: string,
    message: string,
    readonly reply: Record<string, Json>,
  ) {
    super(message);
  }
}

/** A connection to the admin channel. */
export class AdminClient {
  private nextSeq = 1;
  private constructor(
    private readonly lines: LineClient,
    private readonly token: string,
  ) {}

  static async connect(host: string, port: number, token: string): Promise<AdminClient> {
    return new AdminClient(await LineClient.connect(host, port), token);
  }

  /** Sends `{token, seq, ...fields}`; resolves with the reply object, whatever its `ok`. */
  async request(fields: Record<string, Json>): Promise<Record<string, Json>> {
    const seq = this.nextSeq++;
    const line = await this.lines.request(JSON.stringify({ token: this.token, seq, ...fields }));
    const reply = JSON.parse(line) as Record<string, Json>;
    if (reply.seq !== undefined && reply.seq !== seq) throw new Error(`admin reply ${JSON.stringify(reply.seq)} where ${seq} was due`);
    delete reply.seq;
    return reply;
  }

  /** Like `request`, but throws an AdminError for `ok: false`. */
  async call(fields: Record<string, Json>): Promise<Record<string, Json>> {
    const reply = await this.request(fields);
    if (reply.ok !== true) throw new AdminError(String(reply.code), String(reply.reason), reply);
    return reply;
  }

  close(): Promise<void> {
    return this.lines.close();
  }
}
