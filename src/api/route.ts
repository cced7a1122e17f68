/**
 * GET /v1/route?model=M and POST /v1/route (body: a chat request): the decision the router would
 * make now, with its reasons. Nothing is forwarded and no round-robin turn is used up. The answer
 * is 200 whatever the decision; a rejection is described inside it (`decision.ok: false`).
 * @module
 */
import type { Context } from "hono";
import { NO_REQUIREMENTS, requirementsOf, type Router } from "../routing/mod.ts";
import { readBodyLimited } from "./body.ts";
import { errorResponse } from "./errors.ts";
import { parseChatRequest } from "./openai.ts";

export function handleExplainRouteGet(router: Router) {
  return function explainRouteGet(c: Context): Response {
    const model = c.req.query("model");
    if (!model) {
      return errorResponse({
        status: 400,
        code: "invalid_request_error",
        message: "Missing required query parameter: 'model' (GET /v1/route?model=NAME)",
        param: "model",
      });
    }
    return c.json(router.explain(model, NO_REQUIREMENTS));
  };
}

export function handleExplainRoutePost(router: Router, maxBodyBytes: number) {
  return async function explainRoutePost(c: Context): Promise<Response> {
    const body = await readBodyLimited(c.req.raw, maxBodyBytes);
    if (!body.ok) {
      return body.reason === "too_large"
        ? errorResponse({
          status: 413,
          code: "request_too_large",
          message: `Request body is larger than the limit of ${maxBodyBytes} bytes`,
        })
        : errorResponse({
          status: 400,
          code: "invalid_request_error",
          message: "Request body could not be read",
        });
    }
    const parsed = parseChatRequest(body.text);
    if (!parsed.ok) {
      return errorResponse({
        status: 400,
        code: "invalid_request_error",
        message: parsed.message,
        param: parsed.param,
      });
    }
    const { model, body: fields } = parsed.request;
    return c.json(router.explain(model, requirementsOf(fields)));
  };
}
