/**
 * `nexus doctor`'s first line per backend: a backend whose probes pass but whose circuit breaker
 * keeps traffic away is a warning, not a green "reachable".
 */
import { describe, expect, test } from "bun:test";
import { statusFinding } from "../../../src/cli/doctor-status.ts";
import type { DoctorBackend } from "../../../src/cli/doctor-types.ts";

const backend = (patch: Partial<DoctorBackend>): DoctorBackend => ({
  name: "gpu",
  url: "http://127.0.0.1:11434",
  type: "ollama",
  status: "healthy",
  source: "static",
  models: ["llama3"],
  latency_ms: 3,
  last_error: null,
  last_check: null,
  version: "0.5.7",
  breaker: "closed",
  ...patch,
});

describe("doctor: what the running Nexus says of a backend", () => {
  test("healthy with a closed breaker is ok", () => {
    expect(statusFinding(backend({}))).toMatchObject({ verdict: "ok", check: "reachable" });
  });

  test("healthy with an open or half-open breaker is a warning naming the last error", () => {
    const open = statusFinding(
      backend({ breaker: "open", last_error: "Backend gpu failed: HTTP 500" }),
    );
    expect(open.verdict).toBe("warn");
    expect(open.message).toBe(
      "healthy, but its circuit breaker is open: its requests failed (Backend gpu failed: HTTP 500), so it gets no traffic until a trial request succeeds",
    );
    expect(open.fix).toContain("trial request");
    expect(statusFinding(backend({ status: "busy", breaker: "half_open" })).message).toMatch(
      /^busy, but its circuit breaker is half-open:/,
    );
  });
});
