/**
 * `nexus backends wake <name>`: sends a backend's magic packet now (`POST
 * /v1/backends/{name}/wake`) and, unless `--no-wait`, waits until it answers or its
 * `wake.timeout_seconds` pass (exit 1 then).
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";
import { NexusError } from "../lib/errors.ts";
import type { BackendRow } from "./backends.ts";
import { callNexus, errorMessage } from "./client.ts";
import { json } from "./output.ts";
import { startProgress } from "./progress.ts";
import { serverUrl } from "./server-url.ts";
import type { CommandHandler } from "./spec.ts";

const POLL_MS = 1000;

interface WakeAnswer {
  backend: string;
  status: string;
  waking: boolean;
  mac?: string;
  broadcast?: string;
  timeout_seconds?: number;
}

export const backendsWakeCommand: CommandHandler = async (
  { runtime, values, positionals, stdout, stderr },
) => {
  const base = await serverUrl({ values, runtime });
  const name = positionals[0]!;
  const result = await callNexus(base, `/v1/backends/${encodeURIComponent(name)}/wake`, {
    method: "POST",
    body: {},
    token: runtime.env.NEXUS_ADMIN_TOKEN,
  });
  if (result.status !== 200 && result.status !== 202) {
    throw new NexusError("E_SERVER", errorMessage(result.body, result.status));
  }
  const answer = result.body as WakeAnswer;
  if (!answer.waking) {
    if (values.json) stdout(json(answer));
    else stdout(`${name} is awake already (${answer.status})\n`);
    return 0;
  }
  if (!values.json) stdout(`Magic packet sent to ${answer.mac} via ${answer.broadcast}\n`);
  if (values["no-wait"]) {
    if (values.json) stdout(json(answer));
    return 0;
  }
  const progress = startProgress(runtime.stderrIsTTY, stderr, `waiting for ${name} to wake`);
  const woke = await waitUntilUp(base, name, (answer.timeout_seconds ?? 180) * 1000)
    .finally(() => progress.stop());
  if (values.json) stdout(json({ ...answer, woke: woke !== undefined, after_seconds: woke }));
  else if (woke !== undefined) stdout(`${name} is awake after ${woke} s\n`);
  else stderr(`${name} did not wake within ${answer.timeout_seconds ?? 180} s\n`);
  return woke === undefined ? 1 : 0;
};

/** Seconds until the backend is healthy (or busy), or undefined after `timeoutMs`. */
async function waitUntilUp(
  base: string,
  name: string,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<number | undefined> {
  const started = clock.monotonic();
  while (clock.monotonic() - started < timeoutMs) {
    const { status, body } = await callNexus(base, "/v1/backends");
    const row = status === 200
      ? ((body as { data?: BackendRow[] }).data ?? []).find((b) => b.name === name)
      : undefined;
    if (row?.status === "healthy" || row?.status === "busy") {
      return Math.round((clock.monotonic() - started) / 1000);
    }
    await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), POLL_MS));
  }
  return undefined;
}
