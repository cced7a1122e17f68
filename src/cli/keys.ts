/**
 * `nexus keys create|list|revoke|usage`: through the running server's admin API (`--url`,
 * NEXUS_URL, else the address the config's `[server]` listens on; NEXUS_ADMIN_TOKEN from another
 * machine), or — when no server answers — on the keys file the config names (keys-offline.ts),
 * so keys can be made before the first start.
 * @module
 */
import { keyNameProblem } from "../auth/mod.ts";
import { NexusError } from "../lib/errors.ts";
import { parseDuration } from "../lib/durations.ts";
import { callNexus, errorMessage } from "./client.ts";
import { offlineKeys } from "./keys-offline.ts";
import { json, renderTable } from "./output.ts";
import { serverUrl } from "./server-url.ts";
import type { CommandContext, CommandHandler } from "./spec.ts";

interface KeyView {
  name: string;
  status: string;
  created_at: string;
  expires_at: string | null;
  models: readonly string[] | null;
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
}

interface UsageRow {
  day: string;
  key: string;
  model: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** The server's answer, or undefined when no server answers (the file is used instead). */
async function server(
  context: CommandContext,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown } | undefined> {
  const base = await serverUrl(context);
  try {
    return await callNexus(base, path, { ...init, token: context.runtime.env.NEXUS_ADMIN_TOKEN });
  } catch (error) {
    if (error instanceof NexusError && error.code === "E_UNREACHABLE") return undefined;
    throw error;
  }
}

function expect2xx(result: { status: number; body: unknown }): unknown {
  if (result.status >= 300) {
    throw new NexusError("E_SERVER", errorMessage(result.body, result.status));
  }
  return result.body;
}

export const keysCreateCommand: CommandHandler = async (context) => {
  const { values, positionals, stdout, stderr } = context;
  // A bad name is a usage error (exit 2) here, before the server or the keys file is asked.
  const nameProblem = keyNameProblem(positionals[0]);
  if (nameProblem !== undefined) {
    throw new NexusError("E_USAGE", `Invalid key name "${positionals[0]}": ${nameProblem}`);
  }
  const expires = typeof values.expires === "string" ? values.expires : undefined;
  if (expires !== undefined && parseDuration(expires) === undefined) {
    throw new NexusError("E_USAGE", `Invalid --expires "${expires}": expected a duration like 30d`);
  }
  const models = typeof values.models === "string"
    ? values.models.split(",").map((m) => m.trim()).filter((m) => m !== "")
    : undefined;
  const body = {
    name: positionals[0]!,
    ...(models?.length ? { models } : {}),
    ...(typeof values.rpm === "string" ? { rpm: Number(values.rpm) } : {}),
    ...(typeof values.tpm === "string" ? { tpm: Number(values.tpm) } : {}),
    ...(typeof values.concurrency === "string" ? { concurrency: Number(values.concurrency) } : {}),
    ...(expires ? { expires_in: expires } : {}),
  };
  const answer = await server(context, "/v1/keys", { method: "POST", body });
  const created = answer === undefined
    ? await (await offlineKeys(context)).create(body)
    : expect2xx(answer) as KeyView & { key: string };
  if (values.json) {
    stdout(json(created));
    return 0;
  }
  stdout(`Created API key "${created.name}"${limitsText(created)}:\n\n  ${created.key}\n\n`);
  stderr(
    "Store it now: Nexus keeps only its hash and cannot show it again.\n" +
      "Clients send it as Authorization: Bearer <key> (Anthropic clients: x-api-key).\n",
  );
  return 0;
};

export const keysListCommand: CommandHandler = async (context) => {
  const answer = await server(context, "/v1/keys");
  const keys = answer === undefined
    ? (await offlineKeys(context)).list()
    : (expect2xx(answer) as { data: KeyView[] }).data;
  if (context.values.json) {
    context.stdout(json(keys));
    return 0;
  }
  if (keys.length === 0) {
    context.stdout("No API keys. Create one with: nexus keys create NAME\n");
    return 0;
  }
  context.stdout(renderTable(
    ["NAME", "STATUS", "MODELS", "RPM", "TPM", "CONCURRENCY", "CREATED", "EXPIRES"],
    keys.map((k) => [
      k.name,
      k.status,
      k.models?.join(",") ?? "*",
      limit(k.rpm),
      limit(k.tpm),
      limit(k.concurrency),
      k.created_at.slice(0, 10),
      k.expires_at?.slice(0, 10) ?? "-",
    ]),
  ));
  return 0;
};

export const keysRevokeCommand: CommandHandler = async (context) => {
  const name = context.positionals[0]!;
  const answer = await server(context, `/v1/keys/${encodeURIComponent(name)}`, {
    method: "DELETE",
  });
  const revoked = answer === undefined
    ? await (await offlineKeys(context)).revoke(name)
    : expect2xx(answer);
  if (context.values.json) context.stdout(json(revoked));
  else context.stdout(`Revoked API key "${name}"\n`);
  return 0;
};

export const keysUsageCommand: CommandHandler = async (context) => {
  const since = typeof context.values.since === "string" ? context.values.since : "7d";
  const name = context.positionals[0];
  const query = `?since=${encodeURIComponent(since)}${
    name ? `&name=${encodeURIComponent(name)}` : ""
  }`;
  const answer = await server(context, `/v1/keys/usage${query}`);
  const usage = answer === undefined
    ? await (await offlineKeys(context)).usage(since, name)
    : expect2xx(answer) as { source: string; since: string; data: UsageRow[] };
  if (context.values.json) {
    context.stdout(json(usage));
    return 0;
  }
  if (usage.data.length === 0) {
    context.stdout(`No usage since ${usage.since}.\n`);
    return 0;
  }
  const rows: readonly UsageRow[] = usage.data;
  const total = { requests: 0, errors: 0, prompt: 0, completion: 0 };
  for (const row of rows) {
    total.requests += row.requests;
    total.errors += row.errors;
    total.prompt += row.prompt_tokens;
    total.completion += row.completion_tokens;
  }
  context.stdout(renderTable(
    ["DAY", "KEY", "MODEL", "REQUESTS", "ERRORS", "PROMPT", "COMPLETION"],
    [
      ...rows.map((r) => [
        r.day,
        r.key,
        r.model,
        String(r.requests),
        String(r.errors),
        String(r.prompt_tokens),
        String(r.completion_tokens),
      ]),
      [
        "total",
        "",
        "",
        String(total.requests),
        String(total.errors),
        String(total.prompt),
        String(total.completion),
      ],
    ],
  ));
  if (usage.source === "local" && answer !== undefined) {
    context.stdout("(this instance only: Redis is not configured or not reachable)\n");
  }
  return 0;
};

function limit(value: number | null): string {
  return value === null ? "-" : String(value);
}

function limitsText(key: KeyView): string {
  const parts = [
    key.models ? `models ${key.models.join(",")}` : "",
    key.rpm ? `${key.rpm} requests/min` : "",
    key.tpm ? `${key.tpm} tokens/min` : "",
    key.concurrency ? `${key.concurrency} at once` : "",
    key.expires_at ? `expires ${key.expires_at.slice(0, 10)}` : "",
  ].filter((part) => part !== "");
  return parts.length ? ` (${parts.join(", ")})` : "";
}
