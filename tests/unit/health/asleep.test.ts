/**
 * The health state machine for a backend that can be woken: `asleep` wherever it would be
 * unhealthy, healthy again on its first success (it woke up), and an asleep backend whose wake
 * settings were removed is just unhealthy.
 */
import { describe, expect, test } from "bun:test";
import { type HealthState, INITIAL_STATE, transition } from "../../../src/health/mod.ts";

const t = { failure_threshold: 3, recovery_threshold: 2 };

describe("transition() with wake", () => {
  test("a first failure from unknown: asleep, not unhealthy", () => {
    expect(transition(INITIAL_STATE, "failure", t, true).status).toBe("asleep");
    expect(transition(INITIAL_STATE, "failure", t, false).status).toBe("unhealthy");
  });

  test("healthy → asleep after failure_threshold failures", () => {
    let state: HealthState = { ...INITIAL_STATE, status: "healthy" };
    for (let i = 0; i < 2; i++) state = transition(state, "failure", t, true);
    expect(state.status).toBe("healthy");
    state = transition(state, "failure", t, true);
    expect(state.status).toBe("asleep");
  });

  test("asleep → healthy on the first success, though recovery_threshold is 2", () => {
    const asleep: HealthState = { ...INITIAL_STATE, status: "asleep", consecutiveFailures: 7 };
    expect(transition(asleep, "success", t, true)).toEqual({
      status: "healthy",
      consecutiveSuccesses: 1,
      consecutiveFailures: 0,
    });
  });

  test("asleep stays asleep on failures, busy probes and not-ready answers", () => {
    const asleep: HealthState = { ...INITIAL_STATE, status: "asleep" };
    for (const result of ["failure", "busy", "not_ready"] as const) {
      expect(transition(asleep, result, t, true).status).toBe("asleep");
    }
  });

  test("asleep without wake any more: unhealthy until it recovers the usual way", () => {
    const asleep: HealthState = { ...INITIAL_STATE, status: "asleep" };
    expect(transition(asleep, "failure", t, false).status).toBe("unhealthy");
  });
});
