/**
 * Log output gathered into one write every few milliseconds. `nexus serve` logs one line per
 * request; written and flushed one by one, that was a write system call per request — 18 µs of
 * the gateway's CPU per proxied request under load, more than the request's own routing and
 * forwarding (bench/RESULTS.md). Gathered, the cost is one call per batch.
 *
 * A line waits at most `delayMs` (10 ms); the owner flushes at once for what must not wait (a
 * warning or an error) and before the process exits.
 * @module
 */
import type { Clock, TimerHandle } from "./clock.ts";

/** Past this much pending text, write at once: a burst must not grow the buffer without bound. */
const MAX_PENDING = 64 * 1024;

export class BatchedWriter {
  readonly #write: (text: string) => void;
  readonly #clock: Clock;
  readonly #delayMs: number;
  #pending = "";
  #timer: TimerHandle | undefined;
  readonly #onTimer = () => {
    this.#timer = undefined;
    try {
      this.flush();
    } catch {
      // Nowhere to write (stdout closed: `nexus serve | head`): the lines are lost, the gateway
      // must not be. A direct flush (a warning, the exit) still throws to its caller.
    }
  };

  constructor(write: (text: string) => void, clock: Clock, delayMs = 10) {
    this.#write = write;
    this.#clock = clock;
    this.#delayMs = delayMs;
  }

  write(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= MAX_PENDING) this.flush();
    else this.#timer ??= this.#clock.setTimeout(this.#onTimer, this.#delayMs);
  }

  /** Writes everything pending now. */
  flush(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    this.#write(text);
  }
}
