// Connection ids: never reused, not even across a restart.
//
//   const ids = new ConnectionIds()     floor = Date.now() * 1000, e.g. 1767225600000000 (2026-01-01T00:00:00Z)
//   ids.allocate()                      1767225600000000
//   ids.allocate()                      1767225600000001
//   ids.highWaterMark                   1767225600000001
//
// A session machine keeps per-connection state under these ids (compiler/
// sessions.ts), and that state survives upgrades, so an id must never name
// two clients. Within a run a counter guarantees it. Across runs the counter
// starts at a floor read from the wall clock, in microseconds: the
// millisecond clock times 1000, an exact integer below 2^53 (9.007e15;
// 1.8e15 in 2026, reached in the year 2255), so ids travel exactly as JS
// numbers, as the envelope's i64 and as the machines' Int.
//
// Why a later run cannot repeat an id of an earlier one: run A starts at
// floor F_A and hands out F_A, F_A + 1, …, F_A + n − 1; run B starts after A
// at floor F_B. They share an id only if n > F_B − F_A, the number of
// microseconds the clock counted between the two starts, which span A's whole
// life. So A must have opened more than one connection per microsecond — a
// million a second — on average over its life (to the clock's millisecond),
// or the clock must have gone backwards between the runs.
//
// Both holes close once a durable log keeps the high-water mark: it persists
// `highWaterMark` and passes it back as `persistedHighWaterMark` at the next
// start (`connectionIdFloor`), which then starts above it whatever the clock says.

/** The largest integer ids may reach: beyond it JS numbers are no longer exact. */
const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * Where a run's ids start: the wall clock in microseconds, and above
 * `persistedHighWaterMark` when one is known.
 * HOOK: the durable log passes the high-water mark it persisted for the
 * previous run here; until it exists, nothing does and the clock alone decides.
 */
export function connectionIdFloor(nowMs: number = Date.now(), persistedHighWaterMark?: number): number {
  if (!Number.isSafeInteger(nowMs) || nowMs <= 0) throw new Error(`connection ids: the clock reads ${nowMs}, not a positive integer of milliseconds`);
  const fromClock = nowMs * 1000;
  if (fromClock > MAX_ID) throw new Error(`connection ids: the clock (${nowMs} ms) is past the range of exact ids`);
  if (persistedHighWaterMark === undefined) return fromClock;
  if (!Number.isSafeInteger(persistedHighWaterMark) || persistedHighWaterMark < 0) throw new Error(`connection ids: invalid persisted high-water mark ${persistedHighWaterMark}`);
  return Math.max(fromClock, persistedHighWaterMark + 1);
}

/** Hands out connection ids from a floor, one more each time. Id 0 is never handed out: it marks control messages (front.ts CONTROL_CONNECTION). */
export class ConnectionIds {
  private next: number;
  private issued = 0;

  constructor(readonly floor: number = connectionIdFloor()) {
    if (!Number.isSafeInteger(floor) || floor < 1) throw new Error(`connection ids: invalid floor ${floor}`);
    this.next = floor;
  }

  allocate(): number {
    if (this.next > MAX_ID) throw new Error('connection ids: exhausted the range of exact ids');
    this.issued++;
    return this.next++;
  }

  /** Ids handed out so far. */
  get count(): number {
    return this.issued;
  }

  /**
   * The largest id handed out so far (floor − 1 before the first).
   * HOOK: what a durable log will persist, to pass back to `connectionIdFloor` at the next start.
   */
  get highWaterMark(): number {
    return this.next - 1;
  }
}
