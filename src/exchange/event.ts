/**
 * What the pipeline reports once per request, when its response is decided: the observability
 * hook (src/metrics) turns it into metrics and a log line, after the stream's end for streams.
 * @module
 */
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
}
