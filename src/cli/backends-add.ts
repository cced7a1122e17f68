/**
 * `nexus backends add <url>`: add a backend to a running server, then say whether it works.
 * A URL ending in `/v1` (a client's base URL) is added without it, with a note: Nexus appends
 * `/v1/…` itself. Type detection and the first health check can take the whole probe timeout,
 * so a terminal shows what is being waited for.
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";
import { NexusError } from "../lib/errors.ts";
import { V1_HINT, withoutV1 } from "../lib/urls.ts";
import type { BackendRow } from "./backends.ts";
import { callNexus, errorMessage } from "./client.ts";
import { serverUrl } from "./server-url.ts";
import { json } from "./output.ts";
import { startProgress } from "./progress.ts";
import type { CommandContext, CommandHandler } from "./spec.ts";

/** Longest wait for the first health check; the server's own probe timeout is 5 s by default. */
const FIRST_CHECK_WAIT_MS = 10_000;
const POLL_MS = 100;

export const backendsAddCommand: CommandHandler = async (context) => {
  const { runtime, values, positionals, stdout, stderr } = context;
  const base = await serverUrl({ values, runtime });
  const given = positionals[0]!;
  const url = withoutV1(given);
  if (url !== given) stderr(`note: ${given} ends in /v1: ${V1_HINT}; adding ${url}\n`);
  const body: Record<string, unknown> = { url };
  if (typeof values.name === "string") body.name = values.name;
  if (typeof values.type === "string") body.type = values.type;
  // The table has already checked the range (commands.ts).
  if (typeof values.priority === "string") body.priority = Number(values.priority);
  if (values.ephemeral) body.ephemeral = true;
  const detecting = typeof values.type === "string"
    ? undefined
    : startProgress(runtime.stderrIsTTY, stderr, `probing ${url} to detect its type`);
  const result = await callNexus(base, "/v1/backends", {
    method: "POST",
    body,
    token: runtime.env.NEXUS_ADMIN_TOKEN,
  }).finally(() => detecting?.stop());
  if (result.status !== 201) {
    throw new NexusError("E_SERVER", errorMessage(result.body, result.status));
  }
  const added = result.body as BackendRow;
  if (values.json) {
    stdout(json(added));
    return 0;
  }
  const checked = await waitForFirstCheck(context, base, added.name);
  stdout(`Added backend ${added.name} (${added.type}) at ${added.url}${describeCheck(checked)}\n`);
  return 0;
};

/**
 * The server probes a new backend at once; reporting that result tells the user whether the
 * backend works, and a script that chats right after `add` does not race the probe.
 */
async function waitForFirstCheck(
  { runtime, stderr }: CommandContext,
  base: string,
  name: string,
  clock: Clock = systemClock,
): Promise<BackendRow | undefined> {
  const progress = startProgress(runtime.stderrIsTTY, stderr, `checking ${name}`);
  const deadline = clock.monotonic() + FIRST_CHECK_WAIT_MS;
  try {
    while (clock.monotonic() < deadline) {
      const { status, body } = await callNexus(base, "/v1/backends");
      if (status !== 200) return undefined;
      const row = ((body as { data?: BackendRow[] }).data ?? []).find((b) => b.name === name);
      // Removed meanwhile, or checked: either way there is nothing more to wait for.
      if (!row || row.last_check !== null) return row;
      await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), POLL_MS));
    }
    return undefined;
  } finally {
    progress.stop();
  }
}

function describeCheck(row: BackendRow | undefined): string {
  if (!row || row.last_check === null) {
    return "; its first health check has not finished (see nexus backends list)";
  }
  if (row.status === "healthy") {
    const count = row.models.length;
    return `: healthy, ${count} model${count === 1 ? "" : "s"}`;
  }
  return `: ${row.status}${row.last_error ? ` (${row.last_error})` : ""}`;
}
