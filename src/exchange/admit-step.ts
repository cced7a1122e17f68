/**
 * The exchange's `admit` step: what refuses a request on arrival, before anything of it is read
 * — the shutdown drain (another instance, or this one restarted, should take it) and a request
 * that already passed through this Nexus (a forwarding loop, src/lib/loop.ts) — and, in keys mode
 * once the body is parsed, the key's model list and limits.
 * @module
 */
import { type Failure, failure } from "../lib/failures.ts";
import { loopFailure } from "../lib/loop.ts";
import type { KeyGuard, KeyIdentity } from "../auth/mod.ts";
import type { Endpoint, ParsedRequest } from "../dialects/mod.ts";
import type { InFlight } from "./inflight.ts";

/** Seconds to wait after a refusal during shutdown: another instance, or this one restarted. */
const SHUTDOWN_RETRY_AFTER = "5";

/** Why `request` is refused at once, or nothing: it may go on. */
export function arrivalRefusal(
  inflight: InFlight,
  request: Request,
  instanceId: string | undefined,
): Failure | undefined {
  if (inflight.draining) {
    return failure("shutting_down", "Nexus is shutting down; retry shortly", {
      retryAfter: SHUTDOWN_RETRY_AFTER,
    });
  }
  return instanceId ? loopFailure(request.headers, instanceId) : undefined;
}

/**
 * Keys mode: may the key use this model now? A pass to hold until the request is over, or why
 * not. count_tokens costs no tokens: nothing is generated.
 */
export function admitKey(
  auth: KeyGuard,
  identity: KeyIdentity,
  endpoint: Endpoint,
  parsed: ParsedRequest,
  address: string,
): ReturnType<KeyGuard["admit"]> {
  const estimate = endpoint.name === "count_tokens" ? 0 : parsed.requirements.estimated_tokens;
  return auth.admit(identity, parsed.model, estimate, address);
}
