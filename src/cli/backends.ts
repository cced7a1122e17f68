/** `nexus backends list|add|remove`: manage the backends of a running server. */
import { NexusError } from "../lib/errors.ts";
import { callNexus, errorMessage, nexusUrl } from "./client.ts";
import { json, renderTable, styleFor } from "./output.ts";
import type { CommandHandler } from "./spec.ts";

interface BackendRow {
  name: string;
  url: string;
  type: string;
  status: string;
  source: string;
  models: string[];
  latency_ms: number | null;
  last_error: string | null;
}

const STATUSES = ["healthy", "unhealthy", "unknown", "draining"];

export const backendsListCommand: CommandHandler = async ({ runtime, values, stdout }) => {
  const base = nexusUrl(values.url, runtime.env);
  const status = values.status;
  if (typeof status === "string" && !STATUSES.includes(status)) {
    throw new NexusError(
      "E_USAGE_STATUS",
      `Invalid --status "${status}": expected one of ${STATUSES.join(", ")}`,
    );
  }
  const { status: code, body } = await callNexus(base, "/v1/backends");
  if (code !== 200) throw new NexusError("E_SERVER", errorMessage(body, code));
  const backends = ((body as { data?: BackendRow[] }).data ?? []).filter((b) =>
    !status || b.status === status
  );
  if (values.json) {
    stdout(json(backends));
    return 0;
  }
  if (backends.length === 0) {
    stdout(
      status ? `No ${status} backends.\n` : "No backends. Add one with: nexus backends add <url>\n",
    );
    return 0;
  }
  const style = styleFor(runtime);
  stdout(renderTable(
    ["NAME", "URL", "TYPE", "STATUS", "MODELS", "LATENCY", "SOURCE"],
    backends.map((b) => [
      b.name,
      b.url,
      b.type,
      style.status(b.status),
      String(b.models.length),
      b.latency_ms === null ? "-" : `${Math.round(b.latency_ms)} ms`,
      b.source,
    ]),
  ));
  return 0;
};

export const backendsAddCommand: CommandHandler = async (
  { runtime, values, positionals, stdout },
) => {
  const base = nexusUrl(values.url, runtime.env);
  const body: Record<string, unknown> = { url: positionals[0] };
  if (typeof values.name === "string") body.name = values.name;
  if (typeof values.type === "string") body.type = values.type;
  if (typeof values.priority === "string") {
    const priority = Number(values.priority);
    if (!/^\d+$/.test(values.priority) || priority > 100) {
      throw new NexusError(
        "E_USAGE_PRIORITY",
        `Invalid --priority "${values.priority}": expected an integer from 0 to 100`,
      );
    }
    body.priority = priority;
  }
  const result = await callNexus(base, "/v1/backends", {
    method: "POST",
    body,
    token: runtime.env.NEXUS_ADMIN_TOKEN,
  });
  if (result.status !== 201) {
    throw new NexusError("E_SERVER", errorMessage(result.body, result.status));
  }
  const added = result.body as BackendRow;
  if (values.json) stdout(json(added));
  else stdout(`Added backend ${added.name} (${added.type}) at ${added.url}\n`);
  return 0;
};

export const backendsRemoveCommand: CommandHandler = async (
  { runtime, values, positionals, stdout },
) => {
  const base = nexusUrl(values.url, runtime.env);
  const name = positionals[0]!;
  const result = await callNexus(base, `/v1/backends/${encodeURIComponent(name)}`, {
    method: "DELETE",
    token: runtime.env.NEXUS_ADMIN_TOKEN,
  });
  if (result.status !== 200) {
    throw new NexusError("E_SERVER", errorMessage(result.body, result.status));
  }
  if (values.json) stdout(json(result.body));
  else stdout(`Removed backend ${name}\n`);
  return 0;
};
