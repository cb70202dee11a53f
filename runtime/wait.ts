// Wait strategies: how one side of a ring waits for the other, named after
// what they do.
//
//   blocking (worker threads only):  new SpinThenSleep().wait(reader.sleepSlot())
//   asynchronous (the main thread):  await new SleepAsync().wait(writer.sleepSlot())
//
// The sleep protocol, shared by every strategy that sleeps (ring.ts has the
// other half: `publish` clears the flag and notifies):
//   1. read the word the other side publishes,
//   2. raise our flag (so its next publish notifies us),
//   3. check the condition again (a publish between 1 and 2 did not notify),
//   4. sleep on the word while it still holds what we read in 1, with a timeout.
// The timeout is there because Node 20 sometimes loses an Atomics.notify
// (measured: about one run in ten): a lost wake-up then costs a millisecond or
// two, not a hang.

import type { SleepSlot } from './ring.ts';

/** Blocks the calling thread until `slot.ready()`. Never use on the main thread. */
export interface BlockingWait {
  readonly name: string;
  wait(slot: SleepSlot): void;
}

/** Resolves once `slot.ready()`; never blocks the thread. */
export interface AsyncWait {
  readonly name: string;
  wait(slot: SleepSlot): Promise<void>;
}

/** Milliseconds a sleeper sleeps before it re-checks the ring on its own. */
export const SLEEP_TIMEOUT_MS = 2;

/** Spins on the condition for `spins` checks (cheap when the other side is about to publish), then sleeps. */
export class SpinThenSleep implements BlockingWait {
  readonly name = 'SpinThenSleep';
  constructor(
    readonly spins = 2000,
    readonly timeoutMs = SLEEP_TIMEOUT_MS,
  ) {}
  wait(slot: SleepSlot): void {
    for (let i = 0; i < this.spins; i++) if (slot.ready()) return;
    sleepUntilReady(slot, this.timeoutMs);
  }
}

/** Sleeps in Atomics.wait straight away: no CPU while idle, a wake-up's latency per wait. */
export class SleepAtOnce implements BlockingWait {
  readonly name = 'SleepAtOnce';
  constructor(readonly timeoutMs = SLEEP_TIMEOUT_MS) {}
  wait(slot: SleepSlot): void {
    sleepUntilReady(slot, this.timeoutMs);
  }
}

/** Spins until ready and never sleeps: burns a core; only for measuring a ceiling. */
export class SpinForever implements BlockingWait {
  readonly name = 'SpinForever';
  wait(slot: SleepSlot): void {
    while (!slot.ready()) {
      /* spin */
    }
  }
}

function sleepUntilReady(slot: SleepSlot, timeoutMs: number): void {
  const { words, word, flag } = slot;
  while (!slot.ready()) {
    const seen = Atomics.load(words, word);
    // Publishes: this side may be asleep on `word`; the other side's next publish must notify.
    Atomics.store(words, flag, 1);
    if (slot.ready()) break;
    Atomics.wait(words, word, seen, timeoutMs);
  }
  // Publishes: awake, no notify needed (the other side may already have cleared it).
  Atomics.store(words, flag, 0);
}

// Atomics.waitAsync is in Node 20 but not in the ES2022 library the project compiles against.
type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const atomicsWaitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): WaitAsyncResult }).waitAsync;

/**
 * Atomics.waitAsync that keeps the process alive while it waits: a pending
 * waitAsync alone does not hold Node's event loop open (measured: the process
 * exits under it with an unsettled promise, even before its own timeout). One
 * long interval, referenced only while some wait is pending, holds it open;
 * ref/unref are flag flips, so a wait costs no timer of its own.
 */
function waitAsyncAlive(words: Int32Array, index: number, value: number, timeoutMs: number): Promise<unknown> | null {
  const r = atomicsWaitAsync(words, index, value, timeoutMs);
  if (!r.async) return null;
  holdOpen();
  return r.value.finally(letGo);
}

let pendingWaits = 0;
let keepAlive: ReturnType<typeof setInterval> | null = null;

function holdOpen(): void {
  if (pendingWaits++ > 0) return;
  if (keepAlive === null) keepAlive = setInterval(() => {}, 1 << 30);
  else keepAlive.ref();
}

function letGo(): void {
  if (--pendingWaits === 0) keepAlive?.unref();
}

/** Sleeps with Atomics.waitAsync: the event loop runs on while the other side works. */
export class SleepAsync implements AsyncWait {
  readonly name = 'SleepAsync';
  constructor(readonly timeoutMs = SLEEP_TIMEOUT_MS * 5) {}
  async wait(slot: SleepSlot): Promise<void> {
    const { words, word, flag } = slot;
    while (!slot.ready()) {
      const seen = Atomics.load(words, word);
      // Publishes: this side may be asleep on `word`; the other side's next publish must notify.
      Atomics.store(words, flag, 1);
      if (slot.ready()) break;
      const woken = waitAsyncAlive(words, word, seen, this.timeoutMs);
      if (woken !== null) await woken;
    }
    // Publishes: awake, no notify needed.
    Atomics.store(words, flag, 0);
  }
}

/** Re-checks on every turn of the event loop (setImmediate): lowest latency, keeps a core busy while waiting. */
export class PollEachTurn implements AsyncWait {
  readonly name = 'PollEachTurn';
  wait(slot: SleepSlot): Promise<void> {
    if (slot.ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (slot.ready() ? resolve() : setImmediate(check));
      setImmediate(check);
    });
  }
}

/**
 * One asynchronous sleep on `slot`: resolves when the other side publishes
 * or after `timeoutMs`; the caller re-checks whatever it waits for. Never blocks.
 */
export async function sleepOnce(slot: SleepSlot, timeoutMs: number): Promise<void> {
  const { words, word, flag } = slot;
  if (slot.ready()) return;
  const seen = Atomics.load(words, word);
  // Publishes: this side may be asleep on `word`; the other side's next publish must notify.
  Atomics.store(words, flag, 1);
  if (!slot.ready()) {
    const woken = waitAsyncAlive(words, word, seen, timeoutMs);
    if (woken !== null) await woken;
  }
  // Publishes: awake, no notify needed.
  Atomics.store(words, flag, 0);
}
