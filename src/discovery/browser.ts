/**
 * The DNS-SD browser: a state machine fed datagrams and clock ticks, emitting found / changed /
 * lost service events. It is answer-driven: every response on the link is cached, unsolicited
 * announcements included, and questions go out only when something is missing — the browse query
 * at start and then after 1 s, 2 s, 4 s … capped at 60 s (late starters), a query for a
 * record a PTR or SRV points at but nobody sent (each backing off the same way), and refresh
 * queries at 80 % and 90 % of a record's TTL (RFC 6762 §5.2). No socket here: `send` and the
 * datagrams come from the caller, so tests drive it with synthetic packets and a fake clock.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import type { Datagram } from "../runtime/mod.ts";
import { type CachedRecord, RecordCache } from "./cache.ts";
import {
  decodeMessage,
  type DnsMessage,
  type DnsName,
  type DnsQuestion,
  type DnsRecord,
  encodeQuery,
  RR_A,
  RR_AAAA,
  RR_PTR,
} from "./dns-codec.ts";
import { nameKey } from "./names.ts";
import { QuestionPacer } from "./pacer.ts";
import {
  findCandidates,
  isServiceRecord,
  type Resolution,
  resolveCandidate,
  type ResolvedService,
  sameService,
  srvTargets,
} from "./resolve.ts";

export type BrowserEvent =
  | { readonly kind: "found"; readonly service: ResolvedService }
  | {
    readonly kind: "changed";
    readonly service: ResolvedService;
    readonly previous: ResolvedService;
  }
  | {
    readonly kind: "lost";
    readonly service: ResolvedService;
    readonly reason: "goodbye" | "expired";
  };

export interface BrowserDeps {
  readonly clock: Clock;
  readonly serviceTypes: readonly DnsName[];
  /** RFC 6762 §6: responses come from the mDNS port; anything else is not an mDNS answer. */
  readonly port: number;
  readonly send: (query: Uint8Array) => void;
  readonly onEvent: (event: BrowserEvent) => void;
  /** A datagram was dropped (malformed, wrong port): for a debug log line. */
  readonly onDrop?: (reason: string, from: string) => void;
}

export const FIRST_REQUERY_MS = 1000;
export const MAX_REQUERY_MS = 60_000;
/** Questions per packet; more wait for the next one (a query stays far below 9000 bytes). */
const MAX_QUESTIONS = 32;

export class ServiceBrowser {
  readonly #deps: BrowserDeps;
  readonly #serviceKeys: ReadonlyMap<string, DnsName>;
  readonly #cache = new RecordCache();
  readonly #pacer = new QuestionPacer(FIRST_REQUERY_MS, MAX_REQUERY_MS);
  #resolved = new Map<string, Resolution>();
  #browseInterval = FIRST_REQUERY_MS;
  #browseTimer: TimerHandle | undefined;
  #cacheTimer: TimerHandle | undefined;
  #cacheTimerAt: number | undefined;
  #running = false;

  constructor(deps: BrowserDeps) {
    this.#deps = deps;
    this.#serviceKeys = new Map(deps.serviceTypes.map((type) => [nameKey(type), type]));
  }

  /** Sends the first browse query and schedules the next ones. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#browse();
  }

  stop(): void {
    this.#running = false;
    for (const timer of [this.#browseTimer, this.#cacheTimer]) {
      if (timer !== undefined) this.#deps.clock.clearTimeout(timer);
    }
    this.#browseTimer = this.#cacheTimer = this.#cacheTimerAt = undefined;
  }

  /** Services resolved now. */
  get services(): ResolvedService[] {
    return [...this.#resolved.values()].map((resolution) => resolution.service);
  }

  /** Records cached now (bounded by the cache's capacity). */
  get cachedRecords(): number {
    return this.#cache.size;
  }

  /** Handles one datagram from the socket; never throws, whatever the bytes. */
  handleDatagram(datagram: Datagram): void {
    const from = `${datagram.address}:${datagram.port}`;
    if (datagram.port !== this.#deps.port) {
      return this.#deps.onDrop?.("not from the mDNS port", from);
    }
    let message: DnsMessage;
    try {
      message = decodeMessage(datagram.data);
    } catch (error) {
      return this.#deps.onDrop?.((error as Error).message, from);
    }
    this.handleMessage(message, datagram.address);
  }

  /** Handles one decoded message; `source` is the address it came from, when known. */
  handleMessage(message: DnsMessage, source?: string): void {
    // Queries (ours looped back, other browsers') and non-standard opcodes carry no answers.
    if (!this.#running || !message.isResponse || message.opcode !== 0 || message.rcode !== 0) {
      return;
    }
    const now = this.#deps.clock.monotonic();
    const isAddress = (r: DnsRecord) => r.data.type === RR_A || r.data.type === RR_AAAA;
    for (const record of message.records) {
      if (!isAddress(record) && isServiceRecord(record, this.#serviceKeys)) {
        this.#store(record, now, source);
      }
    }
    // Address records only for hosts some cached SRV points at: the cache keeps no stranger's.
    const targets = srvTargets(this.#cache, this.#deps.serviceTypes);
    for (const record of message.records) {
      if (isAddress(record) && targets.has(nameKey(record.name))) this.#store(record, now, source);
    }
    this.#update(new Set(), []);
  }

  #store(record: DnsRecord, now: number, source: string | undefined): void {
    this.#cache.put(record, now, source);
    if (record.ttl > 0) this.#pacer.answered(questionKey(record.name, record.data.type));
  }

  #browse(): void {
    if (!this.#running) return;
    const browse = this.#deps.serviceTypes.map((name) => ({ name, type: RR_PTR }));
    this.#update(new Set(), browse);
    this.#browseTimer = this.#deps.clock.setTimeout(() => this.#browse(), this.#browseInterval);
    this.#browseInterval = Math.min(this.#browseInterval * 2, MAX_REQUERY_MS);
  }

  #onCacheTimer(scheduledAt: number): void {
    this.#cacheTimer = this.#cacheTimerAt = undefined;
    if (!this.#running) return;
    // A timer may fire a hair early on a real clock; never treat the deadline as not yet due.
    const now = Math.max(this.#deps.clock.monotonic(), scheduledAt);
    const goodbyes = new Set(
      this.#cache.expire(now).filter((entry) => entry.goodbye).map((entry) => entry.identity),
    );
    const refresh = this.#cache.takeRefreshes(now).map((entry: CachedRecord) => ({
      name: entry.record.name,
      type: entry.record.data.type,
    }));
    this.#update(goodbyes, refresh);
  }

  /** Re-resolves every instance, emits what changed, asks what is missing, re-arms the timer. */
  #update(goodbyes: ReadonlySet<string>, questions: DnsQuestion[]): void {
    const now = this.#deps.clock.monotonic();
    const next = new Map<string, Resolution>();
    const events: BrowserEvent[] = [];
    const ask = [...questions];
    for (const candidate of findCandidates(this.#cache, this.#deps.serviceTypes)) {
      const { resolution, missing } = resolveCandidate(
        this.#cache,
        candidate,
        this.#resolved.get(candidate.key),
      );
      if (resolution) next.set(candidate.key, resolution);
      for (const question of missing) {
        if (this.#pacer.allow(questionKey(question.name, question.type), now)) ask.push(question);
      }
    }
    for (const [key, previous] of this.#resolved) {
      if (next.has(key)) continue;
      const saidGoodbye = [previous.ptr, previous.srv, previous.address].some((id) =>
        goodbyes.has(id)
      );
      events.push({
        kind: "lost",
        service: previous.service,
        reason: saidGoodbye ? "goodbye" : "expired",
      });
    }
    for (const [key, { service }] of next) {
      const previous = this.#resolved.get(key)?.service;
      if (!previous) events.push({ kind: "found", service });
      else if (!sameService(previous, service)) events.push({ kind: "changed", service, previous });
    }
    this.#resolved = next;
    this.#send(ask);
    this.#armCacheTimer(now);
    for (const event of events) this.#deps.onEvent(event);
  }

  #send(questions: readonly DnsQuestion[]): void {
    const unique = new Map(questions.map((q) => [questionKey(q.name, q.type), q]));
    const batch = [...unique.values()].slice(0, MAX_QUESTIONS);
    if (batch.length === 0) return;
    let packet: Uint8Array;
    try {
      packet = encodeQuery(batch);
    } catch {
      // A received name that does not re-encode (a label over 63 bytes once decoded) is asked
      // about no more; the rest of the batch still goes.
      const encodable = batch.filter((q) => canEncode(q));
      if (encodable.length === 0) return;
      packet = encodeQuery(encodable);
    }
    this.#deps.send(packet);
  }

  #armCacheTimer(now: number): void {
    const deadline = this.#cache.nextDeadline();
    if (deadline === this.#cacheTimerAt) return;
    if (this.#cacheTimer !== undefined) this.#deps.clock.clearTimeout(this.#cacheTimer);
    this.#cacheTimer = this.#cacheTimerAt = undefined;
    if (deadline === undefined || !this.#running) return;
    this.#cacheTimerAt = deadline;
    this.#cacheTimer = this.#deps.clock.setTimeout(
      () => this.#onCacheTimer(deadline),
      Math.max(0, deadline - now),
    );
  }
}

function questionKey(name: DnsName, type: number): string {
  return `${nameKey(name)}|${type}`;
}

function canEncode(question: DnsQuestion): boolean {
  try {
    encodeQuery([question]);
    return true;
  } catch {
    return false;
  }
}
