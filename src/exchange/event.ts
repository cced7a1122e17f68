/**
 * What the pipeline reports once per request, when its response is decided: the observability
 * hook (src/metrics) turns it into metrics and a log line, after the stream's end for streams.
 * And what a watcher (the dashboard, src/ui) may read of a request while it is in flight.
 * @module
 */
import type { Priority } from "../admission/mod.ts";
import type { KeyUse } from "../auth/mod.ts";
import type { EndpointName } from "../dialects/mod.ts";
import type { Failure } from "../lib/failures.ts";
import type { ForwardResult } from "../proxy/mod.ts";

export interface ExchangeEvent {
  readonly requestId: string;
  /** The route family (metric `endpoint` label). */
  readonly endpoint: EndpointName;
  /** Monotonic ms when the request arrived (durations and gateway overhead are measured from it). */
  readonly receivedAt: number;
  /** The model the client asked for, once the body parsed. */
  readonly requestedModel: string | undefined;
  readonly stream: boolean;
  /** The status the client received. */
  readonly status: number;
  /** Why the request failed, when Nexus answered with an error of its own. */
  readonly failure?: Failure;
  /** What forwarding did, when the request got that far. */
  readonly result?: ForwardResult;
  /**
   * Keys mode: the key the request came with (its name for logs and metrics); the observer tells
   * it how the request ended, once (usage, token charges).
   */
  readonly key?: KeyUse;
}

/** The event of `request`, answered with `status`. */
function exchangeEvent(
  request: LiveRequest,
  status: number,
  failure: Failure | undefined,
  result: ForwardResult | undefined,
  key: KeyUse | undefined,
): ExchangeEvent {
  const event: { -readonly [K in keyof ExchangeEvent]: ExchangeEvent[K] } = {
    requestId: request.requestId,
    endpoint: request.endpoint,
    receivedAt: request.receivedAt,
    requestedModel: request.requestedModel,
    stream: request.stream,
    status,
  };
  // Optional keys are set only when there is something to say (exactOptionalPropertyTypes).
  if (failure !== undefined) event.failure = failure;
  if (result !== undefined) event.result = result;
  if (key !== undefined) event.key = key;
  return event;
}

/**
 * Reports `request`, answered with `status`, to `observe` once. With nobody observing, no usage
 * is read, yet the key's charges still settle (at the estimate).
 */
export function reportExchange(
  observe: ((event: ExchangeEvent) => void) | undefined,
  request: LiveRequest,
  status: number,
  failure: Failure | undefined,
  result: ForwardResult | undefined,
  key: KeyUse | undefined,
): void {
  if (observe === undefined) settleUnobserved(key, request.requestedModel, status);
  else observe(exchangeEvent(request, status, failure, result, key));
}

/**
 * The key's charges settle (at the estimate) when nobody observes the request: no usage is read.
 */
function settleUnobserved(
  key: KeyUse | undefined,
  model: string | undefined,
  status: number,
): void {
  key?.settle({
    model,
    promptTokens: undefined,
    completionTokens: undefined,
    failed: status >= 400,
  });
}

/**
 * Where a request in flight is: reading and routing, waiting for its backend to wake, waiting
 * for a slot, sent, answering.
 */
export type LivePhase = "received" | "waking" | "queued" | "sent" | "streaming";

/**
 * A request in flight as a watcher sees it. The exchange itself implements it with getters, so
 * telling a watcher about a request allocates nothing; the watcher reads it only when it needs to.
 */
export interface LiveRequest {
  readonly requestId: string;
  readonly endpoint: EndpointName;
  /** Monotonic ms when the request arrived. */
  readonly receivedAt: number;
  /** The model the client asked for, once the body parsed. */
  readonly requestedModel: string | undefined;
  readonly stream: boolean;
  readonly priority: Priority;
  readonly phase: LivePhase;
  /** The backend of the current attempt, once one was granted a slot. */
  readonly backend: string | undefined;
  /** The model that backend was asked for (an alias or fallback resolved). */
  readonly servedModel: string | undefined;
}

/**
 * Told when a request starts and ends, only while `watching` (a browser has the dashboard open):
 * otherwise the pipeline checks one boolean and calls nothing. `begin` says where the watcher
 * keeps the request (a slot), and `end` is given it back: no lookup by the request itself.
 */
export interface ExchangeWatch {
  readonly watching: boolean;
  begin(request: LiveRequest): number;
  end(request: LiveRequest, slot: number): void;
}
