/**
 * `nexus models …`: listing the models a running server routes to, and loading or unloading one
 * (handlers in models.ts and models-lifecycle.ts).
 * @module
 */
import { ADMIN_NOTE, CONFIG_OPTION, JSON_OPTION, URL_OPTION } from "./common-options.ts";
import type { CommandSpec, OptionSpec } from "./spec.ts";

/** `--backend NAME`: narrows a models command to one backend. */
function backendOption(description: string): OptionSpec {
  return { type: "string", short: "b", value: "NAME", description };
}

const MODEL_POSITIONAL = {
  name: "model",
  description: "Model id or alias (see nexus models)",
  required: true,
} as const;

const modelsLoad: CommandSpec = {
  name: "load",
  summary: "Load a model into memory on a backend that can (Ollama, LM Studio, llama.cpp router)",
  description:
    `Load a model so its first request is fast; by default on the best backend serving it, unless it is warm somewhere already. ${ADMIN_NOTE}`,
  positionals: [MODEL_POSITIONAL],
  options: {
    url: URL_OPTION,
    config: CONFIG_OPTION,
    backend: backendOption("Load it on this backend"),
    "keep-alive": {
      type: "string",
      value: "DURATION",
      description: 'How long Ollama keeps it loaded ("30m", "1h", -1 = for ever)',
    },
    json: JSON_OPTION,
  },
  examples: ["nexus models load llama3:8b", "nexus models load qwen2.5-coder:7b --backend gpu"],
  load: async () => (await import("./models-lifecycle.ts")).modelsLoadCommand,
};

const modelsUnload: CommandSpec = {
  name: "unload",
  summary: "Unload a model to free memory (every backend holding it, or one)",
  description: `Unload a model from the backends holding it. ${ADMIN_NOTE}`,
  positionals: [MODEL_POSITIONAL],
  options: {
    url: URL_OPTION,
    config: CONFIG_OPTION,
    backend: backendOption("Only on this backend"),
    json: JSON_OPTION,
  },
  examples: ["nexus models unload llama3:70b"],
  load: async () => (await import("./models-lifecycle.ts")).modelsUnloadCommand,
};

export const models: CommandSpec = {
  name: "models",
  summary: "List the models a running server can route to (or load/unload one)",
  options: {
    url: URL_OPTION,
    config: CONFIG_OPTION,
    json: JSON_OPTION,
    backend: backendOption("Only models of this backend"),
    loaded: { type: "boolean", description: "Only models loaded in memory somewhere" },
  },
  subcommands: [modelsLoad, modelsUnload],
  load: async () => (await import("./models.ts")).modelsCommand,
};
