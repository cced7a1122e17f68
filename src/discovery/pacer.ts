/**
 * Backoff per question: the first ask goes at once, a repeat only after 1 s, then 2 s, 4 s …
 * up to the cap, so a record nobody answers costs a few packets an hour, not one per packet
 * heard. An answer resets the question.
 * @module
 */

/** Entries kept at most; beyond it, questions whose wait is over are forgotten first. */
const MAX_ENTRIES = 1024;

export class QuestionPacer {
  readonly #next = new Map<string, { at: number; interval: number }>();

  constructor(readonly firstIntervalMs: number, readonly maxIntervalMs: number) {}

  /** True when the question may go out at `now`; it then waits for the next interval. */
  allow(key: string, now: number): boolean {
    const entry = this.#next.get(key);
    if (entry && now < entry.at) return false;
    const interval = entry
      ? Math.min(entry.interval * 2, this.maxIntervalMs)
      : this.firstIntervalMs;
    if (!entry && this.#next.size >= MAX_ENTRIES) this.#forgetDue(now);
    this.#next.set(key, { at: now + interval, interval });
    return true;
  }

  /** The record arrived: the next time it is missing, ask at once again. */
  answered(key: string): void {
    this.#next.delete(key);
  }

  #forgetDue(now: number): void {
    for (const [key, entry] of this.#next) if (entry.at <= now) this.#next.delete(key);
    if (this.#next.size >= MAX_ENTRIES) this.#next.clear();
  }
}
