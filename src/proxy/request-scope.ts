/**
 * Whether a forwarded request has ended (the client left, its deadline passed, shutdown) and
 * why: what its attempts and its wait in the admission queue read. It has the shape of an
 * `AbortSignal` where they need one — `aborted`, `reason`, and `abort` listeners, which only a
 * request waiting in the queue ever adds — without being one: an AbortController costs ~1 µs a
 * request to create and link in the runtime (bench/RESULTS.md), and only the upstream fetch
 * needs a real signal (the attempt's own).
 * @module
 */

export interface RequestEnd {
  readonly aborted: boolean;
  readonly reason: unknown;
}

export class RequestScope implements RequestEnd {
  #aborted = false;
  #reason: unknown = undefined;
  #listeners: Array<() => void> | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Ends the request once; later calls change nothing. Returns whether this call ended it. */
  end(reason: unknown): boolean {
    if (this.#aborted) return false;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners !== undefined) { for (const listener of listeners) listener(); }
    return true;
  }

  /** As `AbortSignal.addEventListener("abort", …, { once: true })`. */
  addEventListener(_type: "abort", listener: () => void, _options?: unknown): void {
    if (this.#aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const listeners = this.#listeners;
    if (listeners === undefined) return;
    const at = listeners.indexOf(listener);
    if (at >= 0) listeners.splice(at, 1);
  }
}
