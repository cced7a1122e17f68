/**
 * The shapes a forwarding takes and gives: its dependencies, the request it forwards, and what
 * came of it (src/proxy/forward.ts).
 * @module
 */
import type { Admission, Priority } from "../admission/mod.ts";
import type { NexusConfig } from "../config/mod.ts";
import type { Endpoint, ParsedRequest } from "../dialects/mod.ts";
import type { Failure } from "../lib/failures.ts";
import type { Backend } from "../registry/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import type { AttemptCommit, AttemptDeps, AttemptFailure } from "./attempt-types.ts";
import type { StreamEnd } from "./relay.ts";
import type { ResponseTap } from "./tap.ts";

export type RouteReason = "capability-match" | "failover" | "fallback";

export interface ProxyDeps extends AttemptDeps {
  readonly admission: Admission;
  readonly server: NexusConfig["server"];
  readonly maxRetries: number;
  readonly apiKeyFor: (backend: Backend) => string | undefined;
  /** This Nexus's instance id, appended to `X-Nexus-Via` on every upstream request. */
  readonly instanceId?: string;
}

/** What a forwarding forwards: held only while it does (`Forwarding.run`), not to the last byte. */
export interface ProxyRequest {
  readonly endpoint: Endpoint;
  readonly parsed: ParsedRequest;
  readonly clientHeaders: Headers;
  readonly requestId: string;
  /** `X-Nexus-Priority`: the request's place in the queue when every backend is full. */
  readonly priority: Priority;
  /** Called once if the request has to wait for a slot (`position()`: how many are ahead). */
  readonly onQueued?: (position: () => number) => void;
}

/** What happened, for logs and metrics; `end` arrives later for streams. */
export interface ProxyOutcome {
  readonly ok: boolean;
  readonly backend?: Backend;
  readonly model?: string;
  readonly status: number;
  readonly routeReason?: RouteReason;
  readonly attempts: readonly AttemptFailure[];
  readonly ttfbMs?: number;
  /**
   * Milliseconds spent waiting on backends, every attempt included: from just before each
   * upstream fetch until its answer (stream: headers and first chunk; otherwise the whole body)
   * or its failure. The rest of the handler's time is Nexus's own overhead.
   */
  readonly upstreamMs: number;
  /** Milliseconds spent in the admission queue waiting for a free slot. */
  readonly queueWaitMs: number;
  /** Why no backend answered (every candidate failed before the first byte). */
  readonly failure?: Failure;
}

export interface ForwardResult {
  /** The committed answer; undefined when every candidate failed. */
  readonly commit: AttemptCommit | undefined;
  /** The candidate that answered. */
  readonly candidate: RouteCandidate | undefined;
  readonly outcome: ProxyOutcome;
  /** Resolves when the response body has been fully delivered, failed, or abandoned. */
  readonly done: Promise<StreamEnd>;
  /** Event count and body tail of the committed response; final once `done` resolves. */
  readonly tap: ResponseTap;
}
