// A seeded producer and consumer that hammer one ring from two worker
// threads: the ring's concurrency test (test/ring.test.ts) runs them.
//
//   produceSequence({ ring, seed: 7, records: 100000, ... })   worker A
//   consumeSequence({ ring, seed: 7, records: 100000, ... })   worker B  => { checked: 100000, ... }
//
// Record n has a length and bytes that follow from (seed, n) alone, so the
// consumer checks every record without talking to the producer: a sequence
// number, then a pattern. Each side draws its own batch sizes, publish points
// and pauses from a PRNG seeded from `seed`, so a failing seed replays.

import { Ring, RingReader, RingWriter, type SharedRing } from './ring.ts';
import { SleepAtOnce, SpinThenSleep, type BlockingWait } from './wait.ts';

export interface ExerciseOptions {
  readonly ring: SharedRing;
  readonly seed: number;
  readonly records: number;
  /** Largest payload; at most the ring's maxRecord. */
  readonly maxLength: number;
  /** 'spin' (SpinThenSleep) or 'sleep' (SleepAtOnce). */
  readonly wait: 'spin' | 'sleep';
}

export interface ExerciseReport {
  readonly records: number;
  readonly bytes: number;
  readonly waits: number;
  readonly error?: string;
}

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(seed: number, n: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** Payload length of record n: mostly small, sometimes up to maxLength, sometimes 4 (just the sequence number). */
export function lengthOf(seed: number, n: number, maxLength: number): number {
  const h = hash(seed, n);
  const k = h % 16;
  if (k === 0) return 4;
  if (k === 1) return 4 + (h >>> 8) % Math.max(1, maxLength - 3);
  return 4 + (h >>> 8) % Math.min(64, Math.max(1, maxLength - 3));
}

const patternByte = (seed: number, n: number, i: number) => (seed + Math.imul(n, 31) + Math.imul(i, 7)) & 255;

function strategy(name: 'spin' | 'sleep'): BlockingWait {
  return name === 'spin' ? new SpinThenSleep(200) : new SleepAtOnce();
}

export function produceSequence(o: ExerciseOptions): ExerciseReport {
  const ring = Ring.attach(o.ring);
  const random = prng(o.seed ^ 0x1234567);
  const writer = new RingWriter(ring, 1 + Math.floor(random() * ring.capacity));
  const wait = strategy(o.wait);
  let bytes = 0;
  let waits = 0;
  for (let n = 0; n < o.records; n++) {
    const length = lengthOf(o.seed, n, o.maxLength);
    let at = writer.reserve(length);
    while (at < 0) {
      writer.publish();
      waits++;
      wait.wait(writer.sleepSlot());
      at = writer.reserve(length);
    }
    writer.view.setUint32(at, n, true);
    for (let i = 4; i < length; i++) writer.bytes[at + i] = patternByte(o.seed, n, i);
    writer.commit();
    bytes += length;
    const r = random();
    if (r < 0.05) writer.publish();
    else if (r < 0.0502) {
      writer.publish();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // a pause: lets the consumer drain and sleep
    }
  }
  writer.publish();
  return { records: o.records, bytes, waits };
}

export function consumeSequence(o: ExerciseOptions): ExerciseReport {
  const ring = Ring.attach(o.ring);
  const random = prng(o.seed ^ 0x7654321);
  const reader = new RingReader(ring, 1 + Math.floor(random() * ring.capacity));
  const wait = strategy(o.wait);
  let bytes = 0;
  let waits = 0;
  for (let n = 0; n < o.records; n++) {
    let length = reader.next();
    while (length < 0) {
      reader.publish();
      waits++;
      wait.wait(reader.sleepSlot());
      length = reader.next();
    }
    const expected = lengthOf(o.seed, n, o.maxLength);
    const at = reader.offset;
    const seq = reader.view.getUint32(at, true);
    if (seq !== n) return { records: n, bytes, waits, error: `record ${n}: sequence number ${seq}` };
    if (length !== expected) return { records: n, bytes, waits, error: `record ${n}: length ${length}, expected ${expected}` };
    for (let i = 4; i < length; i++) {
      const b = reader.bytes[at + i];
      if (b !== patternByte(o.seed, n, i)) return { records: n, bytes, waits, error: `record ${n}: byte ${i} is ${b}, expected ${patternByte(o.seed, n, i)}` };
    }
    // Peeking twice must give the same record.
    if (random() < 0.01 && (reader.next() !== length || reader.offset !== at)) return { records: n, bytes, waits, error: `record ${n}: a second next() moved` };
    reader.advance();
    bytes += length;
    const r = random();
    if (r < 0.05) reader.publish();
    else if (r < 0.0502) {
      reader.publish();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
  reader.publish();
  if (reader.next() !== -1) return { records: o.records, bytes, waits, error: 'a record beyond the last one' };
  return { records: o.records, bytes, waits };
}
