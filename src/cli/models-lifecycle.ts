/** `nexus models load|unload <model> [--backend B]`: warm a model up, or free its memory. */
import { NexusError } from "../lib/errors.ts";
import { callNexus, errorMessage } from "./client.ts";
import { json } from "./output.ts";
import { serverUrl } from "./server-url.ts";
import type { CommandHandler } from "./spec.ts";

/** A big model from disk can take minutes to load; the server bounds it with its own deadline. */
const LOAD_TIMEOUT_MS = 10 * 60 * 1000;

interface Change {
  model: string;
  backends: string[];
  unchanged: string[];
}

function lifecycleCommand(action: "load" | "unload"): CommandHandler {
  return async ({ runtime, values, positionals, stdout }) => {
    const base = await serverUrl({ values, runtime });
    const model = positionals[0]!;
    const body = {
      ...(typeof values.backend === "string" ? { backend: values.backend } : {}),
      ...(typeof values["keep-alive"] === "string" ? { keep_alive: values["keep-alive"] } : {}),
    };
    const result = await callNexus(base, `/v1/models/${encodeURIComponent(model)}/${action}`, {
      method: "POST",
      body,
      token: runtime.env.NEXUS_ADMIN_TOKEN,
      timeoutMs: LOAD_TIMEOUT_MS,
    });
    if (result.status !== 200) {
      throw new NexusError("E_SERVER", errorMessage(result.body, result.status));
    }
    if (values.json) {
      stdout(json(result.body));
      return 0;
    }
    const change = result.body as Change;
    stdout(describe(action, change));
    return 0;
  };
}

function describe(action: "load" | "unload", change: Change): string {
  if (change.backends.length > 0) {
    return `${action === "load" ? "Loaded" : "Unloaded"} ${change.model} on ${
      change.backends.join(", ")
    }\n`;
  }
  return action === "load"
    ? `${change.model} is already loaded on ${change.unchanged.join(", ")}\n`
    : `${change.model} was not loaded on any backend that can unload it\n`;
}

export const modelsLoadCommand = lifecycleCommand("load");
export const modelsUnloadCommand = lifecycleCommand("unload");
