/**
 * Requests in flight, for the dashboard's "now" list. The exchange pipeline tells this watcher
 * about a request only while a browser has the dashboard open (`watching`); with none open it
 * holds nothing and is asked nothing. A request that started before the first browser connected
 * shows up when it completes, in the history.
 * @module
 */
import type { ExchangeWatch, LivePhase, LiveRequest } from "../exchange/mod.ts";

/** At most this many requests in flight are listed (the count says how many there are). */
export const LIVE_LIMIT = 100;

/** A request in flight as `/ui/events` sends it (docs/api.md). */
export interface LiveJson {
  readonly id: string;
  readonly endpoint: string;
  readonly model: string | null;
  readonly served_model: string | null;
  readonly backend: string | null;
  readonly phase: LivePhase;
  readonly stream: boolean;
  readonly priority: string;
  readonly elapsed_ms: number;
}

/**
 * The requests are kept in an array of slots with a free list, not a `Set`: on Bun, a `Set` or
 * `Map` that gains and loses an entry per request keeps every deleted entry reachable until the
 * next young-generation collection, which then marks and promotes each of them (and with them
 * each request's whole object graph): a dashboard open under load cost ~20 µs of collection per
 * request that way (specs/023-performance-floor/walkthrough.md, "Sixth round").
 */
export class LiveRequests implements ExchangeWatch {
  /** The requests in flight, by slot; `undefined` in a free slot. */
  readonly #slots: (LiveRequest | undefined)[] = [];
  /** Free slots of `#slots`, reused before it grows. */
  readonly #free: number[] = [];
  #count = 0;
  #watchers = 0;
  /** Something started or ended since the last `take`. */
  #changed = false;

  get watching(): boolean {
    return this.#watchers > 0;
  }

  get count(): number {
    return this.#count;
  }

  begin(request: LiveRequest): number {
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slots[slot] = request;
    this.#count++;
    this.#changed = true;
    return slot;
  }

  /** `slot` is what `begin` returned; a request from before the last browser left is not held. */
  end(request: LiveRequest, slot: number): void {
    if (this.#slots[slot] !== request) return;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
    this.#count--;
    this.#changed = true;
  }

  /** A browser connected. */
  watch(): void {
    this.#watchers++;
  }

  /** A browser left; with none left, nothing in flight is held any more. */
  unwatch(): void {
    this.#watchers = Math.max(0, this.#watchers - 1);
    if (this.#watchers === 0) {
      this.#slots.length = 0;
      this.#free.length = 0;
      this.#count = 0;
    }
  }

  /** True once after anything started or ended. */
  takeChanged(): boolean {
    const changed = this.#changed;
    this.#changed = false;
    return changed;
  }

  /** Oldest first, at most LIVE_LIMIT; `now` is monotonic ms. */
  json(now: number): LiveJson[] {
    const requests = this.#slots.filter((request) => request !== undefined)
      .sort((a, b) => a.receivedAt - b.receivedAt);
    const list: LiveJson[] = [];
    for (const request of requests) {
      if (list.length >= LIVE_LIMIT) break;
      list.push({
        id: request.requestId,
        endpoint: request.endpoint,
        model: request.requestedModel ?? null,
        served_model: request.servedModel ?? null,
        backend: request.backend ?? null,
        phase: request.phase,
        stream: request.stream,
        priority: request.priority,
        elapsed_ms: Math.round(now - request.receivedAt),
      });
    }
    return list;
  }
}
