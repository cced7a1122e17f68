/**
 * The exchange's `route` and `[wake]` steps: the candidates in failover order, or what to wake
 * first. When the router says only asleep backends can serve the request (or one with
 * `prefer_wake` could), the request waits for the wake (src/wake, shared with every other request
 * waiting for the same backend) and is routed again, the woken backends first. A wake that fails
 * ends the request with its Failure.
 * @module
 */
import type { Failure } from "../lib/failures.ts";
import type { ExchangeDeps } from "./exchange-types.ts";
import type { Forwarding, ForwardResult, ProxyRequest } from "../proxy/mod.ts";
import type { Backend } from "../registry/mod.ts";
import type { RouteCandidate, RouteDecision, Router } from "../routing/mod.ts";
import type { ParsedRequest } from "../dialects/mod.ts";
import { type WakeGate, wokenFirst } from "./wake-gate.ts";

/** Where a request goes: its candidates, and the asleep backends to wake first if any. */
export interface Routed {
  readonly candidates: readonly RouteCandidate[];
  readonly wake?: readonly Backend[];
}

/**
 * The candidates in failover order (and what to wake first), or why there are none. Without a
 * `WakeGate` nothing is woken: asleep backends are not routable.
 */
export function routeOf(
  router: Router,
  wakeGate: WakeGate | undefined,
  parsed: ParsedRequest,
): Routed | Failure {
  const decision = router.select(parsed.model, parsed.requirements);
  const wake = wakeGate === undefined ? undefined : decision.wake;
  // The usual case (nothing to wake) hands the router's decision on as it is.
  if (wake === undefined) {
    if (!decision.ok) return decision.rejection;
    return decision.wake === undefined ? decision : { candidates: decision.candidates };
  }
  return { candidates: decision.ok ? decision.candidates : [], wake };
}

/**
 * Waits for the asleep backends to wake, then routes again (woken backends first) and forwards.
 * The wait ends early when the client leaves or the drain deadline passes; `waking` is told the
 * backends waited for (the dashboard's and the keep-alives' `waking …`), then nothing.
 */
export async function afterWake(
  wake: readonly Backend[],
  deps: Pick<ExchangeDeps, "router" | "wake" | "inflight">,
  client: Request,
  request: ProxyRequest,
  forwarding: Forwarding,
  waking: (names: string | undefined) => void,
): Promise<ForwardResult> {
  const { router } = deps;
  const { parsed } = request;
  waking(wake.map((backend) => backend.name).join(", "));
  const signal = AbortSignal.any([client.signal, deps.inflight.shutdownSignal]);
  const woken = await deps.wake!.wait(wake, signal);
  waking(undefined);
  const again: RouteDecision = router.select(parsed.model, parsed.requirements);
  if (!again.ok) return forwarding.refuse(request, woken ?? again.rejection);
  if (woken?.kind === "client_closed" || woken?.kind === "shutting_down") {
    return forwarding.refuse(request, woken);
  }
  return forwarding.run(request, wokenFirst(again.candidates, wake));
}
