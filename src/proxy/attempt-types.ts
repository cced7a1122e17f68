/**
 * The values an attempt takes and gives: what it needs (deps, spec, deadlines) and how it ends
 * (a commit the client receives, or a failure the forwarder may fail over from).
 * @module
 */
import type { Dialect, UpstreamPlan } from "../dialects/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { Failure } from "../lib/failures.ts";
import type { Redactor } from "../lib/secrets.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import type { TcpProbeResult } from "../runtime/mod.ts";
import type { AttemptFailureKind } from "./failures.ts";
import type { StreamEnd } from "./relay.ts";
import type { RequestEnd } from "./request-scope.ts";
import type { ResponseTap } from "./tap.ts";

export interface AttemptFailure {
  readonly ok: false;
  readonly backend: Backend;
  readonly kind: AttemptFailureKind;
  readonly message: string;
  readonly status?: number;
  /** The backend's Retry-After, when it sent one with a 5xx. */
  readonly retryAfter?: string;
}

export interface AttemptCommit {
  readonly ok: true;
  readonly backend: Backend;
  /** Status for the client: the backend's, or 200 for a stream committed before its headers. */
  readonly status: number;
  readonly contentType: string | null;
  readonly retryAfter: string | null;
  /** The body to send to the client (bytes for non-stream, a relay for streams). */
  readonly body: ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>;
  /** Time to the first byte; undefined while (or if never) a stream committed early has one. */
  readonly ttfbMs: number | undefined;
  /** Headers the endpoint adds to the client's answer (the plan's `responseHeaders`). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A translated path's backend refused the request (4xx): the client gets this failure in its
   * own dialect instead of `body`.
   */
  readonly rejection?: Failure;
}

export interface AttemptDeps {
  readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  readonly clock: Clock;
  readonly registry: Registry;
  /** Raw TCP probe for the connect deadline; without it only the first-byte deadline applies. */
  readonly tcpProbe?: (host: string, port: number, timeoutMs: number) => Promise<TcpProbeResult>;
  /** The cap on a whole answer read before it commits (`server.max_response_bytes`). */
  readonly maxResponseBytes?: number;
  /** The configured secrets (backend keys, admin token), removed from bodies a client receives. */
  readonly redactor?: Redactor;
}

export interface Deadlines {
  readonly firstByteMs: number;
  readonly idleMs: number;
  /** A stream with no first chunk after this long commits with keep-alives (0 = never). */
  readonly keepAliveMs: number;
  /** After this long without headers, probe the backend's port once (see watchConnect). */
  readonly connectMs: number;
}

/**
 * What an attempt needs for its whole life — a stream's until its last byte. What it sends is
 * its `AttemptCall`, held only until it commits or fails: a stream in flight keeps its attempt,
 * and would keep the request's body and headers with it.
 */
export interface AttemptSpec {
  readonly backend: Backend;
  /** The client's dialect: keep-alives and in-stream errors. */
  readonly dialect: Dialect;
  /** Aborts when the client leaves or the whole-request deadline passes. */
  readonly requestSignal: RequestEnd;
  readonly deadlines: Deadlines;
  /** Notes the committed stream's events and tail (metrics). */
  readonly tap: ResponseTap;
  readonly onStreamEnd: (end: StreamEnd, detail?: string) => void;
  /**
   * Gives the backend's slot back, exactly once, when the attempt is over (a stream: after its
   * last byte); a message when it failed (counted as the backend's error).
   */
  readonly release: (failed?: string) => void;
}

/** What one attempt sends (`Attempt.run`): the endpoint's plan for the backend, and its headers. */
export interface AttemptCall {
  readonly plan: UpstreamPlan;
  /** Lower-case names (src/proxy/upstream.ts). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The client's headers: its own credentials are removed, with the configured secrets, from
   * upstream text copied into an error message, a log line or `last_error` (read only then).
   */
  readonly clientHeaders?: Headers;
}
