/**
 * The proxy: forwards a routed request to its candidates with failover, deadlines and
 * client-disconnect propagation; passes the backend's bytes through untouched, or through a
 * dialect's translator.
 * @module
 */
export {
  forward,
  Forwarding,
  type ForwardResult,
  type ProxyDeps,
  type ProxyOutcome,
  type ProxyRequest,
  type RouteReason,
} from "./forward.ts";
export type { AttemptCommit, AttemptFailure } from "./attempt.ts";
export type { AttemptFailureKind } from "./failures.ts";
export { EventSplitter } from "./event-splitter.ts";
export type { StreamEnd } from "./relay.ts";
export { SHUTDOWN } from "./failures.ts";
export { ResponseTap, TAIL_BYTES } from "./tap.ts";
