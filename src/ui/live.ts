/**
 * Requests in flight, for the dashboard's "now" list. The exchange pipeline tells this watcher
 * about a request only while a browser has the dashboard open (`watching`); with none open it
 * holds nothing and is asked nothing. A request that started before the first browser connected
 * shows up when it completes, in the history.
 * @module
 */
import type { ExchangeWatch, LivePhase, LiveRequest } from "../exchange/mod.ts";
import { SlotTable } from "../lib/slot-table.ts";

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
 * The requests are kept in a `SlotTable` (src/lib/slot-table.ts), not a `Set`: with a `Set` that
 * gains and loses an entry per request, a dashboard open under load cost ~20 µs of collection per
 * request on Bun (specs/023-performance-floor/walkthrough.md, "Sixth round").
 */
export class LiveRequests implements ExchangeWatch {
  /** The requests in flight, each in the slot `begin` returned. */
  readonly #requests = new SlotTable<LiveRequest>();
  #watchers = 0;
  /** Something started or ended since the last `take`. */
  #changed = false;

  get watching(): boolean {
    return this.#watchers > 0;
  }

  get count(): number {
    return this.#requests.size;
  }

  begin(request: LiveRequest): number {
    this.#changed = true;
    return this.#requests.add(request);
  }

  /** `slot` is what `begin` returned; a request from before the last browser left is not held. */
  end(request: LiveRequest, slot: number): void {
    if (this.#requests.remove(slot, request) === undefined) return;
    this.#changed = true;
  }

  /** A browser connected. */
  watch(): void {
    this.#watchers++;
  }

  /** A browser left; with none left, nothing in flight is held any more. */
  unwatch(): void {
    this.#watchers = Math.max(0, this.#watchers - 1);
    if (this.#watchers === 0) this.#requests.clear();
  }

  /** True once after anything started or ended. */
  takeChanged(): boolean {
    const changed = this.#changed;
    this.#changed = false;
    return changed;
  }

  /** Oldest first, at most LIVE_LIMIT; `now` is monotonic ms. */
  json(now: number): LiveJson[] {
    const requests = this.#requests.values().sort((a, b) => a.receivedAt - b.receivedAt);
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
