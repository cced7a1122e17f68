/** `nexus models`: the models a running server can route to now. */
import { NexusError } from "../lib/errors.ts";
import { callNexus, errorMessage, nexusUrl } from "./client.ts";
import { json, renderTable } from "./output.ts";
import type { CommandHandler } from "./spec.ts";

interface ModelRow {
  id: string;
  backends: string[];
  context_length: number | null;
  capabilities: Record<string, boolean>;
  alias_of?: string;
}

export const modelsCommand: CommandHandler = async ({ runtime, values, stdout }) => {
  const base = nexusUrl(values.url, runtime.env);
  const { status, body } = await callNexus(base, "/v1/models");
  if (status !== 200) throw new NexusError("E_SERVER", errorMessage(body, status));
  const backend = typeof values.backend === "string" ? values.backend : undefined;
  const models = ((body as { data?: ModelRow[] }).data ?? []).filter((m) =>
    !backend || m.backends.includes(backend)
  );
  if (values.json) {
    stdout(json(models));
    return 0;
  }
  if (models.length === 0) {
    stdout(
      backend
        ? `No models on backend ${backend}.\n`
        : "No models available (no healthy backend lists any).\n",
    );
    return 0;
  }
  stdout(renderTable(
    ["MODEL", "BACKENDS", "CONTEXT", "CAPABILITIES"],
    models.map((m) => [
      m.alias_of ? `${m.id} -> ${m.alias_of}` : m.id,
      m.backends.join(","),
      m.context_length === null ? "-" : String(m.context_length),
      Object.entries(m.capabilities).filter(([, on]) => on).map(([name]) => name).join(",") || "-",
    ]),
  ));
  return 0;
};
