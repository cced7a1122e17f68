/**
 * What admission is asked with and answers (ticket, grant, hooks), apart from how it decides.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { Registry } from "../registry/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import type { Priority } from "./wait-queue.ts";

/** What admission reads of a request's end: an AbortSignal, or the proxy's RequestScope. */
export interface TicketSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface AdmissionTicket {
  readonly priority: Priority;
  /** Aborts when the client leaves, the request deadline passes or Nexus shuts down. */
  readonly signal: TicketSignal;
  /** Called once if the request has to wait: `position()` says how many are ahead of it. */
  readonly onQueued?: (position: () => number) => void;
}

/** A slot on one backend, held from `acquire` until `release`. */
export interface Grant {
  readonly candidate: RouteCandidate;
  /** Monotonic ms when the slot was granted. */
  readonly grantedAt: number;
  /** How long the request waited in the queue (0 when a slot was free). */
  readonly waitedMs: number;
}

export interface AdmissionHooks {
  /** A request left the queue with a slot after waiting `ms`. */
  readonly onWait?: (ms: number) => void;
  /** A request was refused: the queue was full, or its wait deadline passed. */
  readonly onReject?: (reason: "full" | "timeout") => void;
}

export interface AdmissionDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly config: NexusConfig["queue"];
  readonly hooks?: AdmissionHooks;
}
