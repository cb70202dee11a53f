// A bounded single-producer single-consumer ring of variable-length byte
// records in shared memory: how neighbouring pipeline stages talk.
//
//   const ring = Ring.create(1 << 16)              main thread; post `ring.shared()` to both sides
//   producer: const w = new RingWriter(ring)       consumer: const r = new RingReader(ring)
//     const at = w.reserve(5)                        const n = r.next()         // 5, payload at r.offset
//     w.bytes.set(payload, at); w.commit()           use r.bytes[r.offset .. r.offset + n)
//     w.publish()                                    r.advance(); r.publish()
//
// CONTRACT
// - Roles are fixed: exactly one thread ever holds a RingWriter for a ring and
//   exactly one (possibly another) holds a RingReader. Nothing else touches it.
// - Records are published in batches: `commit` makes a record part of the
//   writer's private batch; `publish` (one Atomics.store) makes every committed
//   record visible at once. Likewise the reader frees space with `publish`.
//   Commit/advance publish on their own once a batch passes `publishBytes`, so
//   a long batch never starves the other side.
// - A reserved payload may be written until `commit`; a record returned by
//   `next` stays valid (the writer cannot reuse its bytes) until the reader
//   has called `advance` past it and then `publish`.
// - A record is at most `maxRecord` = capacity/2 - 4 bytes: a record never
//   wraps around the end (the writer pads to the start instead), so the
//   reader always gets one contiguous view it can decode in place.
// - None of these calls allocate or block. Blocking lives in the wait
//   strategies (wait.ts), which only worker threads may use; the main thread
//   uses the asynchronous ones.
//
// BYTE LAYOUT at `byteOffset` (a multiple of 64) in a SharedArrayBuffer or a
// shared WebAssembly.Memory; control words sit on separate 64-byte cache lines
// so the two sides do not false-share:
//   +0    i32 tail              written only by the producer: bytes ever published (wraps at 2^32)
//   +64   i32 head              written only by the consumer: bytes ever freed (wraps at 2^32)
//   +128  i32 consumerSleeping  1 while the consumer may be in Atomics.wait on `tail`
//   +192  i32 producerSleeping  1 while the producer may be in Atomics.wait on `head`
//   +256  i32 capacity, i32 magic   written once by `init`, before the ring is shared
//   +320  data: `capacity` bytes (a power of two); records at 4-byte aligned positions:
//           u32 length (little endian), then `length` payload bytes, then padding to 4;
//           a length of 0xFFFFFFFF marks the rest of the data area as padding.
//
// STALENESS: the writer's copy of `head` and the reader's copy of `tail` may
// be stale; a stale copy only under-counts free space or available records,
// never over-counts, so it is refreshed (one Atomics.load) only when a call
// would otherwise fail. Everything the other side has published before an
// Atomics.load that sees it is visible after it (Atomics are sequentially
// consistent), which is what makes plain reads of the payload bytes safe.

export const RING_HEADER_BYTES = 320;
const TAIL = 0;
const HEAD = 16;
const CONSUMER_SLEEPING = 32;
const PRODUCER_SLEEPING = 48;
const CAPACITY = 64;
const MAGIC_WORD = 65;
const MAGIC = 0x52494e47; // "RING"
const PAD = 0xffffffff;

export const MIN_RING_CAPACITY = 256;

/**
 * Default batch: publish on its own once this much is unpublished (or an
 * eighth of the ring, if less). A publish that wakes a sleeping peer costs
 * the publisher a notify (measured 5–20 µs on a busy 2-core machine), so
 * bigger batches mean fewer wake-ups per item; latency does not suffer,
 * because both ends also publish whenever they run out of work.
 */
export const DEFAULT_PUBLISH_BYTES = 64 * 1024;
export const MAX_RING_CAPACITY = 1 << 30;

/** What a ring is made of, as posted to a worker: the memory and where the ring starts in it. */
export interface SharedRing {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** Bytes of shared memory a ring of `capacity` data bytes occupies. */
export function ringBytes(capacity: number): number {
  return RING_HEADER_BYTES + capacity;
}

const align4 = (n: number) => (n + 3) & ~3;

/** One ring's view of shared memory. Cheap; each thread makes its own from a `SharedRing`. */
export class Ring {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly capacity: number;
  readonly mask: number;
  readonly maxRecord: number;

  private constructor(
    readonly buffer: SharedArrayBuffer,
    readonly byteOffset: number,
  ) {
    if (byteOffset % 64 !== 0) throw new RangeError(`a ring must start at a multiple of 64 bytes, not ${byteOffset}`);
    this.words = new Int32Array(buffer, byteOffset, RING_HEADER_BYTES / 4);
    if (this.words[MAGIC_WORD] !== MAGIC) throw new Error(`no initialised ring at byte ${byteOffset}`);
    this.capacity = this.words[CAPACITY];
    this.mask = this.capacity - 1;
    this.maxRecord = this.capacity / 2 - 4;
    this.bytes = new Uint8Array(buffer, byteOffset + RING_HEADER_BYTES, this.capacity);
    this.view = new DataView(buffer, byteOffset + RING_HEADER_BYTES, this.capacity);
  }

  /** A ring in fresh shared memory of its own. Allocates. */
  static create(capacity: number): Ring {
    return Ring.init(new SharedArrayBuffer(ringBytes(capacity)), 0, capacity);
  }

  /** Lays out an empty ring in existing shared memory (e.g. a shared WebAssembly.Memory). Call before sharing it. */
  static init(buffer: SharedArrayBuffer, byteOffset: number, capacity: number): Ring {
    if (!Number.isInteger(capacity) || capacity < MIN_RING_CAPACITY || capacity > MAX_RING_CAPACITY || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`ring capacity must be a power of two from ${MIN_RING_CAPACITY} to ${MAX_RING_CAPACITY}, not ${capacity}`);
    }
    if (byteOffset + ringBytes(capacity) > buffer.byteLength) throw new RangeError('ring does not fit in the buffer');
    const words = new Int32Array(buffer, byteOffset, RING_HEADER_BYTES / 4);
    words.fill(0);
    words[CAPACITY] = capacity;
    words[MAGIC_WORD] = MAGIC;
    return new Ring(buffer, byteOffset);
  }

  /** Attaches to a ring laid out by `init`, typically in another thread. */
  static attach(shared: SharedRing): Ring {
    return new Ring(shared.buffer, shared.byteOffset);
  }

  shared(): SharedRing {
    return { buffer: this.buffer, byteOffset: this.byteOffset };
  }

  /** Published bytes not yet freed. A snapshot: stale as soon as it returns. For tests and statistics. */
  usedBytes(): number {
    return (Atomics.load(this.words, TAIL) - Atomics.load(this.words, HEAD)) >>> 0;
  }
}

/** The producer's end. Only one thread may hold it. */
export class RingWriter {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly maxRecord: number;
  private readonly words: Int32Array;
  private readonly capacity: number;
  private readonly mask: number;
  private tail: number; // committed, possibly unpublished
  private published: number;
  private headSeen: number; // stale copy of the consumer's head
  private reservedEnd = -1;
  private waitingFor = 0;

  constructor(
    readonly ring: Ring,
    /** Publish on its own once this many committed bytes are unpublished. */
    readonly publishBytes = Math.min(DEFAULT_PUBLISH_BYTES, ring.capacity / 8),
  ) {
    this.bytes = ring.bytes;
    this.view = ring.view;
    this.words = ring.words;
    this.capacity = ring.capacity;
    this.mask = ring.mask;
    this.maxRecord = ring.maxRecord;
    this.tail = Atomics.load(this.words, TAIL) >>> 0;
    this.published = this.tail;
    this.headSeen = Atomics.load(this.words, HEAD) >>> 0;
  }

  /**
   * Reserves a record of `length` payload bytes and returns where its payload
   * starts in `bytes`, or -1 when the ring has no room for it yet. The record
   * is invisible until `commit` and then `publish`. Reserving again before
   * `commit` abandons the previous reservation.
   */
  reserve(length: number): number {
    if (length > this.maxRecord || length < 0) throw new RangeError(`a ring record holds at most ${this.maxRecord} bytes, not ${length}`);
    const need = align4(4 + length);
    let at = this.tail & this.mask;
    const toEnd = this.capacity - at;
    const total = need <= toEnd ? need : toEnd + need;
    if (this.capacity - ((this.tail - this.headSeen) >>> 0) < total) {
      this.headSeen = Atomics.load(this.words, HEAD) >>> 0;
      if (this.capacity - ((this.tail - this.headSeen) >>> 0) < total) {
        this.waitingFor = total;
        return -1;
      }
    }
    if (need > toEnd) {
      // The record would wrap: mark the rest as padding so the reader skips to the start.
      this.view.setUint32(at, PAD, true);
      at = 0;
    }
    this.view.setUint32(at, length, true);
    this.reservedEnd = (this.tail + total) >>> 0;
    return at + 4;
  }

  /** Adds the reserved record to the batch; publishes the batch once it passes `publishBytes`. */
  commit(): void {
    if (this.reservedEnd < 0) throw new Error('commit without a reservation');
    this.tail = this.reservedEnd;
    this.reservedEnd = -1;
    if (((this.tail - this.published) >>> 0) >= this.publishBytes) this.publish();
  }

  /** Copies `payload` into a new record and commits it; false (nothing written) when there is no room yet. */
  tryPush(payload: Uint8Array): boolean {
    const at = this.reserve(payload.length);
    if (at < 0) return false;
    this.bytes.set(payload, at);
    this.commit();
    return true;
  }

  /** Makes every committed record visible to the consumer, and wakes it if it sleeps. */
  publish(): void {
    if (this.tail === this.published) return;
    this.published = this.tail;
    // Publishes every record committed so far (and their payload bytes, written before this store).
    Atomics.store(this.words, TAIL, this.tail | 0);
    if (Atomics.load(this.words, CONSUMER_SLEEPING) !== 0 && Atomics.compareExchange(this.words, CONSUMER_SLEEPING, 1, 0) === 1) {
      Atomics.notify(this.words, TAIL);
    }
  }

  /** Committed bytes the consumer cannot see yet. */
  get unpublishedBytes(): number {
    return (this.tail - this.published) >>> 0;
  }

  /** Whether the last failed `reserve` would fit now (refreshes the copy of `head`). For wait strategies. */
  hasRoom(): boolean {
    this.headSeen = Atomics.load(this.words, HEAD) >>> 0;
    return this.capacity - ((this.tail - this.headSeen) >>> 0) >= this.waitingFor;
  }

  /** True when the consumer has freed everything published (refreshes the copy of `head`). */
  isDrained(): boolean {
    this.headSeen = Atomics.load(this.words, HEAD) >>> 0;
    return this.headSeen === this.tail;
  }

  /** The word a sleeping producer waits on (the consumer's head) and the flag it raises. */
  sleepSlot(): SleepSlot {
    return { words: this.words, word: HEAD, flag: PRODUCER_SLEEPING, ready: () => this.hasRoom() };
  }
}

/** The consumer's end. Only one thread may hold it. */
export class RingReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Where the payload of the record returned by `next` starts in `bytes`. */
  offset = 0;
  private readonly words: Int32Array;
  private readonly capacity: number;
  private readonly mask: number;
  private head: number; // advanced, possibly unpublished
  private published: number;
  private tailSeen: number; // stale copy of the producer's tail
  private recordEnd = -1;

  constructor(
    readonly ring: Ring,
    /** Publish on its own once this many consumed bytes are unpublished. */
    readonly publishBytes = Math.min(DEFAULT_PUBLISH_BYTES, ring.capacity / 8),
  ) {
    this.bytes = ring.bytes;
    this.view = ring.view;
    this.words = ring.words;
    this.capacity = ring.capacity;
    this.mask = ring.mask;
    this.head = Atomics.load(this.words, HEAD) >>> 0;
    this.published = this.head;
    this.tailSeen = Atomics.load(this.words, TAIL) >>> 0;
  }

  /**
   * The payload length of the next record (its payload at `offset`), or -1 when
   * none is published yet. Does not consume it: `advance` does. Calling `next`
   * again without `advance` returns the same record.
   */
  next(): number {
    if (this.head === this.tailSeen) {
      this.tailSeen = Atomics.load(this.words, TAIL) >>> 0;
      if (this.head === this.tailSeen) return -1;
    }
    let at = this.head & this.mask;
    let length = this.view.getUint32(at, true);
    let skipped = 0;
    if (length === PAD) {
      // The writer never publishes padding without the record that follows it.
      skipped = this.capacity - at;
      at = 0;
      length = this.view.getUint32(0, true);
    }
    this.offset = at + 4;
    this.recordEnd = (this.head + skipped + align4(4 + length)) >>> 0;
    return length;
  }

  /** Consumes the record `next` returned; frees its bytes for the producer once published. */
  advance(): void {
    if (this.recordEnd < 0) throw new Error('advance without a record from next()');
    this.head = this.recordEnd;
    this.recordEnd = -1;
    if (((this.head - this.published) >>> 0) >= this.publishBytes) this.publish();
  }

  /** Frees every consumed record for the producer, and wakes it if it sleeps on a full ring. */
  publish(): void {
    if (this.head === this.published) return;
    this.published = this.head;
    // Publishes that the producer may overwrite every byte before head (we are done reading them).
    Atomics.store(this.words, HEAD, this.head | 0);
    if (Atomics.load(this.words, PRODUCER_SLEEPING) !== 0 && Atomics.compareExchange(this.words, PRODUCER_SLEEPING, 1, 0) === 1) {
      Atomics.notify(this.words, HEAD);
    }
  }

  /** Whether a record is published and not consumed (refreshes the copy of `tail`). For wait strategies. */
  hasRecord(): boolean {
    if (this.head !== this.tailSeen) return true;
    this.tailSeen = Atomics.load(this.words, TAIL) >>> 0;
    return this.head !== this.tailSeen;
  }

  /** The word a sleeping consumer waits on (the producer's tail) and the flag it raises. */
  sleepSlot(): SleepSlot {
    return { words: this.words, word: TAIL, flag: CONSUMER_SLEEPING, ready: () => this.hasRecord() };
  }
}

/**
 * What a wait strategy needs to sleep on one side of a ring: the shared word
 * the other side publishes, the flag that asks it to notify, and the condition.
 */
export interface SleepSlot {
  readonly words: Int32Array;
  readonly word: number;
  readonly flag: number;
  ready(): boolean;
}
