/**
 * Routing: from a requested model to ordered candidates, or a rejection with reasons.
 *
 * ```ts
 * const router = new Router(registry, config.routing);
 * const decision = router.select("gpt-4");
 * ```
 * @module
 */
export { type RouteCandidate, type RouteDecision, Router, type RouteRejection } from "./router.ts";
