/**
 * The mDNS record cache (RFC 6762 §5.2, §10): every record lives for its TTL; a goodbye (TTL 0)
 * or a cache-flush answer ends older records one second later rather than at once, so a
 * responder can still refute it; a refresh query is due at 80 % and 90 % of each TTL. Times are
 * plain milliseconds from the injected clock, so the whole life cycle is tested without sleeps.
 *
 * The cache is bounded, and a flood cannot lock it: one source address holds at most
 * `perSource` records and one service type at most `perServiceType`; when a bound (or the
 * capacity) is reached, the record confirmed least recently in that group gives way. A new
 * record always gets in, so a burst of long-lived fake announcements delays a real server by
 * nothing more than its own arrival.
 * @module
 */
import { type DnsRecord, RR_A, RR_AAAA, RR_PTR, RR_SRV, RR_TXT } from "./dns-codec.ts";
import { nameKey } from "./names.ts";

export interface CachedRecord {
  readonly record: DnsRecord;
  readonly nameKey: string;
  /** Name, type and data: the same record announced again refreshes this entry. */
  readonly identity: string;
  /** Order of first arrival; the earliest of several equal choices is kept (no flapping). */
  readonly sequence: number;
  receivedAt: number;
  expiresAt: number;
  /** Pending refresh-query times, ascending. */
  refreshAt: number[];
  /** Ending because its owner said goodbye (not because it timed out or was flushed). */
  goodbye: boolean;
  /** The address the record came from, when known (per-source bound). */
  readonly source: string | undefined;
  /** The service type it belongs to (PTR, SRV, TXT), for the per-type bound. */
  readonly serviceType: string | undefined;
}

export interface CacheLimits {
  /** Records in all. */
  readonly capacity: number;
  /** Records from one source address. */
  readonly perSource: number;
  /** PTR, SRV and TXT records of one service type. */
  readonly perServiceType: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = {
  capacity: 512,
  perSource: 128,
  perServiceType: 256,
};

/** RFC 6762 §10.1, §10.2: the second a goodbye or flushed record is kept for a refutation. */
export const FLUSH_DELAY_MS = 1000;
/** Bounds timers (setTimeout overflows past 2^31 ms) and keeps no stale record for long. */
const MAX_TTL_SECONDS = 24 * 60 * 60;
const REFRESH_POINTS = [0.8, 0.9];

export class RecordCache {
  readonly #records = new Map<string, CachedRecord>();
  readonly #bySource = new Map<string, number>();
  readonly #byType = new Map<string, number>();
  readonly limits: CacheLimits;
  #sequence = 0;

  constructor(limits: Partial<CacheLimits> = {}) {
    this.limits = { ...DEFAULT_CACHE_LIMITS, ...limits };
  }

  get capacity(): number {
    return this.limits.capacity;
  }

  get size(): number {
    return this.#records.size;
  }

  /**
   * Stores, refreshes or (TTL 0) schedules the end of a record received at `now` from `source`.
   */
  put(record: DnsRecord, now: number, source?: string): void {
    const key = nameKey(record.name);
    const identity = `${key}|${record.data.type}|${dataKey(record)}`;
    const existing = this.#records.get(identity);
    if (record.ttl === 0) {
      if (existing) endSoon(existing, now, true);
      return;
    }
    if (record.cacheFlush) {
      for (const other of this.find(key, record.data.type)) {
        // Records of one announcement burst may arrive in several packets within a second.
        if (other.identity !== identity && other.receivedAt < now - FLUSH_DELAY_MS) {
          endSoon(other, now, false);
        }
      }
    }
    const ttlMs = Math.min(record.ttl, MAX_TTL_SECONDS) * 1000;
    const refreshAt = REFRESH_POINTS.map((point) => now + ttlMs * point);
    if (existing) {
      Object.assign(existing, {
        receivedAt: now,
        expiresAt: now + ttlMs,
        refreshAt,
        goodbye: false,
      });
      return;
    }
    const serviceType = serviceTypeOf(record);
    this.#makeRoom(source, serviceType);
    this.#records.set(identity, {
      record,
      nameKey: key,
      identity,
      sequence: this.#sequence++,
      receivedAt: now,
      expiresAt: now + ttlMs,
      refreshAt,
      goodbye: false,
      source,
      serviceType,
    });
    count(this.#bySource, source, 1);
    count(this.#byType, serviceType, 1);
  }

  /** Evicts, least recently confirmed first, until a record of this source and type fits. */
  #makeRoom(source: string | undefined, serviceType: string | undefined): void {
    const { capacity, perSource, perServiceType } = this.limits;
    if (source !== undefined && (this.#bySource.get(source) ?? 0) >= perSource) {
      this.#evictOldest((entry) => entry.source === source);
    }
    if (serviceType !== undefined && (this.#byType.get(serviceType) ?? 0) >= perServiceType) {
      this.#evictOldest((entry) => entry.serviceType === serviceType);
    }
    while (this.#records.size >= capacity) this.#evictOldest(() => true);
  }

  #evictOldest(matches: (entry: CachedRecord) => boolean): void {
    let oldest: CachedRecord | undefined;
    for (const entry of this.#records.values()) {
      if (!matches(entry)) continue;
      if (
        !oldest || entry.receivedAt < oldest.receivedAt ||
        (entry.receivedAt === oldest.receivedAt && entry.sequence < oldest.sequence)
      ) oldest = entry;
    }
    if (oldest) this.#delete(oldest);
  }

  #delete(entry: CachedRecord): void {
    this.#records.delete(entry.identity);
    count(this.#bySource, entry.source, -1);
    count(this.#byType, entry.serviceType, -1);
  }

  /** Live records of a name and type, in order of first arrival. */
  find(key: string, type: number): CachedRecord[] {
    const found: CachedRecord[] = [];
    for (const entry of this.#records.values()) {
      if (entry.nameKey === key && entry.record.data.type === type) found.push(entry);
    }
    return found.sort((a, b) => a.sequence - b.sequence);
  }

  /** Removes and returns the records whose time has come. */
  expire(now: number): CachedRecord[] {
    const expired: CachedRecord[] = [];
    for (const entry of [...this.#records.values()]) {
      if (entry.expiresAt <= now) {
        this.#delete(entry);
        expired.push(entry);
      }
    }
    return expired;
  }

  /** Records with a refresh point reached; each point is handed out once. */
  takeRefreshes(now: number): CachedRecord[] {
    const due: CachedRecord[] = [];
    for (const entry of this.#records.values()) {
      if (entry.refreshAt.length === 0 || entry.refreshAt[0]! > now) continue;
      entry.refreshAt = entry.refreshAt.filter((at) => at > now);
      due.push(entry);
    }
    return due;
  }

  /** The earliest expiry or refresh time, for the one timer the browser keeps. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const entry of this.#records.values()) {
      const at = Math.min(entry.expiresAt, entry.refreshAt[0] ?? Infinity);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  clear(): void {
    this.#records.clear();
    this.#bySource.clear();
    this.#byType.clear();
  }
}

function count(counts: Map<string, number>, key: string | undefined, delta: number): void {
  if (key === undefined) return;
  const next = (counts.get(key) ?? 0) + delta;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/** `_ollama._tcp.local` for its PTR, or an instance's SRV/TXT; none for address records. */
function serviceTypeOf(record: DnsRecord): string | undefined {
  const type = record.data.type;
  if (type === RR_PTR) return nameKey(record.name);
  if (type === RR_SRV || type === RR_TXT) return nameKey(record.name.slice(1));
  return undefined;
}

function endSoon(entry: CachedRecord, now: number, goodbye: boolean): void {
  entry.expiresAt = Math.min(entry.expiresAt, now + FLUSH_DELAY_MS);
  entry.refreshAt = [];
  entry.goodbye ||= goodbye;
}

function dataKey(record: DnsRecord): string {
  const data = record.data;
  switch (data.type) {
    case RR_A:
    case RR_AAAA:
      return data.address;
    case RR_PTR:
      return nameKey(data.target);
    case RR_SRV:
      return `${data.priority}/${data.weight}/${data.port}/${nameKey(data.target)}`;
    case RR_TXT:
      return data.strings.map((s) => Array.from(s, (b) => b.toString(16).padStart(2, "0")).join(""))
        .join(",");
  }
}
