/**
 * The health state machine of REFERENCE.md A3, as a pure function so its thresholds can be
 * property-tested: unknown → healthy on the first success / unhealthy on the first failure;
 * healthy → unhealthy after `failure_threshold` consecutive failures; unhealthy → healthy after
 * `recovery_threshold` consecutive successes. "Not ready" (a server loading its model) is
 * neither: it changes nothing.
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

export type CheckResult = "success" | "failure" | "not_ready";

export const INITIAL_STATE: HealthState = {
  status: "unknown",
  consecutiveSuccesses: 0,
  consecutiveFailures: 0,
};

export function transition(
  state: HealthState,
  result: CheckResult,
  thresholds: Thresholds,
): HealthState {
  if (result === "not_ready") return state;
  const successes = result === "success" ? state.consecutiveSuccesses + 1 : 0;
  const failures = result === "failure" ? state.consecutiveFailures + 1 : 0;
  let status = state.status;
  if (status === "unknown" || status === "draining") {
    status = result === "success" ? "healthy" : "unhealthy";
  } else if (status === "healthy" && failures >= thresholds.failure_threshold) {
    status = "unhealthy";
  } else if (status === "unhealthy" && successes >= thresholds.recovery_threshold) {
    status = "healthy";
  }
  return { status, consecutiveSuccesses: successes, consecutiveFailures: failures };
}
