/**
 * The exchange pipeline every inference route runs through (docs/architecture.md, "The request
 * path"): drain, in-flight, body, request id, the endpoint's parser, routing, forwarding, the
 * endpoint's renderer, and one observe event per request.
 *
 * ```ts
 * const handler = createExchangeHandler(chatEndpoint, deps);
 * app.post("/v1/chat/completions", (c) => handler(c.req.raw));
 * ```
 * @module
 */
export { createExchangeHandler } from "./exchange.ts";
export type { ExchangeDeps } from "./exchange-types.ts";
export type { WakeGate } from "./wake-gate.ts";
export type { ExchangeEvent, ExchangeWatch, LivePhase, LiveRequest } from "./event.ts";
export { InFlight } from "./inflight.ts";
export { BodyBudget } from "./body-budget.ts";
export { bodyFailure, type BodyResult, parseJsonObject, readBodyLimited } from "./body.ts";
export { requestIdFor } from "./request-id.ts";
