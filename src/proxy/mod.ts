/**
 * The proxy: forwards a routed request to its candidates with failover, deadlines and
 * client-disconnect propagation; passes the backend's bytes through untouched, or through a
 * dialect's translator.
 * @module
 */
export { forward, Forwarding } from "./forward.ts";
export type {
  ForwardResult,
  ProxyDeps,
  ProxyOutcome,
  ProxyRequest,
  RouteReason,
} from "./forward-types.ts";
export type { AttemptCommit, AttemptFailure } from "./attempt-types.ts";
export type { AttemptFailureKind } from "./failures.ts";
export { EventSplitter } from "./event-splitter.ts";
export type { StreamEnd } from "./relay.ts";
export { SHUTDOWN } from "./failures.ts";
export { ResponseTap, TAIL_BYTES } from "./tap.ts";
