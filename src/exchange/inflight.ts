/**
 * Tracks inference requests in flight so shutdown can drain them: new requests are refused once
 * draining starts, and `idle()` resolves when the last one has finished (a stream counts until
 * its last byte). `abortAll` ends what is still running when the drain deadline passes.
 *
 * What `abortAll` ends is a table of forwardings, not listeners on one shared AbortSignal: an
 * EventTarget removes a listener by scanning its list, so with thousands of streams open each
 * finished request would pay for all the others (and a listener per request cost ~1 µs more).
 * The table is a `SlotTable` (src/lib/slot-table.ts), each request's forwarding in a slot it
 * hands back at its end, not a `Set`: end to end the `Set` cost 5–10 % of a chat request's CPU
 * (bench/cpu.ts, both orders), far more than its ~45 ns in process, through the collector
 * (collection time 14–15 → 4.4–4.6 µs per request; specs/023-performance-floor/walkthrough.md,
 * "Sixth round").
 * @module
 */
import { SlotTable } from "../lib/slot-table.ts";
import { SHUTDOWN } from "../proxy/mod.ts";

/** What `abortAll` can end: a forwarding (`Forwarding.cancel`). */
export interface Cancellable {
  cancel(reason: unknown): void;
}

export class InFlight {
  #count = 0;
  #draining = false;
  #aborted = false;
  #waiters: Array<() => void> = [];
  /** The work running now (forwardings), each in the slot `track` returned. */
  readonly #running = new SlotTable<Cancellable>();
  /** Made only when something waits outside a forwarding (a wake): no request pays for it. */
  #shutdown: AbortController | undefined;

  get count(): number {
    return this.#count;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Aborted when the drain deadline passes, for waits that are not a forwarding (a wake). */
  get shutdownSignal(): AbortSignal {
    if (this.#shutdown === undefined) {
      this.#shutdown = new AbortController();
      if (this.#aborted) this.#shutdown.abort(SHUTDOWN);
    }
    return this.#shutdown.signal;
  }

  begin(): void {
    this.#count++;
  }

  end(): void {
    this.#count--;
    // Only when something waits (the drain): the request that empties the gateway, which at low
    // concurrency is most of them, copies no array.
    if (this.#count === 0 && this.#waiters.length > 0) {
      for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /**
   * `work` is ended by `abortAll` until `untrack` is given the slot returned here. After
   * `abortAll` it is ended at once (a body still uploading when the drain deadline passed must
   * not be forwarded uncancellable) and holds no slot.
   */
  track(work: Cancellable): number {
    if (this.#aborted) {
      work.cancel(SHUTDOWN);
      return NO_SLOT;
    }
    return this.#running.add(work);
  }

  /** The work in `slot` (from `track`) is over; the slot is free for the next. */
  untrack(slot: number): void {
    // After abortAll the table is empty: a slot given out before it (or NO_SLOT) frees nothing.
    this.#running.remove(slot);
  }

  /** Refuse new requests from now on. */
  drain(): void {
    this.#draining = true;
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    return this.#count === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends every request still running (each stream gets one in-stream error event). */
  abortAll(): void {
    this.#aborted = true;
    this.#shutdown?.abort(SHUTDOWN);
    // Emptied before any is cancelled: a cancel that ends its request at once finds no slot.
    const running = this.#running.values();
    this.#running.clear();
    for (const work of running) work.cancel(SHUTDOWN);
  }
}

/** What `track` returns for work it ended at once: nothing to untrack. */
export const NO_SLOT = -1;
