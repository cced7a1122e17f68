/**
 * The dashboard's charts: one point per wall-clock minute for the last hour, in a ring of
 * `MINUTES` slots reused as the minutes pass. A point holds requests by status class, the queue's
 * deepest moment, and per backend a time-to-first-token histogram (log buckets: p50/p95 within
 * ±10%) and the tokens generated. Bounded: at most `MAX_BACKENDS` backends per minute (the rest
 * count under "other"), so the whole series stays under ~0.6 MB whatever the traffic.
 * @module
 */

export const MINUTES = 60;
export const MAX_BACKENDS = 32;
const MINUTE_MS = 60_000;
/** Bucket i holds TTFTs up to GROWTH^i ms: 1 ms … ~97 s in 64 buckets, ±10% per bucket. */
const GROWTH = 1.2;
const BUCKETS = 64;
const LOG_GROWTH = Math.log(GROWTH);
const OTHER = "other";

/** One point of the series as `/ui/events` sends it (docs/api.md). */
export interface PointJson {
  /** Wall-clock ms when the minute began. */
  readonly t: number;
  /** Seconds of the minute covered so far (60 once it is over): rates divide by it. */
  readonly seconds: number;
  /** Requests answered 1xx–3xx, 4xx and 5xx. */
  readonly ok: number;
  readonly client_error: number;
  readonly server_error: number;
  /** The most requests seen waiting in the queue at once. */
  readonly queue_max: number;
  readonly backends: Readonly<Record<string, BackendPointJson>>;
}

export interface BackendPointJson {
  readonly ttft_p50: number | null;
  readonly ttft_p95: number | null;
  readonly tokens_out: number;
  readonly requests: number;
}

class BackendMinute {
  readonly ttft = new Uint32Array(BUCKETS);
  ttftCount = 0;
  tokensOut = 0;
  requests = 0;

  json(): BackendPointJson {
    return {
      ttft_p50: this.#quantile(0.5),
      ttft_p95: this.#quantile(0.95),
      tokens_out: this.tokensOut,
      requests: this.requests,
    };
  }

  #quantile(q: number): number | null {
    if (this.ttftCount === 0) return null;
    const rank = Math.ceil(q * this.ttftCount);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.ttft[i]!;
      // The bucket's geometric middle: within ±10% of every value it holds.
      if (seen >= rank) return Math.round(GROWTH ** (i - 0.5) * 10) / 10;
    }
    return null;
  }
}

class Minute {
  minute = -1;
  ok = 0;
  clientError = 0;
  serverError = 0;
  queueMax = 0;
  backends = new Map<string, BackendMinute>();

  reset(minute: number): void {
    this.minute = minute;
    this.ok =
      this.clientError =
      this.serverError =
      this.queueMax =
        0;
    if (this.backends.size > 0) this.backends = new Map();
  }

  backend(name: string): BackendMinute {
    let entry = this.backends.get(name);
    if (entry === undefined) {
      const key = this.backends.size >= MAX_BACKENDS ? OTHER : name;
      entry = this.backends.get(key) ?? new BackendMinute();
      this.backends.set(key, entry);
    }
    return entry;
  }

  json(now: number): PointJson {
    const start = this.minute * MINUTE_MS;
    const backends: Record<string, BackendPointJson> = {};
    for (const [name, entry] of this.backends) backends[name] = entry.json();
    return {
      t: start,
      seconds: Math.min(60, Math.max(1, Math.round((now - start) / 1000))),
      ok: this.ok,
      client_error: this.clientError,
      server_error: this.serverError,
      queue_max: this.queueMax,
      backends,
    };
  }
}

export interface RequestSample {
  readonly status: number;
  readonly backend: string | undefined;
  readonly ttftMs: number | undefined;
  readonly tokensOut: number | undefined;
}

export class MinuteSeries {
  readonly #minutes: Minute[] = Array.from({ length: MINUTES }, () => new Minute());

  /** A finished request at wall time `now`. */
  record(now: number, sample: RequestSample): void {
    const minute = this.#at(now);
    if (sample.status >= 500) minute.serverError++;
    else if (sample.status >= 400) minute.clientError++;
    else minute.ok++;
    if (sample.backend === undefined) return;
    const backend = minute.backend(sample.backend);
    backend.requests++;
    if (sample.tokensOut !== undefined) backend.tokensOut += sample.tokensOut;
    if (sample.ttftMs !== undefined) {
      const i = sample.ttftMs <= 1 ? 0 : Math.ceil(Math.log(sample.ttftMs) / LOG_GROWTH);
      backend.ttft[Math.min(BUCKETS - 1, i)]!++;
      backend.ttftCount++;
    }
  }

  /** The queue held `depth` requests at wall time `now`. */
  sampleQueue(now: number, depth: number): void {
    const minute = this.#at(now);
    if (depth > minute.queueMax) minute.queueMax = depth;
  }

  /** The last `count` minutes up to `now`, oldest first; minutes with no data are left out. */
  points(now: number, count = MINUTES): PointJson[] {
    const current = Math.floor(now / MINUTE_MS);
    const list: PointJson[] = [];
    for (let m = current - Math.min(count, MINUTES) + 1; m <= current; m++) {
      const slot = this.#minutes[m % MINUTES]!;
      if (slot.minute === m) list.push(slot.json(now));
    }
    return list;
  }

  #at(now: number): Minute {
    const minute = Math.floor(now / MINUTE_MS);
    const slot = this.#minutes[minute % MINUTES]!;
    if (slot.minute !== minute) slot.reset(minute);
    return slot;
  }
}
