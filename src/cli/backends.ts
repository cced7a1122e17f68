/** `nexus backends list|remove` (add: backends-add.ts): manage the backends of a running server. */
import { NexusError } from "../lib/errors.ts";
import { callNexus, errorMessage } from "./client.ts";
import { json, renderTable, styleFor } from "./output.ts";
import { serverUrl } from "./server-url.ts";
import type { CommandHandler } from "./spec.ts";

/** A backend as `GET /v1/backends` shows it (the fields the CLI reads). */
export interface BackendRow {
  name: string;
  url: string;
  type: string;
  status: string;
  source: string;
  models: string[];
  slots?: number | null;
  slots_in_use?: number;
  latency_ms: number | null;
  last_error: string | null;
  last_check: string | null;
  /** The server's version; absent from servers before 0.2. */
  version?: string | null;
  /** Circuit breaker state; absent from servers before 0.2. */
  breaker?: "closed" | "open" | "half_open";
}

/** Room for "connection refused", "HTTP 404 from /api/tags" …; `--json` has the whole text. */
const ERROR_WIDTH = 60;

export const backendsListCommand: CommandHandler = async ({ runtime, values, stdout }) => {
  const base = await serverUrl({ values, runtime });
  // Checked against the table's choices before this runs (commands.ts).
  const status = values.status;
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
  let truncated = false;
  const errorCell = (b: BackendRow): string => {
    // A healthy backend's last error is history (a failed request since recovered): not shown.
    if (b.status === "healthy" || !b.last_error) return "";
    if (b.last_error.length <= ERROR_WIDTH) return b.last_error;
    truncated = true;
    return `${b.last_error.slice(0, ERROR_WIDTH - 1)}…`;
  };
  stdout(renderTable(
    ["NAME", "URL", "TYPE", "STATUS", "MODELS", "SLOTS", "LATENCY", "SOURCE", "ERROR"],
    backends.map((b) => [
      b.name,
      b.url,
      b.type,
      // An open breaker is why a healthy backend gets no traffic: say so where the status is.
      b.breaker && b.breaker !== "closed"
        ? `${style.status(b.status)} (breaker ${b.breaker.replace("_", "-")})`
        : style.status(b.status),
      String(b.models.length),
      slotsCell(b),
      b.latency_ms === null ? "-" : `${Math.round(b.latency_ms)} ms`,
      b.source,
      errorCell(b),
    ]),
  ));
  if (truncated) stdout("(errors shortened to fit; --json shows them whole)\n");
  return 0;
};

/**
 * `in use/limit`; `no limit` for a backend without one, in the dashboard's words (a bare count read
 * as zero slots); `-` when the server does not say (before 0.2). `--json` keeps `slots: null`.
 */
function slotsCell(b: BackendRow): string {
  if (b.slots === undefined) return "-";
  if (b.slots === null) return "no limit";
  return `${b.slots_in_use ?? 0}/${b.slots}`;
}

export const backendsRemoveCommand: CommandHandler = async (
  { runtime, values, positionals, stdout },
) => {
  const base = await serverUrl({ values, runtime });
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
