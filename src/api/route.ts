/**
 * GET /v1/route?model=M and POST /v1/route (body: a chat request): the decision the router would
 * make now, with its reasons. Nothing is forwarded and no round-robin turn is used up. The answer
 * is 200 whatever the decision; a rejection is described inside it (`decision.ok: false`).
 * @module
 */
import type { Context } from "hono";
import { chatEndpoint } from "../dialects/mod.ts";
import { bodyFailure, parseJsonObject, readBodyLimited } from "../exchange/mod.ts";
import type { Clock } from "../lib/clock.ts";
import { isFailure } from "../lib/failures.ts";
import { NO_REQUIREMENTS, type Router } from "../routing/mod.ts";
import { errorResponse, openaiError } from "./errors.ts";

export function handleExplainRouteGet(router: Router) {
  return function explainRouteGet(c: Context): Response {
    const model = c.req.query("model");
    if (!model) {
      return errorResponse(
        "invalid_request",
        "Missing required query parameter: 'model' (GET /v1/route?model=NAME)",
        { param: "model" },
      );
    }
    return c.json(router.explain(model, NO_REQUIREMENTS));
  };
}

export function handleExplainRoutePost(
  router: Router,
  limits: { maxBodyBytes: number; bodyTimeoutMs: number; clock: Clock },
) {
  return async function explainRoutePost(c: Context): Promise<Response> {
    const { maxBodyBytes, bodyTimeoutMs, clock } = limits;
    const body = await readBodyLimited(c.req.raw, maxBodyBytes, bodyTimeoutMs, clock);
    if (!body.ok) return openaiError(bodyFailure(body.reason, maxBodyBytes));
    const fields = parseJsonObject(body.text);
    if (isFailure(fields)) return openaiError(fields);
    const parsed = chatEndpoint.parse(fields, body.text);
    if (isFailure(parsed)) return openaiError(parsed);
    return c.json(router.explain(parsed.model, parsed.requirements));
  };
}
