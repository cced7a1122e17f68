/**
 * Forwards a chat request along the router's candidates. A candidate that fails before the first
 * byte reaches the client (refused, 5xx, first-byte deadline) is replaced by the next one, at
 * most `routing.max_retries` extra attempts and never the same backend twice; a 4xx answer is
 * the client's and is passed through as it is.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import type { TcpProbeResult } from "../runtime/mod.ts";
import {
  attempt,
  type AttemptCommit,
  type AttemptFailure,
  type AttemptOptions,
  REQUEST_TIMEOUT,
} from "./attempt.ts";
import { SHUTDOWN } from "./failures.ts";
import type { StreamEnd } from "./stream.ts";
import { ResponseTap } from "./tap.ts";
import { CHAT_PATH, upstreamBody, upstreamHeaders, upstreamUrl } from "./upstream.ts";

export type RouteReason = "capability-match" | "failover" | "fallback";

export interface ProxyDeps {
  readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** Raw TCP probe used by the connect deadline; without it only the first-byte deadline applies. */
  readonly tcpProbe?: (host: string, port: number, timeoutMs: number) => Promise<TcpProbeResult>;
  readonly clock: Clock;
  readonly registry: Registry;
  readonly server: NexusConfig["server"];
  readonly maxRetries: number;
  readonly apiKeyFor: (backend: Backend) => string | undefined;
}

export interface ProxyRequest {
  readonly requestedModel: string;
  readonly bodyText: string;
  readonly body: Record<string, unknown>;
  readonly stream: boolean;
  readonly clientHeaders: Headers;
  readonly clientSignal: AbortSignal;
  /** Aborted when the shutdown drain deadline passes. */
  readonly shutdownSignal?: AbortSignal;
  readonly requestId: string;
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
  readonly failure?: {
    readonly code: "bad_gateway" | "gateway_timeout" | "service_unavailable" | "client_closed";
    /** The backend's Retry-After, passed on with a 503. */
    readonly retryAfter?: string;
    readonly message: string;
  };
}

export interface ForwardResult {
  readonly response: Response | undefined;
  readonly outcome: ProxyOutcome;
  /** Resolves when the response body has been fully delivered, failed, or abandoned. */
  readonly done: Promise<StreamEnd>;
  /** Event count and body tail of the committed response; final once `done` resolves. */
  readonly tap: ResponseTap;
}

const CLOUD_TYPES = new Set(["openai", "anthropic", "google"]);

export async function forward(
  request: ProxyRequest,
  candidates: readonly RouteCandidate[],
  deps: ProxyDeps,
): Promise<ForwardResult> {
  const { server } = deps;
  const requestAbort = new AbortController();
  const onClientAbort = () => requestAbort.abort(request.clientSignal.reason);
  if (request.clientSignal.aborted) onClientAbort();
  else request.clientSignal.addEventListener("abort", onClientAbort, { once: true });
  const onShutdown = () => requestAbort.abort(SHUTDOWN);
  // An abort that already happened fires no event: check first (a body still uploading when the
  // drain deadline passed must not be forwarded uncancellable).
  if (request.shutdownSignal?.aborted) onShutdown();
  else request.shutdownSignal?.addEventListener("abort", onShutdown, { once: true });
  const requestTimer = deps.clock.setTimeout(
    () => requestAbort.abort(REQUEST_TIMEOUT),
    server.request_timeout_seconds * 1000,
  );
  let resolveDone!: (end: StreamEnd) => void;
  const done = new Promise<StreamEnd>((resolve) => (resolveDone = resolve));
  const finish = (end: StreamEnd) => {
    deps.clock.clearTimeout(requestTimer);
    request.clientSignal.removeEventListener("abort", onClientAbort);
    request.shutdownSignal?.removeEventListener("abort", onShutdown);
    resolveDone(end);
  };

  const failures: AttemptFailure[] = [];
  const tried = new Set<Backend>();
  const tap = new ResponseTap();
  let upstreamMs = 0;
  for (const candidate of candidates) {
    if (failures.length > deps.maxRetries) break;
    if (tried.has(candidate.backend)) continue;
    tried.add(candidate.backend);
    const { backend } = candidate;
    const input = {
      backend,
      model: candidate.model,
      requestedModel: request.requestedModel,
      bodyText: request.bodyText,
      body: request.body,
      clientHeaders: request.clientHeaders,
      requestId: request.requestId,
      apiKey: deps.apiKeyFor(backend),
    };
    const options: AttemptOptions = {
      backend,
      url: upstreamUrl(backend, CHAT_PATH),
      init: { headers: upstreamHeaders(input), body: upstreamBody(input) },
      stream: request.stream,
      fetch: deps.fetch,
      clock: deps.clock,
      registry: deps.registry,
      requestSignal: requestAbort.signal,
      firstByteMs: (backend.first_byte_timeout_seconds ?? server.first_byte_timeout_seconds) * 1000,
      idleMs: server.idle_timeout_seconds * 1000,
      keepAliveMs: server.sse_keepalive_seconds * 1000,
      connectMs: server.connect_timeout_seconds * 1000,
      ...(deps.tcpProbe ? { tcpProbe: deps.tcpProbe } : {}),
      onStreamEnd: finish,
      tap,
    };
    const sentAt = deps.clock.monotonic();
    const result = await attempt(options);
    upstreamMs += deps.clock.monotonic() - sentAt;
    if (result.ok) {
      const routeReason: RouteReason = candidate.fallback
        ? "fallback"
        : failures.length > 0
        ? "failover"
        : "capability-match";
      const headers = responseHeaders(result, backend, routeReason, candidate, request);
      if (!(result.body instanceof ReadableStream)) {
        tap.setBody(new Uint8Array(result.body), result.json);
        finish("complete");
      }
      return {
        response: new Response(result.body, { status: result.status, headers }),
        outcome: {
          ok: result.status < 400,
          backend,
          model: candidate.model,
          status: result.status,
          routeReason,
          attempts: failures,
          // A getter: a stream committed before its first token learns it later.
          get ttfbMs() {
            return result.ttfbMs;
          },
          upstreamMs,
        },
        done,
        tap,
      };
    }
    failures.push(result);
    if (
      result.kind === "client_closed" || result.kind === "request_timeout" ||
      result.kind === "shutdown"
    ) {
      break;
    }
  }

  finish("upstream_error");
  return {
    response: undefined,
    outcome: { ...failureOutcome(request, failures), upstreamMs },
    done,
    tap,
  };
}

function failureOutcome(
  request: ProxyRequest,
  failures: readonly AttemptFailure[],
): Omit<ProxyOutcome, "upstreamMs"> {
  const last = failures[failures.length - 1];
  const tried = failures.map((f) => `${f.backend.name}: ${f.message}`).join("; ");
  const failed = (
    status: number,
    code: NonNullable<ProxyOutcome["failure"]>["code"],
    message: string,
    retryAfter?: string,
  ) => ({
    ok: false,
    status,
    attempts: failures,
    failure: { code, message, ...(retryAfter ? { retryAfter } : {}) },
  });
  if (last?.kind === "client_closed") {
    return failed(499, "client_closed", "client closed the request");
  }
  if (last?.kind === "shutdown") {
    return failed(503, "service_unavailable", "Nexus is shutting down; retry shortly", "5");
  }
  if (last?.status === 503 && last.retryAfter) {
    // The backend said when to come back: tell the client the same instead of a bare 502.
    return failed(
      503,
      "service_unavailable",
      `Backend unavailable for model "${request.requestedModel}" (${tried})`,
      last.retryAfter,
    );
  }
  const timedOut = last?.kind === "timeout" || last?.kind === "request_timeout";
  if (failures.length === 0) {
    return failed(
      502,
      "bad_gateway",
      `No backend could be tried for model "${request.requestedModel}"`,
    );
  }
  return timedOut
    ? failed(
      504,
      "gateway_timeout",
      `Backend timed out for model "${request.requestedModel}" (${tried})`,
    )
    : failed(
      502,
      "bad_gateway",
      `Every backend failed for model "${request.requestedModel}" (${tried})`,
    );
}

function responseHeaders(
  upstream: AttemptCommit,
  backend: Backend,
  routeReason: RouteReason,
  candidate: RouteCandidate,
  request: ProxyRequest,
): Headers {
  const headers = new Headers();
  const contentType = upstream.contentType;
  if (contentType) headers.set("content-type", contentType);
  const retryAfter = upstream.retryAfter;
  if (retryAfter) headers.set("retry-after", retryAfter);
  if (request.stream && upstream.status < 400) {
    headers.set("cache-control", "no-cache");
    // Tells nginx-style reverse proxies not to buffer the event stream.
    headers.set("x-accel-buffering", "no");
  }
  headers.set("x-nexus-backend", backend.name);
  headers.set("x-nexus-backend-type", CLOUD_TYPES.has(backend.type) ? "cloud" : "local");
  headers.set("x-nexus-route-reason", routeReason);
  if (candidate.fallback) headers.set("x-nexus-fallback-model", candidate.model);
  headers.set("x-request-id", request.requestId);
  return headers;
}
