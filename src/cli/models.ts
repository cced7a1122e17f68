/**
 * `nexus models`: the models a running server can route to now. The CAPABILITIES column lists
 * what the models can do and, marked `?`, what nobody knows (`null` in the JSON): unknown is not
 * a lack, and Nexus still routes such requests there.
 */
import { NexusError } from "../lib/errors.ts";
import { redactUrl } from "../lib/urls.ts";
import { callNexus, errorMessage } from "./client.ts";
import { json, renderTable } from "./output.ts";
import { serverUrl } from "./server-url.ts";
import type { CommandHandler } from "./spec.ts";

interface ModelRow {
  id: string;
  backends: string[];
  context_length: number | null;
  /** `null`: unknown (servers before 0.2 sent `false` for it). */
  capabilities: Record<string, boolean | null>;
  loaded_on?: string[];
  alias_of?: string;
}

export const modelsCommand: CommandHandler = async ({ runtime, values, stdout }) => {
  const base = await serverUrl({ values, runtime });
  const { status, body } = await callNexus(base, "/v1/models");
  if (status === 401) {
    // Keys mode: the model list is for key holders, and this command has no key to send.
    const shown = redactUrl(base);
    throw new NexusError(
      "E_SERVER",
      `${shown} has API keys on ([auth] mode = "keys"): its model list needs a key, which nexus models cannot send. nexus backends list shows each backend's models; or: curl -H "Authorization: Bearer nx-…" ${shown}/v1/models`,
    );
  }
  if (status !== 200) throw new NexusError("E_SERVER", errorMessage(body, status));
  const backend = typeof values.backend === "string" ? values.backend : undefined;
  const loadedOnly = values.loaded === true;
  const models = ((body as { data?: ModelRow[] }).data ?? []).filter((m) =>
    (!backend || m.backends.includes(backend)) &&
    (!loadedOnly || (m.loaded_on?.length ?? 0) > 0)
  );
  if (values.json) {
    stdout(json(models));
    return 0;
  }
  if (models.length === 0) {
    stdout(
      loadedOnly
        ? "No model is loaded in memory now (nexus models load MODEL warms one up).\n"
        : backend
        ? `${await whyNoModels(base, backend)}\n`
        : "No models available (no healthy backend lists any).\n",
    );
    return 0;
  }
  stdout(renderTable(
    ["MODEL", "BACKENDS", "LOADED ON", "CONTEXT", "CAPABILITIES"],
    models.map((m) => [
      m.alias_of ? `${m.id} -> ${m.alias_of}` : m.id,
      m.backends.join(","),
      m.loaded_on?.length ? m.loaded_on.join(",") : "-",
      m.context_length === null ? "-" : String(m.context_length),
      capabilityCell(m.capabilities),
    ]),
  ));
  return 0;
};

interface BackendRow {
  name: string;
  status: string;
  models: string[];
  last_error: string | null;
}

/**
 * `--backend NAME` matched nothing: say whether NAME is a typo, or a backend that is down (its
 * models leave the list while it is not routable, which "no models" alone would hide).
 */
async function whyNoModels(base: string, name: string): Promise<string> {
  const plain = `No models on backend ${name}.`;
  const { status, body } = await callNexus(base, "/v1/backends").catch(() => ({
    status: 0,
    body: undefined,
  }));
  if (status !== 200) return plain;
  const backends = (body as { data?: BackendRow[] }).data ?? [];
  const found = backends.find((b) => b.name === name);
  if (!found) return `No backend named ${name} (nexus backends list shows them).`;
  if (ROUTABLE.has(found.status) || found.models.length === 0) return plain;
  const list = found.models.join(", ");
  if (found.status === "asleep") {
    return `Backend ${name} is asleep: a request for its models (${list}) wakes it.`;
  }
  const why = found.last_error ? ` (last error: ${found.last_error})` : "";
  return `Backend ${name} is ${found.status}${why}: its models (${list}) get no requests until it is healthy again.`;
}

/** Statuses whose backends' models are listed (healthy or busy). */
const ROUTABLE = new Set(["healthy", "busy"]);

/** `tools,vision?`: known ones by name, unknown ones with `?`, known lacks left out. */
export function capabilityCell(capabilities: Record<string, boolean | null>): string {
  const known = Object.entries(capabilities).filter(([, value]) => value === true);
  const unknown = Object.entries(capabilities).filter(([, value]) => value === null);
  return [...known.map(([name]) => name), ...unknown.map(([name]) => `${name}?`)].join(",") || "-";
}
