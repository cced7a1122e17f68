/**
 * Tracks inference requests in flight so shutdown can drain them: new requests are refused once
 * draining starts, and `idle()` resolves when the last one has finished (a stream counts until
 * its last byte). `abortAll` ends what is still running when the drain deadline passes.
 *
 * What `abortAll` ends is a plain set of forwardings, not listeners on one shared AbortSignal:
 * an EventTarget removes a listener by scanning its list, so with thousands of streams open each
 * finished request would pay for all the others (and a listener per request cost ~1 µs more).
 * @module
 */
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
  readonly #running = new Set<Cancellable>();
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
   * `work` is ended by `abortAll` until `untrack`. After `abortAll` it is ended at once (a body
   * still uploading when the drain deadline passed must not be forwarded uncancellable).
   */
  track(work: Cancellable): void {
    if (this.#aborted) work.cancel(SHUTDOWN);
    else this.#running.add(work);
  }

  untrack(work: Cancellable): void {
    this.#running.delete(work);
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
    for (const work of [...this.#running]) work.cancel(SHUTDOWN);
    this.#running.clear();
  }
}
