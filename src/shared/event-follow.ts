/**
 * Following the event log without missing a late commit. An event's id and `createdAt` are given when
 * it is recorded, inside the transaction of its change, so a transaction that commits late makes an
 * event that sorts before one already read. A follower therefore reads again from the newest
 * `createdAt` it has seen minus {@link EVENT_LOOKBACK_MS}, oldest first, and skips the ids it already
 * passed on. Used by `GET /events/stream` (the events module) and `audenci listen` (the webhooks CLI).
 */

/** How far back each read starts from the newest event seen: the longest a transaction may take. */
export const EVENT_LOOKBACK_MS = 10_000;

/** The two things a follower needs of an event: its id and when it was recorded (epoch ms). */
export interface LogPosition {
  id: string;
  createdAtMs: number;
}

export class EventFollower {
  /** createdAt (ms) of the newest event seen. */
  private newestMs = 0;
  /** Ids seen with createdAt >= newestMs - lookback, with their createdAt. */
  private readonly seen = new Map<string, number>();

  /** `start`: follow after this event (the newest one there is, or where a client resumes); null: all. */
  constructor(
    /** The event following starts after: it and whatever sorts before it (createdAt, then id) never pass. */
    readonly start: LogPosition | null,
    private readonly lookbackMs = EVENT_LOOKBACK_MS,
  ) {
    if (start) this.see(start);
  }

  /** The `createdAt` (ms, inclusive) the next read starts from; undefined: from the beginning. */
  readFrom(): number | undefined {
    return this.newestMs > 0 ? Math.max(0, this.newestMs - this.lookbackMs) : undefined;
  }

  /**
   * True, once, for an event to pass on: not seen yet and after the start. Call it for every event a
   * read returns, in the read's order (createdAt, then id).
   */
  admit(event: LogPosition): boolean {
    if (this.seen.has(event.id) || this.beforeStart(event)) return false;
    this.see(event);
    return true;
  }

  private beforeStart(event: LogPosition): boolean {
    if (!this.start) return false;
    const at = event.createdAtMs;
    return at < this.start.createdAtMs || (at === this.start.createdAtMs && event.id <= this.start.id);
  }

  private see(event: LogPosition): void {
    const at = event.createdAtMs;
    this.seen.set(event.id, at);
    if (at > this.newestMs) {
      this.newestMs = at;
      for (const [id, seenAt] of this.seen) {
        if (seenAt < at - this.lookbackMs) this.seen.delete(id);
      }
    }
  }
}
