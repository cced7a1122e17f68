/**
 * `nexus reload`: asks a running server to read its config again (`POST /v1/config/reload`) and
 * prints what it applied, and what needs a restart. A rejected config changes nothing: its
 * errors are printed and the exit code is 1.
 * @module
 */
import { NexusError } from "../lib/errors.ts";
import { rejectionHeadline } from "../reload/mod.ts";
import { callNexus, errorMessage } from "./client.ts";
import { json } from "./output.ts";
import { serverUrl } from "./server-url.ts";
import type { CommandHandler } from "./spec.ts";

interface Report {
  ok: boolean;
  config: string | null;
  applied: string[];
  restart: string[];
  warnings: string[];
  errors: string[];
}

export const reloadCommand: CommandHandler = async ({ runtime, values, stdout, stderr }) => {
  const base = await serverUrl({ values, runtime });
  const { status, body } = await callNexus(base, "/v1/config/reload", {
    method: "POST",
    body: {},
    token: runtime.env.NEXUS_ADMIN_TOKEN,
  });
  const rejected = (body as { error?: { context?: Report } } | undefined)?.error?.context;
  if (status === 400 && rejected?.errors) {
    if (values.json) stdout(json(rejected));
    else {
      stderr(`${rejectionHeadline(rejected.config ?? null)}:\n`);
      for (const line of rejected.errors) stderr(`  ${line}\n`);
    }
    return 1;
  }
  if (status !== 200) throw new NexusError("E_SERVER", errorMessage(body, status));
  const report = body as Report;
  if (values.json) {
    stdout(json(report));
    return 0;
  }
  for (const warning of report.warnings) stderr(`warning: ${warning}\n`);
  const from = report.config ?? "defaults";
  if (report.applied.length === 0) stdout(`Reloaded ${from}: nothing to change\n`);
  else {
    stdout(`Reloaded ${from}:\n`);
    for (const line of report.applied) stdout(`  ${line}\n`);
  }
  for (const line of report.restart) stdout(`  not applied: ${line}\n`);
  return 0;
};
