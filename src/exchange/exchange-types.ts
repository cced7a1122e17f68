/**
 * What the exchange pipeline (src/exchange/exchange.ts) is built from: the long-lived parts every
 * request shares.
 * @module
 */
import type { KeyGuard } from "../auth/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { ProxyDeps } from "../proxy/mod.ts";
import type { Router } from "../routing/mod.ts";
import type { BodyBudget } from "./body-budget.ts";
import type { ExchangeEvent, ExchangeWatch } from "./event.ts";
import type { InFlight } from "./inflight.ts";
import type { WakeGate } from "./wake-gate.ts";

export interface ExchangeDeps {
  readonly router: Router;
  readonly proxy: ProxyDeps;
  readonly clock: Clock;
  readonly maxBodyBytes: number;
  /** How long the request body may take to arrive. */
  readonly bodyTimeoutMs: number;
  /** Seconds a client should wait before retrying a 503 that has no better estimate. */
  readonly retryAfterSeconds: number;
  /** Requests in flight, for the shutdown drain. */
  readonly inflight: InFlight;
  /** This Nexus's instance id: a request that already carries it is a loop (src/lib/loop.ts). */
  readonly instanceId?: string;
  /** The global budget of request bodies held (`server.max_inflight_body_bytes`). */
  readonly bodyBudget?: BodyBudget;
  /** Called once per request after the response is decided (logging, metrics). */
  readonly observe?: (event: ExchangeEvent) => void;
  /** Told when a request starts and ends while a dashboard watches (src/ui). */
  readonly watch?: ExchangeWatch;
  /** `[auth] mode = "keys"`: who may ask, and under which limits. Absent: no work at all. */
  readonly auth?: KeyGuard;
  /** Wakes asleep backends for a request (src/wake `Waker`); absent: asleep is not routable. */
  readonly wake?: WakeGate;
  /**
   * The answer to an error no step expected (logged, a 500): caught here, in the one async
   * function every request passes, so the API adds no `catch` of its own (src/api/app.ts).
   * Absent: the error rejects the request's promise.
   */
  readonly unhandled?: (error: unknown, request: Request) => Response;
}
