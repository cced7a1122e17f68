/**
 * `nexus doctor` without a running Nexus: each config backend checked from this machine alone.
 * @module
 */
import { networkErrorReason } from "../lib/network.ts";
import { redactUrl, withoutV1 } from "../lib/urls.ts";
import { v1Finding } from "./doctor-config.ts";
import { fixFor } from "./doctor-fixes.ts";
import { type Finding, finding } from "./doctor-report.ts";
import { typeFinding } from "./doctor-server-type.ts";
import type { BackendCheckOptions, DoctorBackend } from "./doctor-types.ts";

/**
 * Without a running Nexus, a config backend is checked from here alone: its URL, whether an LLM
 * server answers there, and whether it is the configured type.
 */
export async function offlineFindings(
  config: { name: string; url: string; type: string },
  options: Pick<BackendCheckOptions, "fetch" | "timeoutMs" | "apiKey">,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const v1 = v1Finding(config.name, config.url);
  if (v1) findings.push(v1);
  try {
    const response = await options.fetch(withoutV1(config.url) + "/", {
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: { connection: "close" },
    });
    await response.body?.cancel();
  } catch (error) {
    const reason = networkErrorReason(error);
    findings.push(
      finding(
        "reachable",
        config.name,
        "fail",
        `${redactUrl(config.url)}: ${reason}`,
        fixFor(reason, config.url),
      ),
    );
    return findings;
  }
  const backend = { name: config.name, url: config.url, type: config.type } as DoctorBackend;
  findings.push(
    await typeFinding(backend, { ...options, configuredType: config.type } as BackendCheckOptions),
  );
  return findings;
}
