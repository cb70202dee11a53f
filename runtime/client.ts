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

// ---------------------------------------------------------------------------

export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  /** Requests each connection keeps in flight. */
  readonly window: number;
  /** The request line each connection sends (without its newline); `next(connection, n)` when they differ. */
  readonly request: string | ((connection: number, n: number) => string);
  /** Whether a reply is a success; `n` counts the connection's requests from 0. */
  readonly accept: (reply: string, connection: number, n: number) => boolean;
  /** Keep every request's send time and latency (for benchmarks). */
  readonly recordLatencies?: boolean;
}

/**
 * A closed-loop load: each connection keeps `window` requests in flight and
 * sends one more per reply, on persistent connections, until `stop`. Counts
 * acknowledged and failed requests and connections the server closed.
 * Allocates a little per request (its timestamp); meant for tests and benchmarks.
 */
export class ClosedLoopLoad {
  acknowledged = 0;
  failed = 0;
  closedByServer = 0;
  /** The first few failed replies, for messages. */
  readonly failures: string[] = [];
  /** performance.now() of each recorded request's send, and its latency in ms (recordLatencies). */
  readonly sentAt: number[] = [];
  readonly latencyMs: number[] = [];
  private stopping = false;
  private readonly finished: Array<Promise<void>> = [];

  private constructor(private readonly options: LoadOptions) {}

  static async start(options: LoadOptions): Promise<ClosedLoopLoad> {
    const load = new ClosedLoopLoad(options);
    const sockets = await Promise.all(Array.from({ length: options.connections }, () => open(options.host, options.port)));
    sockets.forEach((socket, i) => load.finished.push(load.drive(socket, i)));
    return load;
  }

  private drive(socket: Socket, connection: number): Promise<void> {
    const { window, request, accept, recordLatencies } = this.options;
    const line = (n: number) => (typeof request === 'string' ? request : request(connection, n)) + '\n';
    const sent: number[] = [];
    let head = 0;
    let n = 0;
    let answered = 0;
    let buffered = '';
    let ending = false;
    const send = (count: number) => {
      let text = '';
      const now = performance.now();
      for (let i = 0; i < count; i++) {
        text += line(n++);
        sent.push(now);
      }
      socket.write(text);
    };
    return new Promise<void>((resolve) => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        let replies = 0;
        let nl: number;
        const now = performance.now();
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const reply = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const at = sent[head++];
          if (recordLatencies) {
            this.sentAt.push(at);
            this.latencyMs.push(now - at);
          }
          if (accept(reply, connection, answered++)) this.acknowledged++;
          else {
            this.failed++;
            if (this.failures.length < 10) this.failures.push(reply);
          }
          replies++;
        }
        if (head > 4096) {
          sent.splice(0, head);
          head = 0;
        }
        if (!this.stopping) send(replies);
        else if (head === sent.length && !ending) {
          ending = true;
          socket.end();
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (!ending) this.closedByServer++;
        // Requests never answered count as failed.
        this.failed += sent.length - head;
        resolve();
      });
      send(window);
      // On stop: a connection with nothing in flight ends at once; the others end at their last reply.
      this.checks.push(() => {
        if (head === sent.length && !ending) {
          ending = true;
          socket.end();
        }
      });
    });
  }

  private readonly checks: Array<() => void> = [];

  /** Sends nothing more, waits for every reply, closes the connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const check of this.checks) check();
    await Promise.all(this.finished);
  }
}
