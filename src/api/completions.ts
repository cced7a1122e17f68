/**
 * POST /v1/chat/completions — the hot path. Read the body once, parse once, route, forward.
 * No middleware runs in front of it; everything it needs is passed in.
 * @module
 */
import type { Context } from "hono";
import type { ForwardResult, ProxyDeps } from "../proxy/mod.ts";
import { forward } from "../proxy/mod.ts";
import type { Router } from "../routing/mod.ts";
import { readBodyLimited } from "./body.ts";
import { errorResponse } from "./errors.ts";
import { requestIdFor } from "./headers.ts";
import { parseChatRequest } from "./openai.ts";

export interface ChatDeps {
  readonly router: Router;
  readonly proxy: ProxyDeps;
  readonly maxBodyBytes: number;
  /** Seconds a client should wait before retrying a 503. */
  readonly retryAfterSeconds: number;
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
  return async function chatCompletions(c: Context): Promise<Response> {
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

    const body = await readBodyLimited(request, deps.maxBodyBytes);
    if (!body.ok) {
      return body.reason === "too_large"
        ? fail(
          413,
          "request_too_large",
          `Request body is larger than the limit of ${deps.maxBodyBytes} bytes`,
        )
        : fail(400, "invalid_request_error", "Request body could not be read");
    }
    const parsed = parseChatRequest(body.text);
    if (!parsed.ok) {
      return fail(400, "invalid_request_error", parsed.message, { param: parsed.param });
    }
    const { model, stream } = parsed.request;

    const decision = deps.router.select(model);
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
        requestId,
      },
      decision.candidates,
      deps.proxy,
    );
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
      headers: idHeader,
    });
  };
}
