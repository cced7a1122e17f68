/**
 * The order in which waiting requests get freed slots: priority first (high, normal, low), then
 * arrival. A low request that has waited longer than `promoteAfterMs` counts as normal, so a
 * stream of normal traffic cannot starve it. Pure: no timers, no I/O — the admission controller
 * owns time and hands `now` in. Dequeue scans at most the waiting requests (a few thousand at
 * most, bounded by `[queue] max_size`), oldest first.
 * @module
 */

export type Priority = "high" | "normal" | "low";

export const PRIORITIES: readonly Priority[] = ["high", "normal", "low"];

export interface Waiting<B> {
  readonly priority: Priority;
  /** Monotonic ms when it was queued. */
  readonly queuedAt: number;
  /** Arrival order, unique and increasing (ties of `queuedAt` are common on a fast clock). */
  readonly seq: number;
  /** Whether this request can use a slot of `backend` now. */
  accepts(backend: B): boolean;
}

export class WaitQueue<B, W extends Waiting<B>> {
  readonly #lists: Record<Priority, W[]> = { high: [], normal: [], low: [] };
  readonly #promoteAfterMs: number;

  constructor(promoteAfterMs: number) {
    this.#promoteAfterMs = promoteAfterMs;
  }

  get size(): number {
    return this.#lists.high.length + this.#lists.normal.length + this.#lists.low.length;
  }

  /** Waiting requests queued with `priority` (as they arrived, promotion aside). */
  depth(priority: Priority): number {
    return this.#lists[priority].length;
  }

  add(waiting: W): void {
    this.#lists[waiting.priority].push(waiting);
  }

  /** Removes `waiting` (served elsewhere, gone, or timed out); false if it was not queued. */
  remove(waiting: W): boolean {
    const list = this.#lists[waiting.priority];
    const index = list.indexOf(waiting);
    if (index < 0) return false;
    list.splice(index, 1);
    return true;
  }

  /** The next request `backend` should serve, removed from the queue; undefined if none fits. */
  takeFor(backend: B, now: number): W | undefined {
    const chosen = this.#next(backend, now);
    if (chosen !== undefined) this.remove(chosen);
    return chosen;
  }

  /**
   * How many requests are ahead of `waiting` for a slot (0: it is next), as of `now`; -1 once it
   * has left the queue.
   */
  positionOf(waiting: W, now: number): number {
    if (!this.#lists[waiting.priority].includes(waiting)) return -1;
    const rank = this.#rank(waiting, now);
    let ahead = 0;
    for (const priority of PRIORITIES) {
      for (const other of this.#lists[priority]) {
        if (other === waiting) continue;
        const otherRank = this.#rank(other, now);
        if (otherRank < rank || (otherRank === rank && other.seq < waiting.seq)) ahead++;
      }
    }
    return ahead;
  }

  /** Removes and returns the queued requests `predicate` picks (their backends left). */
  removeWhere(predicate: (waiting: W) => boolean): W[] {
    const removed: W[] = [];
    for (const priority of PRIORITIES) {
      const list = this.#lists[priority];
      for (let i = list.length - 1; i >= 0; i--) {
        if (!predicate(list[i]!)) continue;
        removed.unshift(list[i]!);
        list.splice(i, 1);
      }
    }
    return removed;
  }

  /** Every queued request, emptied (shutdown). */
  takeAll(): W[] {
    const all = [...this.#lists.high, ...this.#lists.normal, ...this.#lists.low];
    for (const priority of PRIORITIES) this.#lists[priority].length = 0;
    return all;
  }

  /** 0 high, 1 normal (and promoted low), 2 low. */
  #rank(waiting: W, now: number): number {
    if (waiting.priority === "high") return 0;
    if (waiting.priority === "normal") return 1;
    return now - waiting.queuedAt > this.#promoteAfterMs ? 1 : 2;
  }

  #next(backend: B, now: number): W | undefined {
    const high = firstAccepting(this.#lists.high, backend);
    if (high !== undefined) return high;
    const normal = firstAccepting(this.#lists.normal, backend);
    // Low requests are FIFO, so the promoted ones (waited longest) come first in their list.
    let promoted: W | undefined;
    for (const low of this.#lists.low) {
      if (now - low.queuedAt <= this.#promoteAfterMs) break;
      if (low.accepts(backend)) {
        promoted = low;
        break;
      }
    }
    if (normal !== undefined && (promoted === undefined || normal.seq < promoted.seq)) {
      return normal;
    }
    if (promoted !== undefined) return promoted;
    return firstAccepting(this.#lists.low, backend);
  }
}

function firstAccepting<B, W extends Waiting<B>>(list: readonly W[], backend: B): W | undefined {
  for (const waiting of list) if (waiting.accepts(backend)) return waiting;
  return undefined;
}
