import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  type CheckResult,
  type HealthState,
  INITIAL_STATE,
  transition,
} from "../../../src/health/mod.ts";

const thresholds = { failure_threshold: 3, recovery_threshold: 2 };
const limits = () =>
  fc.record({
    failure_threshold: fc.integer({ min: 1, max: 6 }),
    recovery_threshold: fc.integer({ min: 1, max: 6 }),
  });
const run = (results: CheckResult[], from: HealthState = INITIAL_STATE, t = thresholds) =>
  results.reduce((state, result) => transition(state, result, t), from);

describe("transition()", () => {
  test("unknown becomes healthy on the first success and unhealthy on the first failure", () => {
    expect(run(["success"]).status).toBe("healthy");
    expect(run(["failure"]).status).toBe("unhealthy");
  });

  test("healthy becomes unhealthy after exactly failure_threshold consecutive failures", () => {
    expect(run(["success", "failure", "failure"]).status).toBe("healthy");
    expect(run(["success", "failure", "failure", "failure"]).status).toBe("unhealthy");
  });

  test("a success resets the failure streak", () => {
    expect(run(["success", "failure", "failure", "success", "failure", "failure"]).status).toBe(
      "healthy",
    );
  });

  test("unhealthy becomes healthy after exactly recovery_threshold consecutive successes", () => {
    expect(run(["failure", "success"]).status).toBe("unhealthy");
    expect(run(["failure", "success", "success"]).status).toBe("healthy");
    expect(run(["failure", "success", "failure", "success"]).status).toBe("unhealthy");
  });

  test("not ready changes nothing, not even the streaks", () => {
    const state = run(["success", "failure", "failure"]);
    expect(transition(state, "not_ready", thresholds)).toBe(state);
    expect(run(["not_ready", "not_ready"]).status).toBe("unknown");
  });

  test("busy (a timeout while traffic flows) makes a routable backend busy and ends the failure streak", () => {
    expect(run(["success", "busy"]).status).toBe("busy");
    expect(run(["busy"]).status).toBe("busy");
    const streakBroken = run(["success", "failure", "failure", "busy", "failure", "failure"]);
    expect(streakBroken.status).toBe("busy");
    expect(run(["success", "busy", "failure", "failure", "failure"]).status).toBe("unhealthy");
  });

  test("busy is healthy again on the next success", () => {
    expect(run(["success", "busy", "success"]).status).toBe("healthy");
  });

  test("an unhealthy backend stays unhealthy on busy: recovery needs its successes", () => {
    expect(run(["failure", "busy"]).status).toBe("unhealthy");
    expect(run(["failure", "success", "busy"]).status).toBe("unhealthy");
  });

  const results = fc.array(
    fc.constantFrom<CheckResult>("success", "failure", "not_ready", "busy"),
    { maxLength: 40 },
  );

  test("property: busy never makes a backend unroutable", () => {
    fc.assert(
      fc.property(results, limits(), (sequence, t) => {
        const state = run(sequence, INITIAL_STATE, t);
        const next = transition(state, "busy", t);
        expect(next.status === "unhealthy").toBe(state.status === "unhealthy");
        expect(next.consecutiveFailures).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test("property: a routable backend never turns unhealthy before failure_threshold consecutive failures", () => {
    fc.assert(
      fc.property(results, limits(), (sequence, t) => {
        let state = run(["success"], INITIAL_STATE, t);
        for (const result of sequence) {
          const next = transition(state, result, t);
          if (state.status !== "unhealthy" && next.status === "unhealthy") {
            expect(result).toBe("failure");
            expect(next.consecutiveFailures).toBe(t.failure_threshold);
          }
          state = next;
        }
      }),
      { numRuns: 300 },
    );
  });

  test("property: an unhealthy backend never turns healthy before recovery_threshold consecutive successes", () => {
    fc.assert(
      fc.property(results, limits(), (sequence, t) => {
        let state = run(["failure"], INITIAL_STATE, t);
        for (const result of sequence) {
          const next = transition(state, result, t);
          if (state.status === "unhealthy" && next.status === "healthy") {
            expect(result).toBe("success");
            expect(next.consecutiveSuccesses).toBe(t.recovery_threshold);
          }
          state = next;
        }
      }),
      { numRuns: 300 },
    );
  });

  test("property: status only ever changes on a success or a failure, never on not_ready", () => {
    fc.assert(
      fc.property(results, limits(), (sequence, t) => {
        let state = INITIAL_STATE;
        for (const result of sequence) {
          const next = transition(state, result, t);
          if (result === "not_ready") expect(next).toBe(state);
          state = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
