/**
 * A backend's circuit breaker, fed by request outcomes (never probes): `closed` while fewer than
 * `failures` of its last `window` requests failed; then `open` — no traffic — until the cool-down
 * ends (a timer outside, src/health/breaker-cooldown.ts, calls `cool`); then `half_open`, where
 * exactly one trial request may begin (single flight: `admits` is false while it runs). The next
 * outcome decides: a success closes it with an empty window, a failure opens it again. That timer
 * also tells it when the cool-down ends (`coolsAt`), so a refusal can say how long to wait.
 *
 * Outcomes that arrive while it is open belong to requests begun before it opened: they change
 * nothing. The window is a ring of bits, so recording an outcome costs a few field writes.
 * (The state machine is property-tested against a plain model: tests/property/breaker.)
 * @module
 */

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerSettings {
  /** Failed requests among the last `window` that open the breaker; 0: it never opens. */
  readonly failures: number;
  readonly window: number;
}

/** What the rest of Nexus reads; changes go through the registry. */
export interface BreakerView {
  readonly state: BreakerState;
  /** Half-open and its trial request is running. */
  readonly trial: boolean;
  /** Whether a new request may begin on the backend now. */
  readonly admits: boolean;
  /** Failed requests in the window now (closed), for logs. */
  readonly failuresInWindow: number;
  /** Open: when (Clock.monotonic ms) its cool-down ends, once scheduled; otherwise undefined. */
  readonly coolsAt: number | undefined;
}

/** The same thresholds: a reload that sets them again keeps every backend's window. */
export function sameBreakerSettings(a: BreakerSettings, b: BreakerSettings): boolean {
  return a.failures === b.failures && a.window === b.window;
}

export class CircuitBreaker implements BreakerView {
  #settings: BreakerSettings;
  #state: BreakerState = "closed";
  #ring: Uint8Array;
  #next = 0;
  #filled = 0;
  #failures = 0;
  #trial = false;
  #coolsAt: number | undefined;

  constructor(settings: BreakerSettings) {
    this.#settings = settings;
    this.#ring = new Uint8Array(settings.window);
  }

  get state(): BreakerState {
    return this.#state;
  }

  get trial(): boolean {
    return this.#trial;
  }

  get admits(): boolean {
    return this.#state === "closed" || (this.#state === "half_open" && !this.#trial);
  }

  get failuresInWindow(): number {
    return this.#failures;
  }

  get coolsAt(): number | undefined {
    return this.#coolsAt;
  }

  /** The cool-down of the open breaker ends at `at` (the timer that will `cool` it says so). */
  coolingUntil(at: number): void {
    if (this.#state === "open") this.#coolsAt = at;
  }

  /** New thresholds: the window starts empty (a closed breaker stays closed). */
  configure(settings: BreakerSettings): void {
    this.#settings = settings;
    this.#ring = new Uint8Array(settings.window);
    this.#clearWindow();
  }

  /** A request begins on the backend; in half_open it is the trial. */
  begin(): void {
    if (this.#state === "half_open") this.#trial = true;
  }

  /** A request ended; returns the previous state when this outcome changed it. */
  record(failed: boolean): BreakerState | undefined {
    const previous = this.#state;
    if (previous === "open") return undefined;
    if (previous === "half_open") {
      this.#trial = false;
      if (failed) {
        this.#state = "open";
        this.#coolsAt = undefined;
      } else {
        this.#state = "closed";
        this.#clearWindow();
      }
      return previous;
    }
    const slot = this.#next;
    if (this.#filled === this.#ring.length) this.#failures -= this.#ring[slot]!;
    else this.#filled++;
    this.#ring[slot] = failed ? 1 : 0;
    this.#failures += failed ? 1 : 0;
    this.#next = (slot + 1) % this.#ring.length;
    const limit = this.#settings.failures;
    if (limit === 0 || this.#failures < limit) return undefined;
    this.#state = "open";
    this.#coolsAt = undefined;
    this.#clearWindow();
    return previous;
  }

  /** The cool-down ended: one trial may go. False when it was not open. */
  cool(): boolean {
    if (this.#state !== "open") return false;
    this.#state = "half_open";
    this.#trial = false;
    this.#coolsAt = undefined;
    return true;
  }

  #clearWindow(): void {
    this.#ring.fill(0);
    this.#next = 0;
    this.#filled = 0;
    this.#failures = 0;
  }
}
