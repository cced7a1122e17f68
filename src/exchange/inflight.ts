/**
 * Tracks inference requests in flight so shutdown can drain them: new requests are refused once
 * draining starts, and `idle()` resolves when the last one has finished (a stream counts until
 * its last byte). `abortAll` ends what is still running when the drain deadline passes.
 * @module
 */
import { SHUTDOWN } from "../proxy/mod.ts";

export class InFlight {
  #count = 0;
  #draining = false;
  #waiters: Array<() => void> = [];
  readonly #shutdown = new AbortController();

  get count(): number {
    return this.#count;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Aborted when the drain deadline passes: every request still running ends. */
  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  begin(): void {
    this.#count++;
  }

  end(): void {
    this.#count--;
    if (this.#count === 0) { for (const wake of this.#waiters.splice(0)) wake(); }
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
    this.#shutdown.abort(SHUTDOWN);
  }
}
