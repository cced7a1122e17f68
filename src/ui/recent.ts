/**
 * The last completed requests, newest last: a ring of `RECENT_SIZE` preallocated slots that are
 * overwritten in place, so recording a request allocates nothing in steady state (a request
 * that failed over copies its attempts). Only metadata is kept: never a prompt or a completion.
 * @module
 */
import type { ExchangeEvent } from "../exchange/mod.ts";
import type { RequestRecord } from "../metrics/mod.ts";
import type { StreamEnd } from "../proxy/mod.ts";

/** Completed requests kept for the dashboard (about 300 bytes each). */
export const RECENT_SIZE = 200;
/** Failure messages are cut to this many characters: enough to say what failed. */
const MESSAGE_CHARS = 300;

/** One attempt that failed before the request was answered (failover). */
export interface AttemptJson {
  readonly backend: string;
  readonly kind: string;
  readonly message: string;
}

/** A completed request as `/ui/events` sends it (docs/api.md). */
export interface CompletedJson {
  readonly seq: number;
  readonly id: string;
  /** Wall-clock ms when it ended. */
  readonly at: number;
  readonly endpoint: string;
  readonly stream: boolean;
  readonly model: string | null;
  readonly served_model: string | null;
  readonly backend: string | null;
  readonly status: number;
  readonly error: string | null;
  readonly message: string | null;
  readonly route_reason: string | null;
  readonly attempts: readonly AttemptJson[];
  readonly queue_ms: number;
  /** Received → the answering attempt was sent (Nexus's own time, queue wait included). */
  readonly sent_ms: number;
  readonly ttft_ms: number | null;
  readonly duration_ms: number;
  readonly tokens_in: number | null;
  readonly tokens_out: number | null;
  readonly end: StreamEnd | null;
}

const NO_ATTEMPTS: readonly AttemptJson[] = Object.freeze([]);

/** A reusable slot: filled in place, turned into JSON only when a browser asks. */
class Slot {
  seq = 0;
  id = "";
  at = 0;
  endpoint = "";
  stream = false;
  model: string | undefined;
  servedModel: string | undefined;
  backend: string | undefined;
  status = 0;
  error: string | undefined;
  message: string | undefined;
  routeReason: string | undefined;
  attempts: readonly AttemptJson[] = NO_ATTEMPTS;
  queueMs = 0;
  sentMs = 0;
  ttftMs: number | undefined;
  durationMs = 0;
  tokensIn: number | undefined;
  tokensOut: number | undefined;
  end: StreamEnd | undefined;

  json(): CompletedJson {
    return {
      seq: this.seq,
      id: this.id,
      at: this.at,
      endpoint: this.endpoint,
      stream: this.stream,
      model: this.model ?? null,
      served_model: this.servedModel ?? null,
      backend: this.backend ?? null,
      status: this.status,
      error: this.error ?? null,
      message: this.message ?? null,
      route_reason: this.routeReason ?? null,
      attempts: this.attempts,
      queue_ms: round(this.queueMs),
      sent_ms: round(this.sentMs),
      ttft_ms: this.ttftMs === undefined ? null : round(this.ttftMs),
      duration_ms: round(this.durationMs),
      tokens_in: this.tokensIn ?? null,
      tokens_out: this.tokensOut ?? null,
      end: this.end ?? null,
    };
  }
}

export class RecentRequests {
  readonly #slots: Slot[] = Array.from({ length: RECENT_SIZE }, () => new Slot());
  /** Requests recorded so far; the newest has this sequence number. */
  #seq = 0;

  get seq(): number {
    return this.#seq;
  }

  record(event: ExchangeEvent, record: RequestRecord, end: StreamEnd | undefined, at: number) {
    const slot = this.#slots[this.#seq % RECENT_SIZE]!;
    const outcome = event.result?.outcome;
    slot.seq = ++this.#seq;
    slot.id = event.requestId;
    slot.at = at;
    slot.endpoint = event.endpoint;
    slot.stream = event.stream;
    slot.model = event.requestedModel;
    slot.servedModel = outcome?.backend === undefined ? undefined : outcome.model;
    slot.backend = record.backend;
    slot.status = event.status;
    slot.error = record.error;
    const message = event.failure?.message;
    slot.message = message === undefined ? undefined : message.slice(0, MESSAGE_CHARS);
    slot.routeReason = outcome?.routeReason;
    slot.attempts = outcome === undefined || outcome.attempts.length === 0
      ? NO_ATTEMPTS
      : outcome.attempts.map((a) => ({
        backend: a.backend.name,
        kind: a.kind,
        message: a.message.slice(0, MESSAGE_CHARS),
      }));
    slot.queueMs = outcome?.queueWaitMs ?? 0;
    slot.sentMs = record.overheadMs;
    slot.ttftMs = record.ttfbMs;
    slot.durationMs = record.durationMs;
    slot.tokensIn = record.usage?.prompt;
    slot.tokensOut = record.usage?.completion;
    slot.end = end;
  }

  /** Requests recorded after `afterSeq`, oldest first (at most the ring's size). */
  since(afterSeq: number): CompletedJson[] {
    const from = Math.max(afterSeq, this.#seq - RECENT_SIZE, 0);
    const list: CompletedJson[] = [];
    for (let seq = from + 1; seq <= this.#seq; seq++) {
      list.push(this.#slots[(seq - 1) % RECENT_SIZE]!.json());
    }
    return list;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
