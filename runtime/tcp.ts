// The TCP server: a front (runtime/front.ts) on sockets.
//
//   const server = await startTcpServer(pipeline, lineCodec('seed', String, String), { host: '127.0.0.1', port: 3000 })
//   $ printf 'Item "Right ()"\nItem "Left ()"\n' | nc -q1 127.0.0.1 3000
//   Item "Right ()"
//   Item "Left 1"
//   await server.shutdown()     // stop accepting, answer what was read, close sockets, stop the stages
//
// Every connection gets a fresh id, may pipeline requests, and gets its
// replies in request order. A client that closes its sending side still gets
// every reply before the server closes the socket (half-open connections are
// allowed for that). A malformed line gets an error reply on its own
// connection; nobody else notices.

import { createServer, type Server, type Socket } from 'node:net';
import type { LineCodec } from './codec.ts';
import { Front, type FrontOptions, type FrontStats } from './front.ts';
import type { RunningPipeline } from './pipeline.ts';

export interface TcpOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly front?: Partial<FrontOptions>;
}

export class TcpServer {
  private readonly sockets = new Set<Socket>();
  private bytesReadClosed = 0;
  private shuttingDown: Promise<void> | null = null;
  /** Resolves (never rejects) if a stage thread dies: the server has then stopped listening and ended every connection. */
  readonly failed: Promise<Error>;
  private fail!: (e: Error) => void;

  constructor(
    readonly server: Server,
    readonly front: Front,
    readonly pipeline: RunningPipeline,
    readonly host: string,
    readonly port: number,
  ) {
    server.on('connection', (socket) => this.accept(socket));
    this.failed = new Promise<Error>((resolve) => {
      this.fail = resolve;
    });
  }

  /** The pipeline is gone: stop listening (the front has told and ended every connection). */
  pipelineFailed(e: Error): void {
    this.server.close();
    for (const s of this.sockets) s.destroySoon();
    this.fail(e);
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const c = this.front.open(socket);
    socket.on('data', (chunk: Buffer) => this.front.receive(c, chunk));
    socket.on('end', () => this.front.endInput(c));
    socket.on('drain', () => this.front.drained(c));
    // A reset or broken pipe ends this connection alone; 'close' follows.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.bytesReadClosed += socket.bytesRead;
      this.front.closed(c);
    });
  }

  /** The front's figures; bytes read from every socket so far, and those the sockets hold read but not yet delivered (paused). */
  stats(): FrontStats & { readonly bytesRead: number; readonly socketBuffered: number } {
    let bytesRead = this.bytesReadClosed;
    let socketBuffered = 0;
    for (const s of this.sockets) {
      bytesRead += s.bytesRead;
      socketBuffered += s.readableLength;
    }
    return { ...this.front.stats(), bytesRead, socketBuffered };
  }

  /** Stops accepting, serves every whole message already read, flushes replies, closes every socket and stops the stages. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      await this.front.close();
      await closed;
      // Sockets were ended after their last reply; a client that never closes its side is closed here.
      const gone = [...this.sockets].map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()))));
      for (const s of this.sockets) s.destroySoon();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(gone),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            for (const s of this.sockets) s.destroy();
            resolve();
          }, 2000);
        }),
      ]);
      clearTimeout(timer);
    })();
    return this.shuttingDown;
  }
}

/** Listens for clients of `pipeline`; resolves once the port is bound. */
export async function startTcpServer(pipeline: RunningPipeline, codec: LineCodec, options: TcpOptions): Promise<TcpServer> {
  let tcp: TcpServer | null = null;
  const front = new Front(pipeline, codec, {
    eagerFraming: codec.syntax === 'seed',
    onPipelineFailure: (e) => {
      process.stderr.write(`smwasm: the pipeline failed, closing the server: ${e.message}\n`);
      tcp?.pipelineFailed(e);
    },
    ...options.front,
  });
  const server = createServer({ allowHalfOpen: true, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  tcp = new TcpServer(server, front, pipeline, options.host, port);
  return tcp;
}
