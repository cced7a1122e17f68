/**
 * The per-request recording path: one finished request (or stream) into the series store.
 * Measured by `bench/metrics.bench.ts`; keep it to map lookups and additions.
 * @module
 */
import type { ErrorType, SeriesStore } from "./series.ts";
import type { TokenUsage } from "./usage.ts";

/** One finished request (or stream), as the metrics see it. */
export interface RequestRecord {
  /** The route family: chat, embeddings, completions … */
  readonly endpoint: string;
  /** The model served (after alias or fallback) when a backend was chosen, else the requested. */
  readonly model: string | undefined;
  /** The model does not exist (404): its name draws on the smaller unknown-model label budget. */
  readonly unknownModel: boolean;
  /** The backend that answered, or the last one tried when every attempt failed. */
  readonly backend: string | undefined;
  readonly status: number;
  readonly error: ErrorType | undefined;
  readonly durationMs: number;
  readonly ttfbMs: number | undefined;
  readonly overheadMs: number;
  readonly usage: TokenUsage | undefined;
  /** SSE events relayed, for streams; undefined for everything else. */
  readonly chunks: number | undefined;
  /** The model the client asked for, when a fallback model served instead. */
  readonly fallbackFrom: string | undefined;
  /** Keys mode: the name of the key the request came with (never the key). */
  readonly key?: string | undefined;
}

export function recordRequest(store: SeriesStore, record: RequestRecord): void {
  const model = store.model(record.model, record.unknownModel);
  const pair = store.pair(model, record.backend);
  const endpoint = pair.endpoint(record.endpoint);
  endpoint.countStatus(record.status);
  endpoint.duration.observe(record.durationMs / 1000);
  if (record.ttfbMs !== undefined) pair.ttfb.observe(record.ttfbMs / 1000);
  store.overhead.observe(record.overheadMs / 1000);
  const usage = record.usage;
  if (usage !== undefined) {
    if (usage.prompt !== undefined) pair.promptTokens += usage.prompt;
    if (usage.completion !== undefined) pair.completionTokens += usage.completion;
  }
  if (record.chunks !== undefined) {
    pair.streamed = true;
    pair.chunks += record.chunks;
  }
  if (record.error !== undefined) model.countError(record.error);
  else if (record.status >= 400) model.refused++;
  if (record.fallbackFrom !== undefined && record.model !== undefined) {
    store.countFallback(record.fallbackFrom, record.model);
  }
  if (record.key !== undefined) store.countKey(record.key, model.model, record);
}
