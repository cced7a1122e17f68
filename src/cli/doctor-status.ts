/**
 * `nexus doctor`'s first line per backend: what the running Nexus says about it (its status,
 * and for a problem its last error turned into a fix).
 * @module
 */
import { redactUrl } from "../lib/urls.ts";
import { fixFor } from "./doctor-fixes.ts";
import { type Finding, finding } from "./doctor-report.ts";
import type { DoctorBackend } from "./doctor-types.ts";

/** What the running Nexus says: its status, and for a problem, what to do. */
export function statusFinding(backend: DoctorBackend): Finding {
  const { name, status } = backend;
  switch (status) {
    case "healthy":
    case "busy":
      // Its probes pass, yet Nexus sends it nothing: its own requests kept failing.
      if (backend.breaker === "open" || backend.breaker === "half_open") {
        return finding(
          "reachable",
          name,
          "warn",
          `${status}, but its circuit breaker is ${
            backend.breaker.replace("_", "-")
          }: its requests failed${
            backend.last_error ? ` (${backend.last_error})` : ""
          }, so it gets no traffic until a trial request succeeds`,
          "its health checks pass while requests fail (a broken model, a full disk?): look at its own log; the breaker closes by itself once a trial request succeeds",
        );
      }
      return finding(
        "reachable",
        name,
        "ok",
        `${status} (${backend.type}${backend.version ? ` ${backend.version}` : ""}, ${
          redactUrl(backend.url)
        })`,
      );
    case "asleep":
      return finding(
        "reachable",
        name,
        "warn",
        "asleep: a request for its models wakes it (Wake-on-LAN)",
        `nexus backends wake ${name} wakes it now`,
      );
    case "draining":
      return finding(
        "reachable",
        name,
        "warn",
        "draining: removed from the config, finishing its requests",
      );
    case "unknown":
      return finding(
        "reachable",
        name,
        "warn",
        "not checked yet (Nexus just started, or discovery lost it)",
        "run nexus doctor again in a few seconds",
      );
    default:
      return finding(
        "reachable",
        name,
        "fail",
        `unhealthy: ${backend.last_error ?? "its health checks fail"}`,
        fixFor(backend.last_error ?? "", backend.url),
      );
  }
}
