/**
 * What an attempt on a granted candidate is given (src/proxy/attempt.ts): the endpoint's plan
 * for that backend and model, the headers sent upstream, and the deadlines from the config.
 * @module
 */
import { forwardedVia } from "../lib/loop.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import type { AttemptSpec } from "./attempt-types.ts";
import type { ProxyDeps, ProxyRequest } from "./forward-types.ts";
import type { StreamEnd } from "./relay.ts";
import type { RequestEnd } from "./request-scope.ts";
import type { ResponseTap } from "./tap.ts";
import { upstreamHeaders } from "./upstream.ts";

/**
 * The spec of `request`'s attempt on `candidate`. Planning is the endpoint's code: it may throw
 * (a bug), which the forwarding handles by giving the slot back.
 */
export function attemptSpec(
  deps: ProxyDeps,
  request: ProxyRequest,
  candidate: RouteCandidate,
  requestSignal: RequestEnd,
  tap: ResponseTap,
  onStreamEnd: (end: StreamEnd) => void,
  release: (failed?: string) => void,
): AttemptSpec {
  const { backend, model } = candidate;
  const { server } = deps;
  const { endpoint, parsed, clientHeaders } = request;
  const plan = endpoint.plan(parsed, { backend, model });
  return {
    backend,
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
    dialect: endpoint.dialect,
    model,
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
    // Its credentials are read only if some upstream text has to be redacted.
    clientHeaders,
  };
}
