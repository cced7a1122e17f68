/**
 * The health state machine of REFERENCE.md A3, as a pure function so its thresholds can be
 * property-tested: unknown → healthy on the first success / unhealthy on the first failure;
 * healthy → unhealthy after `failure_threshold` consecutive failures; unhealthy → healthy after
 * `recovery_threshold` consecutive successes. "Not ready" (a server loading its model) is
 * neither: it changes nothing.
 *
 * "Busy" is a probe that timed out while the backend was delivering bytes for Nexus requests:
 * traffic is evidence that it works, only slowly. It is never a failure: it ends the failure
 * streak and makes a healthy (or unknown) backend `busy`, which stays routable. A busy backend
 * is healthy again on its next success and unhealthy after `failure_threshold` failures, as a
 * healthy one. An unhealthy backend needs its successes to recover; traffic alone does not.
 *
 * A backend that can be woken (`[[backends]] wake`) is `asleep` wherever it would be unhealthy:
 * not answering is what a sleeping machine does. Its first success makes it healthy at once —
 * it woke up (Nexus woke it, or someone did) — since a request may be waiting for it.
 * @module
 */
import type { BackendStatus } from "../registry/mod.ts";

export interface HealthState {
  readonly status: BackendStatus;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
}

export interface Thresholds {
  readonly failure_threshold: number;
  readonly recovery_threshold: number;
}

export type CheckResult = "success" | "failure" | "not_ready" | "busy";

export const INITIAL_STATE: HealthState = {
  status: "unknown",
  consecutiveSuccesses: 0,
  consecutiveFailures: 0,
};

export function transition(
  state: HealthState,
  result: CheckResult,
  thresholds: Thresholds,
  wakeable = false,
): HealthState {
  const asleep = state.status === "asleep";
  if (asleep && result === "success") {
    return {
      status: "healthy",
      consecutiveSuccesses: state.consecutiveSuccesses + 1,
      consecutiveFailures: 0,
    };
  }
  const next = awakeTransition(
    asleep ? { ...state, status: "unhealthy" } : state,
    result,
    thresholds,
  );
  return wakeable && next.status === "unhealthy" ? { ...next, status: "asleep" } : next;
}

function awakeTransition(
  state: HealthState,
  result: CheckResult,
  thresholds: Thresholds,
): HealthState {
  if (result === "not_ready") return state;
  if (result === "busy") {
    return {
      status: state.status === "unhealthy" ? "unhealthy" : "busy",
      consecutiveSuccesses: state.consecutiveSuccesses,
      consecutiveFailures: 0,
    };
  }
  const successes = result === "success" ? state.consecutiveSuccesses + 1 : 0;
  const failures = result === "failure" ? state.consecutiveFailures + 1 : 0;
  let status = state.status;
  if (status === "unknown" || status === "draining") {
    status = result === "success" ? "healthy" : "unhealthy";
  } else if (status === "busy" && result === "success") {
    status = "healthy";
  } else if (
    (status === "healthy" || status === "busy") && failures >= thresholds.failure_threshold
  ) {
    status = "unhealthy";
  } else if (status === "unhealthy" && successes >= thresholds.recovery_threshold) {
    status = "healthy";
  }
  return { status, consecutiveSuccesses: successes, consecutiveFailures: failures };
}
