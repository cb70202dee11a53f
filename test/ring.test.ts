// The ring buffer: single-threaded edge cases, then seeded random traffic
// between two real worker threads with a sequence checker and canaries
// around the ring. A failing seed is printed; replay it with RING_SEED=<seed>.

import { describe, expect, it } from 'vitest';
import { Ring, RingReader, RingWriter, ringBytes } from '../runtime/ring.ts';
import { spawn } from '../runtime/threads.ts';
import type { ExerciseOptions, ExerciseReport } from '../runtime/ring-exercise.ts';
import { SleepAsync } from '../runtime/wait.ts';

const EXERCISE = new URL('../runtime/ring-exercise.ts', import.meta.url);

describe('ring, one thread', () => {
  it('carries records in order and reports empty and full', () => {
    const ring = Ring.create(256);
    const w = new RingWriter(ring, 1 << 30);
    const r = new RingReader(ring, 1 << 30);
    expect(r.next()).toBe(-1);
    expect(ring.maxRecord).toBe(124);
    let pushed = 0;
    while (pushed < 1000 && w.tryPush(new Uint8Array([pushed, pushed + 1, pushed + 2]))) pushed++;
    // 8 bytes per record (4 header + 3 payload + 1 padding): 256 / 8.
    expect(pushed).toBe(32);
    // Nothing is visible before publish.
    expect(r.next()).toBe(-1);
    w.publish();
    for (let i = 0; i < pushed; i++) {
      expect(r.next()).toBe(3);
      expect([...r.bytes.subarray(r.offset, r.offset + 3)]).toEqual([i, i + 1, i + 2]);
      r.advance();
    }
    expect(r.next()).toBe(-1);
    // Space comes back only when the reader publishes.
    expect(w.tryPush(new Uint8Array(3))).toBe(false);
    r.publish();
    expect(w.tryPush(new Uint8Array(3))).toBe(true);
  });

  it('never splits a record across the end: it pads to the start', () => {
    const ring = Ring.create(256);
    const w = new RingWriter(ring, 1);
    const r = new RingReader(ring, 1);
    for (let round = 0; round < 50; round++) {
      const length = 1 + ((round * 37) % 120);
      const payload = Uint8Array.from({ length }, (_, i) => (round + i) & 255);
      expect(w.tryPush(payload)).toBe(true);
      expect(r.next()).toBe(length);
      expect(r.offset + length).toBeLessThanOrEqual(ring.capacity);
      expect([...r.bytes.subarray(r.offset, r.offset + length)]).toEqual([...payload]);
      r.advance();
    }
  });

  it('refuses records larger than half the ring and bad capacities', () => {
    const ring = Ring.create(256);
    const w = new RingWriter(ring);
    expect(() => w.reserve(125)).toThrow(/at most 124/);
    expect(() => Ring.create(1000)).toThrow(/power of two/);
    expect(() => Ring.init(new SharedArrayBuffer(4096), 32, 256)).toThrow(/multiple of 64/);
  });

  it('wraps its 32-bit cursors', () => {
    const ring = Ring.create(256);
    // Start both cursors just below 2^32, as after 4 GiB of traffic.
    const start = 0xffffff00 | 0;
    Atomics.store(ring.words, 0, start);
    Atomics.store(ring.words, 16, start);
    const w = new RingWriter(ring, 1);
    const r = new RingReader(ring, 1);
    for (let i = 0; i < 200; i++) {
      expect(w.tryPush(new Uint8Array([i & 255, 7]))).toBe(true);
      expect(r.next()).toBe(2);
      expect(r.bytes[r.offset]).toBe(i & 255);
      r.advance();
    }
    expect(Atomics.load(ring.words, 0) >>> 0).toBeLessThan(0x1000);
  });

  it('wakes an asynchronous waiter on the main thread', async () => {
    const ring = Ring.create(256);
    const w = new RingWriter(ring);
    const r = new RingReader(ring);
    const waiting = new SleepAsync(10_000).wait(r.sleepSlot());
    setTimeout(() => {
      w.tryPush(new Uint8Array([42]));
      w.publish();
    }, 5);
    const t0 = performance.now();
    await waiting;
    // Woken by the notify, long before the 10 s timeout.
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.next()).toBe(1);
  });
});

describe('ring, two worker threads', () => {
  const seeds = process.env.RING_SEED ? [Number(process.env.RING_SEED)] : [1, 2, 3, 0xdecafbad];
  const canary = 0xa5;
  const cases: Array<[capacity: number, maxLength: number, wait: 'spin' | 'sleep', records: number]> = [
    [256, 124, 'sleep', 20_000],
    [4096, 300, 'spin', 200_000],
    [65536, 2000, 'spin', 200_000],
  ];
  for (const seed of seeds) {
    for (const [capacity, maxLength, wait, records] of cases) {
      it(`seed ${seed}: ${records} records through ${capacity} bytes (${wait})`, async () => {
        // Canaries: 64 bytes before and after the ring's bytes in the same buffer.
        const buffer = new SharedArrayBuffer(64 + ringBytes(capacity) + 64);
        const all = new Uint8Array(buffer);
        all.fill(canary);
        const ring = Ring.init(buffer, 64, capacity);
        const options: ExerciseOptions = { ring: ring.shared(), seed, records, maxLength, wait };
        const consumer = spawn<ExerciseReport>(EXERCISE, 'consumeSequence', options);
        const producer = spawn<ExerciseReport>(EXERCISE, 'produceSequence', options);
        const [produced, consumed] = await Promise.all([producer.result, consumer.result]);
        if (consumed.error) console.error(`ring test failed with seed ${seed} (replay: RING_SEED=${seed})`);
        expect(consumed.error).toBeUndefined();
        expect(consumed.records).toBe(records);
        expect(consumed.bytes).toBe(produced.bytes);
        for (let i = 0; i < 64; i++) expect(all[i]).toBe(canary);
        for (let i = 64 + ringBytes(capacity); i < all.length; i++) expect(all[i]).toBe(canary);
        expect(ring.usedBytes()).toBe(0);
      });
    }
  }
});
