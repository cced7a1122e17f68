/**
 * `nexus doctor`'s type check: which server answers this machine at a backend's URL, against the
 * type the config (or the running Nexus) gives it.
 * @module
 */
import { detectBackendType } from "../backends/mod.ts";
import { withoutV1 } from "../lib/urls.ts";
import { type Finding, finding } from "./doctor-report.ts";
import type { BackendCheckOptions, DoctorBackend } from "./doctor-types.ts";

/** Type detection from this machine, against what the config (or Nexus) says it is. */
export async function typeFinding(
  backend: DoctorBackend,
  options: BackendCheckOptions,
): Promise<Finding> {
  const detected = await detectBackendType({
    baseUrl: withoutV1(backend.url),
    fetch: options.fetch,
    signal: AbortSignal.timeout(options.timeoutMs),
    // A server behind a key answers detection only with it (vLLM --api-key: 401 on /v1/models).
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  }).catch(() => undefined);
  const configured = options.configuredType ?? backend.type;
  if (detected === undefined) {
    return finding(
      "type",
      backend.name,
      "skip",
      options.apiKey === undefined
        ? "no LLM server answered this machine: type not checked (a server that wants a key answers only with the one its api_key_env names)"
        : "no LLM server answered this machine: type not checked",
    );
  }
  if (configured === "auto" || configured === detected) {
    return finding("type", backend.name, "ok", `answers as ${detected}`);
  }
  if (configured === "generic" || configured === "openai") {
    return finding("type", backend.name, "ok", `configured ${configured}; it is ${detected}`);
  }
  return finding(
    "type",
    backend.name,
    "fail",
    `configured as type "${configured}", but it answers as ${detected}`,
    `type = "${detected}" in its [[backends]] entry (or type = "auto" to detect it)`,
  );
}
