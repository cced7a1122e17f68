/**
 * How a running gateway ends: the shared state flushed and closed after the last request, and
 * the shutdown drain (the queue refused, the background work stopped, requests in flight given
 * until a deadline, then aborted).
 * @module
 */
import type { Admission } from "./admission/mod.ts";
import type { Auth } from "./auth/mod.ts";
import type { BackgroundWork } from "./background-work.ts";
import type { InFlight } from "./exchange/mod.ts";
import { withDeadline } from "./lib/async.ts";
import type { Clock } from "./lib/clock.ts";
import { failure } from "./lib/failures.ts";
import type { Observability } from "./metrics/mod.ts";
import type { RedisLink } from "./state/mod.ts";

/** What holds state past a request: log lines in their batch, usage, the Redis link. */
export interface StatefulParts {
  readonly observability: Pick<Observability, "flush">;
  readonly auth: Pick<Auth, "stop"> | undefined;
  readonly redis: Pick<RedisLink, "close"> | undefined;
}

/** After the last request: its usage is flushed to the usage file and to Redis. */
export async function stopState(parts: StatefulParts): Promise<void> {
  // The last requests' log lines, still in their batch (src/metrics/late-work.ts).
  parts.observability.flush();
  await parts.auth?.stop();
  await parts.redis?.close();
}

export interface DrainParts extends StatefulParts {
  readonly inflight: Pick<InFlight, "drain" | "idle" | "abortAll">;
  readonly admission: Pick<Admission, "refuseAll">;
  readonly background: Pick<BackgroundWork, "stop">;
  readonly clock: Clock;
}

/** `Gateway.stop`: the background work stopped, then the shared state flushed and closed. */
export async function stopGateway(parts: DrainParts): Promise<void> {
  await parts.background.stop();
  await stopState(parts);
}

/** `Gateway.drain`: true when every request ended within `timeoutMs`. */
export async function drainGateway(parts: DrainParts, timeoutMs: number): Promise<boolean> {
  const { inflight, clock } = parts;
  inflight.drain();
  // Nobody waiting in the queue will get a slot from a Nexus that is going away.
  parts.admission.refuseAll(failure("shutting_down", "Nexus is shutting down; retry shortly", {
    retryAfter: "5",
  }));
  await parts.background.stop();
  if (await withDeadline(inflight.idle(), timeoutMs, clock)) {
    await stopState(parts);
    return true;
  }
  inflight.abortAll();
  // Aborted streams finish within a tick or two; never wait on them for long.
  await withDeadline(inflight.idle(), 2000, clock);
  await stopState(parts);
  return false;
}
