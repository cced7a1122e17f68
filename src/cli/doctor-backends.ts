/**
 * `nexus doctor`'s checks of one backend, in order: what the running Nexus says about it
 * (`doctor-status.ts`), what the backend answers to this machine directly (its type,
 * `doctor-server-type.ts`; its clock, `doctor-clock.ts`), what it lists (`doctor-models.ts`),
 * and with `--chat` / `--tools` a tiny completion, a stream and a tool call per model
 * (`doctor-chat.ts`). Every network question is a probe: one connection, closed after its
 * answer, under a deadline.
 * @module
 */
import { networkErrorReason } from "../lib/network.ts";
import { redactUrl, withoutV1 } from "../lib/urls.ts";
import { chatFindings } from "./doctor-chat.ts";
import { skewFinding } from "./doctor-clock.ts";
import { v1Finding } from "./doctor-config.ts";
import { fixFor } from "./doctor-fixes.ts";
import { contextFinding, modelsFinding } from "./doctor-models.ts";
import { type Finding, finding } from "./doctor-report.ts";
import { typeFinding } from "./doctor-server-type.ts";
import { statusFinding } from "./doctor-status.ts";
import type { BackendCheckOptions, DoctorBackend } from "./doctor-types.ts";

export async function backendFindings(
  backend: DoctorBackend,
  options: BackendCheckOptions,
): Promise<Finding[]> {
  const name = backend.name;
  const status = statusFinding(backend);
  const findings: Finding[] = [status];
  const v1 = v1Finding(name, backend.url);
  if (v1) findings.push(v1);
  if (backend.status === "asleep") return findings;
  const here = await reachFromHere(backend, options);
  // Nexus may know only that no server answered (type auto); the network's own words say why.
  if (status.verdict === "fail" && "reason" in here) {
    findings[0] = finding(
      "reachable",
      name,
      "fail",
      `unhealthy: ${redactUrl(backend.url)}: ${here.reason}`,
      fixFor(here.reason, backend.url),
    );
  }
  findings.push(await typeFinding(backend, options));
  if ("date" in here) {
    const clock = skewFinding("clock_skew", name, here.date, options.now());
    if (clock) findings.push(clock);
  }
  const routable = backend.status === "healthy" || backend.status === "busy";
  if (!routable) return findings;
  findings.push(modelsFinding(backend));
  const context = contextFinding(backend, options.models);
  if (context) findings.push(context);
  if (options.chat || options.tools) findings.push(...await chatFindings(backend, options));
  return findings;
}

/**
 * One request from this machine to the backend's root: its `Date` header (clock skew), or why
 * nothing answered.
 */
async function reachFromHere(
  backend: DoctorBackend,
  options: BackendCheckOptions,
): Promise<{ readonly date: string | null } | { readonly reason: string }> {
  try {
    const response = await options.fetch(withoutV1(backend.url) + "/", {
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: { connection: "close" },
    });
    await response.body?.cancel();
    return { date: response.headers.get("date") };
  } catch (error) {
    return { reason: networkErrorReason(error) };
  }
}
