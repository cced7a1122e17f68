/**
 * One request's lifetime: every timer it schedules and every wait it makes end with it, so a
 * client abort, a stream cancel or a shutdown leaves nothing running.
 * @module
 */

export type EndReason = "completed" | "aborted" | "cut" | "shutdown";

/** Shared by all lifetimes of one mock, so tests can assert that no timer survived. */
export interface TimerCount {
  value: number;
}

export class RequestLifetime {
  readonly #timers = new Map<ReturnType<typeof setTimeout>, (fired: boolean) => void>();
  readonly #onEnd: ((reason: EndReason) => void)[] = [];
  readonly #count: TimerCount;
  #reason: EndReason | undefined;

  constructor(count: TimerCount) {
    this.#count = count;
  }

  get ended(): EndReason | undefined {
    return this.#reason;
  }

  /** Resolves true after `ms` (a real macrotask even for 0), false if the lifetime ends first. */
  sleep(ms: number): Promise<boolean> {
    if (this.#reason) return Promise.resolve(false);
    return new Promise((resolve) => {
      const id = setTimeout(() => {
        this.#timers.delete(id);
        this.#count.value--;
        resolve(true);
      }, ms);
      this.#timers.set(id, resolve);
      this.#count.value++;
    });
  }

  /** Resolves with the reason once the lifetime ends; schedules nothing. */
  untilEnd(): Promise<EndReason> {
    const reason = this.#reason;
    if (reason) return Promise.resolve(reason);
    return new Promise((resolve) => this.#onEnd.push(resolve));
  }

  onEnd(listener: (reason: EndReason) => void): void {
    if (this.#reason) listener(this.#reason);
    else this.#onEnd.push(listener);
  }

  /** Idempotent: only the first reason counts. */
  end(reason: EndReason): void {
    if (this.#reason) return;
    this.#reason = reason;
    for (const [id, resolve] of this.#timers) {
      clearTimeout(id);
      this.#count.value--;
      resolve(false);
    }
    this.#timers.clear();
    for (const listener of this.#onEnd.splice(0)) listener(reason);
  }
}
