/**
 * The proxy: forwards a routed request to its candidates with failover, deadlines and
 * client-disconnect propagation, passing the backend's bytes through untouched.
 * @module
 */
export {
  forward,
  type ForwardResult,
  type ProxyDeps,
  type ProxyOutcome,
  type ProxyRequest,
  type RouteReason,
} from "./forward.ts";
export type { AttemptFailure, FailureKind } from "./attempt.ts";
export { inStreamError, type StreamEnd } from "./stream.ts";
export { SHUTDOWN } from "./failures.ts";
export { ResponseTap, TAIL_BYTES } from "./tap.ts";
