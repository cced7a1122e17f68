/**
 * One budget for the request bodies held at once (`server.max_inflight_body_bytes`). Each body is
 * counted from its first byte until its request ends (its text stays referenced while the request
 * is forwarded), so fifty concurrent large uploads cannot take a gigabyte: past the budget a
 * request gets 503 with `Retry-After` instead of memory.
 * @module
 */

export class BodyBudget {
  readonly #limit: () => number;
  #used = 0;

  /** `limit` may be a getter: a config reload changes it for the bodies that come next. */
  constructor(limit: number | (() => number)) {
    this.#limit = typeof limit === "number" ? () => limit : limit;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` from the budget, or nothing and false when they do not fit. */
  take(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.#used + bytes > this.#limit()) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

/** What one request holds of the budget; `release` gives all of it back, once. */
export class BodyReservation {
  readonly #budget: BodyBudget | undefined;
  #held = 0;

  constructor(budget: BodyBudget | undefined) {
    this.#budget = budget;
  }

  /** Adds `bytes` to what this request holds; false when the budget has no room. */
  take(bytes: number): boolean {
    if (!this.#budget) return true;
    if (!this.#budget.take(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  release(): void {
    this.#budget?.give(this.#held);
    this.#held = 0;
  }
}
