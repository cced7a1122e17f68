/**
 * POST /v1/chat/completions — the hot path. Read the body once, parse once, route, forward.
 * No middleware runs in front of it; everything it needs is passed in.
 * @module
 */
import type { Context } from "hono";
import type { ForwardResult, ProxyDeps } from "../proxy/mod.ts";
import { forward } from "../proxy/mod.ts";
import { requirementsOf, type Router } from "../routing/mod.ts";
import { bodyError, readBodyLimited } from "./body.ts";
import { errorResponse } from "./errors.ts";
import { requestIdFor } from "./headers.ts";
import type { InFlight } from "./inflight.ts";
import { parseChatRequest } from "./openai.ts";

export interface ChatDeps {
  readonly router: Router;
  readonly proxy: ProxyDeps;
  readonly maxBodyBytes: number;
  /** How long the request body may take to arrive. */
  readonly bodyTimeoutMs: number;
  /** Seconds a client should wait before retrying a 503. */
  readonly retryAfterSeconds: number;
  /** Requests in flight, for the shutdown drain. */
  readonly inflight: InFlight;
  /** Called once per request after the response is decided (logging, metrics). */
  readonly observe?: (event: ChatEvent) => void;
}

export interface ChatEvent {
  readonly requestId: string;
  /** Monotonic ms when the handler started (durations and gateway overhead are measured from it). */
  readonly receivedAt: number;
  readonly requestedModel: string | undefined;
  readonly stream: boolean;
  readonly status: number;
  readonly errorCode?: string;
  readonly result?: ForwardResult;
}

export function handleChatCompletions(deps: ChatDeps) {
  const { inflight } = deps;
  const end = () => inflight.end();
  return async function chatCompletions(c: Context): Promise<Response> {
    if (inflight.draining) {
      const requestId = requestIdFor(c.req.raw.headers);
      deps.observe?.({
        requestId,
        receivedAt: deps.proxy.clock.monotonic(),
        requestedModel: undefined,
        stream: false,
        status: 503,
        errorCode: "service_unavailable",
      });
      return errorResponse({
        status: 503,
        code: "service_unavailable",
        message: "Nexus is shutting down; retry shortly",
        headers: { "retry-after": "5", "x-request-id": requestId },
      });
    }
    // Counted until the response is fully delivered (a stream: its last byte), for the drain.
    const track: { done?: Promise<unknown> } = {};
    inflight.begin();
    try {
      return await handle(c, track);
    } finally {
      if (track.done) track.done.then(end, end);
      else end();
    }
  };

  async function handle(c: Context, track: { done?: Promise<unknown> }): Promise<Response> {
    const receivedAt = deps.proxy.clock.monotonic();
    const request = c.req.raw;
    const requestId = requestIdFor(request.headers);
    const idHeader = { "x-request-id": requestId };
    const fail = (
      status: number,
      code: Parameters<typeof errorResponse>[0]["code"],
      message: string,
      extra = {},
    ) => {
      deps.observe?.({
        requestId,
        receivedAt,
        requestedModel: undefined,
        stream: false,
        status,
        errorCode: code,
      });
      return errorResponse({ status, code, message, headers: idHeader, ...extra });
    };

    const body = await readBodyLimited(request, deps.maxBodyBytes, deps.bodyTimeoutMs);
    if (!body.ok) {
      const error = bodyError(body.reason, deps.maxBodyBytes);
      return fail(error.status, error.code, error.message);
    }
    const parsed = parseChatRequest(body.text);
    if (!parsed.ok) {
      return fail(400, "invalid_request_error", parsed.message, { param: parsed.param });
    }
    const { model, stream } = parsed.request;

    // Once per request, from the body already parsed: the router never looks at the body.
    const requirements = requirementsOf(parsed.request.body);
    const decision = deps.router.select(model, requirements);
    if (!decision.ok) {
      const { rejection } = decision;
      deps.observe?.({
        requestId,
        receivedAt,
        requestedModel: model,
        stream,
        status: rejection.status,
        errorCode: rejection.code,
      });
      return errorResponse({
        status: rejection.status,
        code: rejection.code,
        message: rejection.message,
        param: rejection.status === 404 ? "model" : null,
        context: rejection.context,
        headers: rejection.status === 503
          ? { ...idHeader, "retry-after": String(deps.retryAfterSeconds) }
          : idHeader,
      });
    }

    const result = await forward(
      {
        requestedModel: model,
        bodyText: body.text,
        body: parsed.request.body,
        stream,
        clientHeaders: request.headers,
        clientSignal: request.signal,
        shutdownSignal: deps.inflight.shutdownSignal,
        requestId,
      },
      decision.candidates,
      deps.proxy,
    );
    track.done = result.done;
    const { outcome } = result;
    deps.observe?.({
      requestId,
      receivedAt,
      requestedModel: model,
      stream,
      status: outcome.status,
      result,
      errorCode: outcome.failure?.code,
    });
    if (result.response) return result.response;
    const failure = outcome.failure!;
    return errorResponse({
      status: outcome.status,
      code: failure.code === "client_closed" ? "client_closed_request" : failure.code,
      message: failure.message,
      headers: failure.retryAfter ? { ...idHeader, "retry-after": failure.retryAfter } : idHeader,
    });
  }
}
