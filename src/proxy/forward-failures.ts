/**
 * What the client hears when a forwarding ends without an answer (src/proxy/forward.ts): every
 * candidate failed before the first byte, and the last failure decides; or the request ended
 * while it waited for a slot, and why it ended does.
 * @module
 */
import type { DialectName } from "../dialects/mod.ts";
import { type Failure, failure, statusOf } from "../lib/failures.ts";
import { boundText } from "../lib/limits.ts";
import type { AttemptFailure } from "./attempt-types.ts";
import { REQUEST_TIMEOUT, SHUTDOWN } from "./failures.ts";
import type { ProxyOutcome } from "./forward-types.ts";

/** A forwarding's outcome before its timings are added. */
export type FailedOutcome = Omit<ProxyOutcome, "upstreamMs" | "queueWaitMs">;

/**
 * Every candidate failed before the first byte (`failures`, in order; none when nothing could
 * be tried, and then the endpoint's own refusal if it had one).
 */
export function failureOutcome(
  failures: readonly AttemptFailure[],
  requestedModel: string,
  dialect: DialectName,
  endpointRefusal: Failure | undefined,
): FailedOutcome {
  const model = boundText(requestedModel);
  const last = failures[failures.length - 1];
  const tried = failures.map((f) => `${f.backend.name}: ${f.message}`).join("; ");
  const failed = (value: Failure) => ({
    ok: false,
    status: statusOf(value, dialect),
    attempts: failures,
    failure: value,
  });
  if (last?.kind === "client_closed") {
    return failed(failure("client_closed", "client closed the request"));
  }
  if (last?.kind === "shutdown") {
    return failed(
      failure("shutting_down", "Nexus is shutting down; retry shortly", { retryAfter: "5" }),
    );
  }
  if (last?.status === 503 && last.retryAfter) {
    // The backend said when to come back: tell the client the same instead of a bare 502.
    return failed(
      failure("upstream_unavailable", `Backend unavailable for model "${model}" (${tried})`, {
        retryAfter: last.retryAfter,
      }),
    );
  }
  if (failures.length === 0) {
    if (endpointRefusal !== undefined) return failed(endpointRefusal);
    return failed(failure("upstream_failed", `No backend could be tried for model "${model}"`));
  }
  if (last?.kind === "loop") {
    return failed(
      failure("loop_detected", `A backend for model "${model}" is this Nexus itself (${tried})`),
    );
  }
  const timedOut = last?.kind === "timeout" || last?.kind === "request_timeout";
  return timedOut
    ? failed(failure("upstream_timeout", `Backend timed out for model "${model}" (${tried})`))
    : failed(failure("upstream_failed", `Every backend failed for model "${model}" (${tried})`));
}

/**
 * Why the request ended while it waited for a slot, when that says more than "gone": the
 * shutdown drain or the request's deadline (`reason` is its scope's).
 */
export function whyAborted(reason: unknown): Failure | undefined {
  if (reason === SHUTDOWN) {
    return failure("shutting_down", "Nexus is shutting down; retry shortly", { retryAfter: "5" });
  }
  if (reason === REQUEST_TIMEOUT) {
    return failure("upstream_timeout", "The request deadline passed before a backend was free");
  }
  return undefined;
}

/** After these no other backend is worth trying: the client left, or time is up. */
export function isFinal(failure: AttemptFailure): boolean {
  return failure.kind === "client_closed" || failure.kind === "request_timeout" ||
    failure.kind === "shutdown";
}
