/**
 * What an attempt on a granted candidate is given (src/proxy/attempt.ts): its spec — the deadlines
 * from the config and what it reports to — and its call — the endpoint's plan for that backend
 * and model, and the headers sent upstream — and the fetch init the call is sent with.
 * @module
 */
import type { Dialect } from "../dialects/mod.ts";
import { forwardedVia } from "../lib/loop.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import type { AttemptCall, AttemptSpec } from "./attempt-types.ts";
import type { ProxyDeps, ProxyRequest } from "./forward-types.ts";
import type { StreamEnd } from "./relay.ts";
import type { RequestEnd } from "./request-scope.ts";
import type { ResponseTap } from "./tap.ts";
import { upstreamHeaders } from "./upstream.ts";

/** The spec of an attempt on `candidate`: what it needs until its last byte. */
export function attemptSpec(
  deps: ProxyDeps,
  dialect: Dialect,
  candidate: RouteCandidate,
  requestSignal: RequestEnd,
  tap: ResponseTap,
  onStreamEnd: (end: StreamEnd) => void,
  release: (failed?: string) => void,
): AttemptSpec {
  const { backend } = candidate;
  const { server } = deps;
  return {
    backend,
    dialect,
    requestSignal,
    deadlines: {
      firstByteMs: (backend.first_byte_timeout_seconds ?? server.first_byte_timeout_seconds) *
        1000,
      idleMs: server.idle_timeout_seconds * 1000,
      keepAliveMs: server.sse_keepalive_seconds * 1000,
      connectMs: server.connect_timeout_seconds * 1000,
    },
    tap,
    onStreamEnd,
    release,
  };
}

/**
 * What `request`'s attempt on `candidate` sends. Planning is the endpoint's code: it may throw
 * (a bug), which the forwarding handles by giving the slot back.
 */
export function attemptCall(
  deps: ProxyDeps,
  request: ProxyRequest,
  candidate: RouteCandidate,
): AttemptCall {
  const { backend, model } = candidate;
  const { endpoint, parsed, clientHeaders } = request;
  const plan = endpoint.plan(parsed, { backend, model });
  return {
    plan,
    headers: upstreamHeaders({
      backend,
      clientHeaders,
      requestId: request.requestId,
      apiKey: deps.apiKeyFor(backend),
      upstream: plan.upstream,
      extra: plan.headers,
      via: deps.instanceId === undefined ? undefined : forwardedVia(clientHeaders, deps.instanceId),
    }),
    // Its credentials are read only if some upstream text has to be redacted.
    clientHeaders,
  };
}

/**
 * The fetch init `call` is sent with, aborted by `signal` (the attempt's own). A function of the
 * call alone: the attempt keeps its timers and what it owns, not how a request is spelled.
 */
export function upstreamInit({ plan, headers }: AttemptCall, signal: AbortSignal): RequestInit {
  // Redirects are never followed (src/lib/upstream-guard.ts): said here, the guard need not
  // copy the init to say it.
  const init: RequestInit = {
    method: plan.method ?? "POST",
    headers,
    body: undefined,
    redirect: "manual",
  };
  if (plan.method === undefined) init.body = plan.body;
  init.signal = signal;
  return init;
}
