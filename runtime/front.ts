// The main thread's two ends of a pipeline: the source that turns client
// lines into messages on ring 0, and the sink that turns messages from the
// last ring into reply lines on the right connection.
//
//   socket A: 'Item "Right ()"\nItem "Left ()"\n'  ─► Item(A,0) Item(A,1) ─► ring 0 ─► stages ─►
//   socket B: 'Item "Left ()"\n'                    ─► Item(B,0)                          last ring
//   ◄─ socket A: 'Item "Right ()"\nItem "Left 1"\n' ◄─ one write per connection per drain ◄──┘
//
// Ordering: a connection's requests enter ring 0 in order and every ring and
// stage is FIFO, so its replies leave in order; a malformed line becomes an
// ItemError message in the same stream, so its error reply keeps its place.
//
// Backpressure: when ring 0 is full the source stops: the connection that hit
// it keeps its unread bytes, every connection that sends more is paused
// (socket.pause(): the kernel buffers, then TCP flow control slows the
// client), and reading resumes once the first stage frees room. A connection
// whose replies pile up unsent (a client that does not read) is paused too.
// So what the server holds is bounded: the rings, one chunk and one partial
// line per connection, and replies up to a high-water mark per connection.
//
// Upgrades: a client's in-band `Upgrade` (allowed only when the server was
// started with an upgrade handler, --insecure-upgrades) holds its connection
// (later bytes wait unread) while the handler checks and compiles it; the
// handler then admits the cut or a refusal in the connection's place
// (`admitControl`), and the connection resumes. Without a handler the
// upgrade is refused in place. Every UpgradeResult is shown to
// `onUpgradeResult` at the sink before it is routed.
//
// Admission: every message enters ring 0 in `submit` (client lines),
// `submitEvent` (session events) or `admitControl` (upgrades and refusals),
// nowhere else.
//
// Sessions (compiler/sessions.ts): when the codec says the pipeline follows
// the session convention, each connection's life becomes session items:
//
//   open                      =>  (id, Connect ())         request 0; a Reply answering it is a greeting
//   each line x               =>  (id, Data x)             x read by the codec as the message type a
//   input ends, the transport
//   closes, or shutdown       =>  (id, Disconnect ())      once, after its last line; its answer is dropped
//   Reply y / Silent ()       =>  y written by the codec / nothing
//
// A connection's events are in ring 0 in that order (a Connect that finds
// ring 0 full waits in the blocked queue, ahead of the connection's bytes),
// so the machine sees exactly one Connect first and one Disconnect last.
// Ids come from runtime/connection-ids.ts and are never reused, also across
// restarts.
//
// Nothing here blocks the thread: ring waits are Atomics.waitAsync.

import type { SessionTypes } from '../compiler/sessions.ts';
import type { LineCodec } from './codec.ts';
import { ParsedRequest, ReplyBuffer } from './codec.ts';
import { ConnectionIds } from './connection-ids.ts';
import {
  decodeUpgradeResult,
  encodeItemError,
  encodeUpgradeResult,
  HEADER_BYTES,
  MSG_DONE,
  MSG_ITEM,
  MSG_ITEM_ERROR,
  MSG_UPGRADE,
  MSG_UPGRADE_RESULT,
  readConnection,
  readKind,
  readRequest,
  type UpgradeResultBody,
  writeHeader,
} from './envelope.ts';
import type { RunningPipeline } from './pipeline.ts';
import { SLEEP_TIMEOUT_MS, sleepOnce } from './wait.ts';

/** One client's byte stream, as the front needs it: a net.Socket fits as it is. */
export interface Transport {
  write(chunk: Buffer): unknown;
  pause(): unknown;
  resume(): unknown;
  end(): unknown;
  readonly writableLength: number;
}

export interface FrontOptions {
  /** Take a line without its newline as soon as it is one whole message that cannot grow (seed clients send no newline). */
  readonly eagerFraming: boolean;
  /** Longest line accepted; a longer one gets an error reply and is skipped. Default: the largest message ring 0 carries. */
  readonly maxLineBytes?: number;
  /** Pause reading a connection while this many reply bytes wait in its socket. Default 1 MiB. */
  readonly replyHighWater?: number;
  /** Called when replying fails in a way that is a bug (a message the codec cannot print). */
  readonly onInternalError?: (e: Error) => void;
  /** Called once if a stage thread dies (a bug, or memory exhausted): every connection has been told and ended. Default: stderr. */
  readonly onPipelineFailure?: (e: Error) => void;
  /** Takes in-band upgrades from clients; without it they are refused in place (the admin channel is the way in). */
  readonly upgrades?: InBandUpgradeHandler;
  /** Sees every UpgradeResult reaching the sink, before its reply is routed. */
  readonly onUpgradeResult?: (connection: number, request: number, result: UpgradeResultBody) => void;
  /** Where connection ids come from. Default: a counter from the wall clock's floor (runtime/connection-ids.ts). */
  readonly connectionIds?: ConnectionIds;
}

/** An upgrade a client sent on the item port. */
export interface InBandUpgrade {
  readonly connection: number;
  readonly request: number;
  readonly stage: string;
  /** The upgrade data in JSON text (codec.ts UpgradeRequestJson). */
  readonly data: string;
  readonly syntax: LineCodec['syntax'];
}

/**
 * Must admit, with `front.admitControl(…, upgrade.connection, upgrade.request, …)`,
 * exactly one message answering the upgrade (the cut or a refusal) and resolve
 * after it; the connection reads nothing more until then.
 */
export type InBandUpgradeHandler = (upgrade: InBandUpgrade) => Promise<void>;

/** Connection id of control messages that answer no client connection (upgrades from the admin channel). */
export const CONTROL_CONNECTION = 0;

export interface FrontStats {
  readonly connectionsOpened: number;
  readonly connectionsOpen: number;
  /** Requests written to ring 0 and not yet answered (session Connect and Disconnect items count). */
  readonly inFlight: number;
  readonly requests: number;
  readonly replies: number;
  /** Bytes received but not yet turned into messages (held while ring 0 is full). */
  readonly queuedBytes: number;
  /** Times ring 0 was found full. */
  readonly sourceStalls: number;
}

/**
 * Where a connection is in its session (session pipelines only):
 * `none` not a session (or refused during shutdown), `pending` its Connect is
 * not in ring 0 yet, `open` Connect is in, `ended` Disconnect is in.
 */
export type SessionPhase = 'none' | 'pending' | 'open' | 'ended';

export class Connection {
  session: SessionPhase = 'none';
  /** The request id of its Disconnect, whose answer is dropped; -1 until it is sent. */
  disconnectRequest = -1;
  nextRequest = 0;
  nextReply = 0;
  /** An unfinished line (no newline yet). */
  partial: Buffer | null = null;
  /** Bytes received while the source was stopped, not yet read. */
  queued: Buffer | null = null;
  inQueue = false;
  /** Skipping the rest of an over-long line. */
  discarding = false;
  /** Input was cut by a shutdown: an unfinished line is not a message. */
  dropPartial = false;
  inputEnded = false;
  closed = false;
  ended = false;
  pausedForReplies = false;
  dirty = false;
  /** An in-band upgrade is being checked: later bytes wait in `queued`. */
  held = false;
  readonly out = new ReplyBuffer();

  constructor(
    readonly id: number,
    readonly transport: Transport,
  ) {}

  get outstanding(): number {
    return this.nextRequest - this.nextReply;
  }
}

export class Front {
  private readonly connections = new Map<number, Connection>();
  /** Never reused, also across restarts (runtime/connection-ids.ts). */
  readonly connectionIds: ConnectionIds;
  /** Set when the pipeline follows the session convention: the codec reads and writes payloads, this front the session items. */
  private readonly session: SessionTypes | null;
  private readonly parsed = new ParsedRequest();
  private readonly maxLineBytes: number;
  private readonly replyHighWater: number;
  private blocked = false;
  /** The loop that reads queued bytes as ring 0 frees room; null while the source runs freely. */
  private unblocking: Promise<void> | null = null;
  private readonly blockedQueue: Connection[] = [];
  private readonly dirty: Connection[] = [];
  private inFlight = 0;
  private requests = 0;
  private replies = 0;
  private sourceStalls = 0;
  private stopping = false;
  private doneSent = false;
  private doneSeen = false;
  private sinkRunning = false;
  /** A publish of ring 0 is scheduled for the end of this event-loop turn (`publishSoon`). */
  private publishPending = false;
  /** Set when a stage thread died: nothing more can be answered. */
  private failure: Error | null = null;
  /** Resolves when Done has come out of the last ring: every stage has finished. */
  private readonly sinkStopped: Promise<void>;
  private resolveDoneSeen!: () => void;
  /** In-band upgrades not yet admitted. */
  private readonly holds = new Set<Promise<void>>();

  constructor(
    readonly pipeline: RunningPipeline,
    readonly codec: LineCodec,
    readonly options: FrontOptions,
  ) {
    this.connectionIds = options.connectionIds ?? new ConnectionIds();
    this.session = codec.session;
    this.maxLineBytes = options.maxLineBytes ?? pipeline.writer.maxRecord;
    this.replyHighWater = options.replyHighWater ?? 1 << 20;
    this.sinkStopped = new Promise<void>((resolve) => {
      this.resolveDoneSeen = resolve;
    });
    pipeline.finished.catch((e: Error) => this.pipelineFailed(e));
  }

  stats(): FrontStats {
    let queuedBytes = 0;
    for (const c of this.connections.values()) queuedBytes += (c.queued?.length ?? 0) + (c.partial?.length ?? 0);
    return {
      connectionsOpened: this.connectionIds.count,
      connectionsOpen: this.connections.size,
      inFlight: this.inFlight,
      requests: this.requests,
      replies: this.replies,
      queuedBytes,
      sourceStalls: this.sourceStalls,
    };
  }

  /** A new connection with a fresh id; for a session pipeline, its Connect goes into ring 0 now (or waits its turn when ring 0 is full). */
  open(transport: Transport): Connection {
    const c = new Connection(this.connectionIds.allocate(), transport);
    this.connections.set(c.id, c);
    if (this.stopping) {
      // Shutting down: nothing will be read from it, and a session would start after its Disconnects were sent.
      transport.pause();
      c.inputEnded = true;
      c.dropPartial = true;
      return c;
    }
    if (this.session === null) return c;
    c.session = 'pending';
    if (this.blocked) {
      // Others wait for room: the Connect takes its place in line (consume sends it before any byte).
      this.enqueue(c, EMPTY_CHUNK);
      return c;
    }
    if (!this.connect(c)) {
      this.stall(c, EMPTY_CHUNK);
      return c;
    }
    this.pipeline.writer.publish();
    this.poke();
    return c;
  }

  /** Bytes from a connection (a socket's 'data'). */
  receive(c: Connection, chunk: Buffer): void {
    if (c.closed || c.inputEnded) return;
    if (c.held) {
      c.queued = c.queued ? Buffer.concat([c.queued, chunk]) : chunk;
      c.transport.pause();
      return;
    }
    if (this.stopping && !this.blocked) {
      // Shutting down: a chunk already on its way is still served, nothing more is read.
      c.transport.pause();
    }
    if (this.blocked || c.inQueue) {
      this.enqueue(c, chunk);
      return;
    }
    this.consume(c, chunk);
    this.publishSoon();
  }

  /**
   * Publishes ring 0 once this event-loop turn's socket reads are in: every
   * connection read in one poll phase shares one publish, so the first stage
   * is woken (an Atomics.notify, several µs) once per turn, not once per chunk.
   * The ring also publishes on its own once a batch passes its publish size.
   */
  private publishSoon(): void {
    if (this.publishPending) return;
    this.publishPending = true;
    setImmediate(this.publishNow);
  }

  private readonly publishNow = (): void => {
    this.publishPending = false;
    this.pipeline.writer.publish();
    this.poke();
  };

  /** The client will send nothing more (a socket's 'end', or the end of a file): its last line needs no newline. */
  endInput(c: Connection): void {
    if (c.closed || c.inputEnded) return;
    c.inputEnded = true;
    if (!c.inQueue && !c.held) this.finishInput(c);
    this.maybeEnd(c);
  }

  /**
   * The transport is gone (a socket's 'close'): replies still in flight for
   * it are dropped when they arrive; a session still open gets its Disconnect
   * (after whatever of its lines is already in ring 0).
   */
  closed(c: Connection): void {
    c.closed = true;
    c.queued = null;
    c.partial = null;
    c.inputEnded = true;
    c.dropPartial = true;
    // After a stage thread died nothing more goes in: there is no machine left to tell.
    if (!c.inQueue && !c.held && this.failure === null) this.finishInput(c);
    this.forgetIfDone(c);
  }

  /** The transport has written out its backlog (a socket's 'drain'). */
  drained(c: Connection): void {
    if (c.pausedForReplies && c.transport.writableLength <= this.replyHighWater) {
      c.pausedForReplies = false;
      if (!this.blocked && !c.inQueue && !this.stopping) c.transport.resume();
    }
  }

  /**
   * Stops reading, answers everything already read, sends Done through the
   * pipeline and waits for every stage to finish. Replies are flushed and
   * connections ended before it resolves.
   */
  async close(): Promise<void> {
    this.stopping = true;
    for (const c of this.connections.values()) {
      c.transport.pause();
      // Whole messages already read are still served; an unfinished line is dropped.
      if (!c.inputEnded) {
        c.inputEnded = true;
        c.dropPartial = true;
        // A session gets its Disconnect now, before Done; one waiting in line (or on its upgrade) gets it when its turn comes.
        if (!c.inQueue && !c.held) this.finishInput(c);
      }
    }
    this.pipeline.writer.publish();
    this.poke();
    while (this.unblocking !== null || this.holds.size > 0) {
      if (this.unblocking !== null) await this.unblocking;
      else await Promise.all(this.holds);
    }
    if (this.failure !== null) throw this.failure;
    for (const c of this.connections.values()) {
      if (sessionLive(c)) this.internalError(new Error(`connection ${c.id}: its session has no Disconnect before the end of the stream`));
    }
    await this.sendDone();
    await this.sinkStopped;
    await this.pipeline.finished;
    for (const c of this.connections.values()) {
      this.flush(c);
      if (!c.closed && !c.ended) {
        c.ended = true;
        c.transport.end();
      }
    }
  }

  /**
   * A stage thread died, so nothing in flight will be answered: every open
   * connection gets one error line and is ended, nothing more is read, and
   * `close` and the caller learn of it.
   */
  private pipelineFailed(e: Error): void {
    if (this.failure !== null || this.doneSeen) return;
    this.failure = e;
    this.stopping = true;
    const line = this.codec.errorLine(`the pipeline failed: ${e.message}`);
    for (const c of this.connections.values()) {
      if (c.closed || c.ended) continue;
      this.flush(c);
      c.ended = true;
      c.transport.write(Buffer.from(line));
      c.transport.end();
    }
    this.resolveDoneSeen();
    if (this.options.onPipelineFailure) this.options.onPipelineFailure(e);
    else process.stderr.write(`smwasm: the pipeline failed: ${e.message}\n`);
  }

  // --- source ---------------------------------------------------------------

  private enqueue(c: Connection, chunk: Buffer): void {
    c.queued = c.queued ? Buffer.concat([c.queued, chunk]) : chunk;
    c.transport.pause();
    if (!c.inQueue) {
      c.inQueue = true;
      this.blockedQueue.push(c);
    }
  }

  /** Turns every whole line of `chunk` into a message; on a full ring keeps the rest and stops the source. */
  private consume(c: Connection, chunk: Buffer): void {
    if (c.session === 'pending' && !this.connect(c)) return this.stall(c, chunk);
    let data = chunk;
    if (c.partial !== null) {
      data = Buffer.concat([c.partial, chunk]);
      c.partial = null;
    }
    let pos = 0;
    const end = data.length;
    if (c.discarding) {
      const nl = data.indexOf(10, pos);
      if (nl < 0) return;
      c.discarding = false;
      pos = nl + 1;
    }
    for (;;) {
      const nl = data.indexOf(10, pos);
      if (nl < 0) break;
      let lineEnd = nl;
      if (lineEnd > pos && data[lineEnd - 1] === 13) lineEnd--;
      if (!this.submit(c, data, pos, lineEnd)) return this.stall(c, data.subarray(pos));
      pos = nl + 1;
      if (c.held) return this.holdRest(c, data.subarray(pos));
    }
    if (pos >= end) return;
    if (end - pos > this.maxLineBytes) {
      if (!this.submitError(c, `a line longer than ${this.maxLineBytes} bytes`)) return this.stall(c, data.subarray(pos));
      c.discarding = true;
      return;
    }
    if (this.options.eagerFraming && this.codec.completeWithoutNewline(data, pos, end)) {
      if (!this.submit(c, data, pos, end)) return this.stall(c, data.subarray(pos));
      return;
    }
    // A short tail is copied: a view would keep the whole chunk (up to 64 KiB) alive for as long as the line stays unfinished.
    const rest = data.subarray(pos);
    c.partial = rest.length * 4 < data.length ? Buffer.from(rest) : rest;
  }

  /**
   * The input has ended: a connection's last line, which has no newline, and
   * then its session's Disconnect. On a full ring, what is left waits in line
   * and this runs again when its turn comes.
   */
  private finishInput(c: Connection): void {
    if (c.session === 'pending' && !this.connect(c)) return this.stall(c, EMPTY_CHUNK);
    const rest = c.dropPartial ? null : c.partial;
    c.partial = null;
    if (rest !== null && rest.length > 0 && !c.discarding) {
      if (!this.submit(c, rest, 0, rest.length)) {
        // Ring full: keep it queued with a newline so it is read as a whole line later.
        this.stall(c, Buffer.concat([rest, NEWLINE]));
        return;
      }
      this.pipeline.writer.publish();
      this.poke();
    }
    if (c.session === 'open') {
      if (!this.submitEvent(c, this.session!.cases.disconnect)) return this.stall(c, EMPTY_CHUNK);
      c.disconnectRequest = c.nextRequest - 1;
      c.session = 'ended';
      this.pipeline.writer.publish();
      this.poke();
    }
  }

  /** Keeps what follows an in-band upgrade unread until the upgrade is admitted. */
  private holdRest(c: Connection, rest: Buffer): void {
    if (rest.length > 0) c.queued = c.queued ? Buffer.concat([rest, c.queued]) : rest;
    c.transport.pause();
  }

  /** The in-band upgrade of `c` is admitted (or refused): read on from where it stopped. */
  private release(c: Connection): void {
    c.held = false;
    if (c.closed) c.queued = null;
    if (this.blocked) {
      // Ring 0 is full: wait in line with the others.
      if (!c.inQueue) {
        c.inQueue = true;
        this.blockedQueue.push(c);
      }
      return;
    }
    const data = c.queued;
    c.queued = null;
    if (data !== null) this.consume(c, data);
    if (!c.held && !c.inQueue) {
      if (c.inputEnded) {
        this.finishInput(c);
        this.maybeEnd(c);
        this.forgetIfDone(c);
      } else if (!c.pausedForReplies && !this.stopping) {
        c.transport.resume();
      }
    }
    this.pipeline.writer.publish();
    this.poke();
  }

  private stall(c: Connection, rest: Buffer): void {
    this.sourceStalls++;
    c.queued = rest;
    c.transport.pause();
    if (!c.inQueue) {
      c.inQueue = true;
      this.blockedQueue.unshift(c);
    }
    this.pipeline.writer.publish();
    this.poke();
    this.blocked = true;
    this.unblocking ??= this.unblockLoop().finally(() => {
      this.unblocking = null;
    });
  }

  private async unblockLoop(): Promise<void> {
    const slot = this.pipeline.writer.sleepSlot();
    while (this.blocked && this.failure === null) {
      if (slot.ready()) this.unblockOnce();
      else await sleepOnce(slot, SLEEP_TIMEOUT_MS);
    }
  }

  /** Ring 0 has room: reads queued bytes in arrival order until the ring is full again or none are left. */
  private unblockOnce(): void {
    this.blocked = false;
    while (this.blockedQueue.length > 0 && !this.blocked) {
      const c = this.blockedQueue.shift()!;
      c.inQueue = false;
      const data = c.queued;
      c.queued = null;
      if (data !== null && !c.closed) this.consume(c, data);
      if (c.inQueue) break; // stalled again: it went back to the front of the queue
      if (c.held) continue; // its upgrade is being checked: `release` reads on
      if (c.inputEnded) {
        this.finishInput(c);
        if (c.inQueue) break; // its last line or Disconnect found the ring full again
        this.maybeEnd(c);
        this.forgetIfDone(c);
      } else if (!c.closed && !c.pausedForReplies && !this.stopping) {
        c.transport.resume();
      }
    }
    this.pipeline.writer.publish();
    this.poke();
  }

  /** Writes one line's message to ring 0 (for a session, as `(id, Data x)`). False (nothing written) when the ring has no room yet. */
  private submit(c: Connection, line: Buffer, start: number, end: number): boolean {
    const p = this.parsed;
    this.codec.parse(line, start, end, p);
    const writer = this.pipeline.writer;
    // A session's message is the payload of (id, Data x): the id and the case index go first.
    const prefix = this.session === null ? 0 : SESSION_PREFIX_BYTES;
    switch (p.kind) {
      case 'empty':
        return true;
      case 'string': {
        const n = p.end - p.start;
        const length = HEADER_BYTES + prefix + 4 + n;
        if (length > writer.maxRecord) return this.submitError(c, this.tooLarge(length));
        const o = writer.reserve(length);
        if (o < 0) return false;
        writeHeader(writer.view, o, MSG_ITEM, c.id, c.nextRequest);
        if (prefix > 0) writeSessionPrefix(writer.view, o + HEADER_BYTES, c.id, this.session!.cases.data);
        writer.view.setUint32(o + HEADER_BYTES + prefix, n, true);
        const at = o + HEADER_BYTES + prefix + 4;
        if (n <= 64) {
          // A request is a few dozen bytes: a loop beats a native copy's call overhead.
          const dst = writer.bytes;
          for (let i = 0; i < n; i++) dst[at + i] = line[p.start + i];
        } else {
          line.copy(writer.bytes, at, p.start, p.end);
        }
        break;
      }
      case 'item': {
        const length = HEADER_BYTES + prefix + p.bytes.length;
        if (length > writer.maxRecord) return this.submitError(c, this.tooLarge(length));
        const o = writer.reserve(length);
        if (o < 0) return false;
        writeHeader(writer.view, o, MSG_ITEM, c.id, c.nextRequest);
        if (prefix > 0) writeSessionPrefix(writer.view, o + HEADER_BYTES, c.id, this.session!.cases.data);
        writer.bytes.set(p.bytes, o + HEADER_BYTES + prefix);
        break;
      }
      case 'upgrade':
        return this.upgrade(c, p.stage, p.data);
      case 'error':
        return this.submitError(c, p.message);
      default:
        throw new Error(`unhandled request kind ${p.kind satisfies never}`);
    }
    writer.commit();
    c.nextRequest++;
    this.inFlight++;
    this.requests++;
    return true;
  }

  /** The connection's Connect, written to ring 0. False (nothing written) when the ring has no room yet. */
  private connect(c: Connection): boolean {
    if (!this.submitEvent(c, this.session!.cases.connect)) return false;
    c.session = 'open';
    return true;
  }

  /** Writes `(id, Connect ())` or `(id, Disconnect ())` (by case index) to ring 0. False (nothing written) when the ring has no room yet. */
  private submitEvent(c: Connection, caseIndex: number): boolean {
    const writer = this.pipeline.writer;
    const o = writer.reserve(HEADER_BYTES + SESSION_PREFIX_BYTES);
    if (o < 0) return false;
    writeHeader(writer.view, o, MSG_ITEM, c.id, c.nextRequest);
    writeSessionPrefix(writer.view, o + HEADER_BYTES, c.id, caseIndex);
    writer.commit();
    c.nextRequest++;
    this.inFlight++;
    this.requests++;
    return true;
  }

  /** Hands an in-band upgrade to the handler and holds the connection; without a handler, refuses it in place. */
  private upgrade(c: Connection, stage: string, data: string): boolean {
    const handler = this.options.upgrades;
    if (handler === undefined) {
      const reason = this.pipeline.stageNames.includes(stage)
        ? 'live upgrades are not supported on the item port: send them on the admin channel (smwasm upgrade), or start the server with --insecure-upgrades'
        : `no stage named ${JSON.stringify(stage)}`;
      const body = encodeUpgradeResult({ ok: false, reason, stage });
      const writer = this.pipeline.writer;
      if (HEADER_BYTES + body.length > writer.maxRecord) return this.submitError(c, this.tooLarge(HEADER_BYTES + body.length));
      const o = writer.reserve(HEADER_BYTES + body.length);
      if (o < 0) return false;
      writeHeader(writer.view, o, MSG_UPGRADE_RESULT, c.id, c.nextRequest);
      writer.bytes.set(body, o + HEADER_BYTES);
      writer.commit();
      c.nextRequest++;
      this.inFlight++;
      this.requests++;
      return true;
    }
    const request = c.nextRequest++;
    c.held = true;
    const hold: Promise<void> = handler({ connection: c.id, request, stage, data, syntax: this.codec.syntax })
      .catch(async (e: Error) => {
        // The handler must answer every upgrade; if it failed to, answer here so the connection's replies stay in order.
        this.internalError(e);
        const body = encodeUpgradeResult({ ok: false, reason: `internal error: ${e.message}`, stage });
        await this.admitControl(MSG_UPGRADE_RESULT, c.id, request, body);
      })
      .finally(() => {
        this.holds.delete(hold);
        this.release(c);
      });
    this.holds.add(hold);
    return true;
  }

  /**
   * Admits a control message (an Upgrade cut, or an UpgradeResult refusing
   * one) into ring 0 at this point of the stream, for `connection`'s request
   * `request` (CONTROL_CONNECTION when no client connection waits for it).
   * Resolves once it is in the ring; waits for room without blocking.
   */
  async admitControl(kind: typeof MSG_UPGRADE | typeof MSG_UPGRADE_RESULT, connection: number, request: number, body: Uint8Array): Promise<void> {
    if (this.doneSent) throw new Error('the pipeline is shutting down');
    const writer = this.pipeline.writer;
    const length = HEADER_BYTES + body.length;
    if (length > writer.maxRecord) throw new Error(this.tooLarge(length));
    let o = writer.reserve(length);
    while (o < 0) {
      writer.publish();
      await this.pipeline.waitForRoom();
      if (this.doneSent) throw new Error('the pipeline is shutting down');
      o = writer.reserve(length);
    }
    writeHeader(writer.view, o, kind, connection, request);
    writer.bytes.set(body, o + HEADER_BYTES);
    writer.commit();
    writer.publish();
    this.inFlight++;
    this.requests++;
    this.poke();
  }

  /** A malformed request travels as an ItemError through every stage, so its reply keeps its place among the others. */
  private submitError(c: Connection, message: string): boolean {
    const writer = this.pipeline.writer;
    let body = encodeItemError({ code: 'BAD_REQUEST', message, stage: '' });
    if (HEADER_BYTES + body.length > writer.maxRecord) body = encodeItemError({ code: 'BAD_REQUEST', message: message.slice(0, 200) + '…', stage: '' });
    const o = writer.reserve(HEADER_BYTES + body.length);
    if (o < 0) return false;
    writeHeader(writer.view, o, MSG_ITEM_ERROR, c.id, c.nextRequest);
    writer.bytes.set(body, o + HEADER_BYTES);
    writer.commit();
    c.nextRequest++;
    this.inFlight++;
    this.requests++;
    return true;
  }

  private tooLarge(length: number): string {
    return `a message of ${length} bytes is larger than the pipeline carries (${this.pipeline.writer.maxRecord} bytes)`;
  }

  private async sendDone(): Promise<void> {
    if (this.doneSent) return;
    const writer = this.pipeline.writer;
    let o = writer.reserve(HEADER_BYTES);
    while (o < 0) {
      writer.publish();
      if (this.failure !== null) throw this.failure;
      await sleepOnce(writer.sleepSlot(), SLEEP_TIMEOUT_MS);
      o = writer.reserve(HEADER_BYTES);
    }
    writeHeader(writer.view, o, MSG_DONE, 0, 0);
    writer.commit();
    writer.publish();
    this.doneSent = true;
    this.poke();
  }

  // --- sink -----------------------------------------------------------------

  /** Starts the sink loop when replies are due and it is not running; it stops by itself when none are. */
  private poke(): void {
    if (this.sinkRunning || this.doneSeen || this.failure !== null || (this.inFlight === 0 && !this.doneSent)) return;
    this.sinkRunning = true;
    void this.sinkLoop().finally(() => {
      this.sinkRunning = false;
      // Something may have been submitted while the loop was finishing its last turn.
      this.poke();
    });
  }

  /**
   * Runs only while replies are due (no idle wake-ups, nothing to wake when
   * the next request comes: the source starts it). Checks the last ring on a
   * few event-loop turns, sockets served in between, then sleeps until the
   * last stage publishes.
   */
  private async sinkLoop(): Promise<void> {
    const slot = this.pipeline.reader.sleepSlot();
    let idleTurns = 0;
    while ((this.inFlight > 0 || (this.doneSent && !this.doneSeen)) && this.failure === null) {
      const n = this.drain();
      if (this.doneSeen) {
        this.resolveDoneSeen();
        return;
      }
      if (n > 0) {
        idleTurns = 0;
        await nextTurn();
      } else if (idleTurns++ < 16) {
        await nextTurn();
      } else {
        await sleepOnce(slot, SLEEP_TIMEOUT_MS);
      }
    }
  }

  /** Reads every message in the last ring and appends its reply to its connection; one write per connection. */
  private drain(): number {
    const reader = this.pipeline.reader;
    const view = reader.view;
    let n = 0;
    for (;;) {
      const length = reader.next();
      if (length < 0) break;
      const at = reader.offset;
      const kind = readKind(view, at);
      n++;
      if (kind === MSG_DONE) {
        this.doneSeen = true;
        reader.advance();
        break;
      }
      if (kind === MSG_UPGRADE_RESULT && this.options.onUpgradeResult !== undefined) {
        this.options.onUpgradeResult(readConnection(view, at), readRequest(view, at), decodeUpgradeResult(reader.bytes, at + HEADER_BYTES, at + length));
      }
      const c = this.connections.get(readConnection(view, at));
      if (c !== undefined) {
        const request = readRequest(view, at);
        if (request !== c.nextReply) this.internalError(new Error(`connection ${c.id}: reply to request ${request} where ${c.nextReply} was due`));
        c.nextReply++;
        if (!c.closed) {
          // Whatever answers a Disconnect is dropped: the session is over. (The connection may still be writing earlier replies.)
          if (request !== c.disconnectRequest) {
            try {
              if (this.session !== null && kind === MSG_ITEM) this.sessionReply(reader.view, reader.bytes, at + HEADER_BYTES, at + length, c);
              else this.codec.reply(kind, reader.bytes, at + HEADER_BYTES, at + length, c.out);
            } catch (e) {
              this.internalError(e as Error);
              c.out.utf8(this.codec.errorLine(`internal error: ${(e as Error).message}`));
            }
          }
          if (!c.dirty) {
            c.dirty = true;
            this.dirty.push(c);
          }
        }
        this.forgetIfDone(c);
      }
      this.inFlight--;
      this.replies++;
      reader.advance();
    }
    reader.publish();
    for (const c of this.dirty) {
      c.dirty = false;
      this.flush(c);
      this.maybeEnd(c);
    }
    this.dirty.length = 0;
    return n;
  }

  /** A session's answer `<Reply: b, Silent: ()>` at `[at, end)`: the payload of a Reply goes through the codec, Silent writes nothing. */
  private sessionReply(view: DataView, bytes: Uint8Array, at: number, end: number, c: Connection): void {
    const cases = this.session!.cases;
    const tag = view.getUint32(at, true);
    if (tag === cases.reply) this.codec.reply(MSG_ITEM, bytes, at + 4, end, c.out);
    else if (tag !== cases.silent) throw new Error(`connection ${c.id}: a session answer with case index ${tag}`);
  }

  private flush(c: Connection): void {
    if (c.out.length === 0 || c.closed) return;
    c.transport.write(c.out.take());
    if (c.transport.writableLength > this.replyHighWater && !c.pausedForReplies) {
      c.pausedForReplies = true;
      c.transport.pause();
    }
  }

  /** Ends a connection whose client has finished sending once every reply is out (and its session has ended). */
  private maybeEnd(c: Connection): void {
    if (c.inputEnded && !c.inQueue && c.outstanding === 0 && !c.ended && !c.closed && !sessionLive(c)) {
      c.ended = true;
      this.flush(c);
      c.transport.end();
    }
  }

  /** A closed connection is dropped from the routing table once nothing more can arrive for it and its session has ended. */
  private forgetIfDone(c: Connection): void {
    if (c.closed && c.outstanding === 0 && !c.inQueue && !c.held && !sessionLive(c)) this.connections.delete(c.id);
  }

  private internalError(e: Error): void {
    if (this.options.onInternalError) this.options.onInternalError(e);
    else process.stderr.write(`smwasm: internal error: ${e.message}\n`);
  }
}

const NEWLINE = Buffer.from('\n');
const EMPTY_CHUNK = Buffer.alloc(0);

/** Bytes of a session item before its payload: the connection id (Int, i64) and the event's case index (u32). */
const SESSION_PREFIX_BYTES = 12;
const TWO_32 = 4294967296;

/** The start of `(id, <event>)` in the canonical layout; ids are non-negative integers below 2^53 (runtime/connection-ids.ts). */
function writeSessionPrefix(view: DataView, at: number, id: number, caseIndex: number): void {
  view.setUint32(at, id >>> 0, true);
  view.setUint32(at + 4, Math.floor(id / TWO_32), true);
  view.setUint32(at + 8, caseIndex, true);
}

/** Whether a session has started and not yet sent its Disconnect. */
const sessionLive = (c: Connection) => c.session === 'pending' || c.session === 'open';
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
