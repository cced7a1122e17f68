/**
 * The command table of the `nexus` CLI (REFERENCE.md A5). Handlers load on demand.
 * @module
 */
import { BACKEND_STATUSES, BACKEND_TYPE_SETTINGS, LOG_LEVELS } from "../config/constants.ts";
import type { CommandSpec, OptionSpec } from "./spec.ts";

export const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "Show help" };
export const VERSION_OPTION: OptionSpec = {
  type: "boolean",
  short: "V",
  description: "Show the version",
};

const serve: CommandSpec = {
  name: "serve",
  summary: "Start the gateway",
  description:
    "Serve the OpenAI-compatible API. Reads ./nexus.toml when it exists; runs on defaults otherwise.",
  options: {
    config: {
      type: "string",
      short: "c",
      value: "FILE",
      description: "Config file (env NEXUS_CONFIG; default ./nexus.toml)",
      complete: "file",
    },
    port: {
      type: "string",
      short: "p",
      value: "PORT",
      description: "Port to listen on (env NEXUS_PORT; default 8000)",
      integer: { min: 0, max: 65535 },
    },
    "ollama-port": {
      type: "string",
      value: "PORT",
      description:
        "Also serve the Ollama API on this port, e.g. 11434 (env NEXUS_OLLAMA_PORT; default off)",
      integer: { min: 0, max: 65535 },
    },
    host: {
      type: "string",
      short: "H",
      value: "HOST",
      description: "Address to bind (env NEXUS_HOST; default 0.0.0.0)",
    },
    "log-level": {
      type: "string",
      short: "l",
      value: "LEVEL",
      description: "Log level (env NEXUS_LOG_LEVEL; default info)",
      choices: LOG_LEVELS,
    },
    "no-discovery": {
      type: "boolean",
      description: "Disable mDNS discovery (env NEXUS_DISCOVERY=false)",
    },
    "no-health-check": {
      type: "boolean",
      description: "Disable health checks (env NEXUS_HEALTH_CHECK=false)",
    },
  },
  examples: [
    "nexus serve",
    "nexus serve -c /etc/nexus/nexus.toml",
    "nexus serve -p 9000 --no-discovery",
    "nexus serve --ollama-port 11434",
  ],
  load: async () => (await import("./serve.ts")).serveCommand,
};

const URL_OPTION: OptionSpec = {
  type: "string",
  short: "u",
  value: "URL",
  description: "Nexus server to talk to (env NEXUS_URL; default http://127.0.0.1:8000)",
  httpUrl: true,
};
const JSON_OPTION: OptionSpec = { type: "boolean", description: "Print machine-readable JSON" };
const ADMIN_NOTE = "From another machine, set NEXUS_ADMIN_TOKEN to the server's admin_token.";

const backendsList: CommandSpec = {
  name: "list",
  summary: "List the backends of a running server",
  options: {
    url: URL_OPTION,
    json: JSON_OPTION,
    status: {
      type: "string",
      value: "STATUS",
      description: "Only backends with this status",
      choices: BACKEND_STATUSES,
    },
  },
  load: async () => (await import("./backends.ts")).backendsListCommand,
};

const backendsAdd: CommandSpec = {
  name: "add",
  summary: "Add a backend to a running server",
  description:
    `Add a backend to a running server; its type is detected when --type is absent. ${ADMIN_NOTE}`,
  positionals: [{
    name: "url",
    description: "Base URL of the LLM server, without /v1",
    required: true,
  }],
  options: {
    url: URL_OPTION,
    name: {
      type: "string",
      short: "n",
      value: "NAME",
      description: "Name (default: derived from the URL)",
    },
    type: {
      type: "string",
      short: "t",
      value: "TYPE",
      description: "Backend type (default: auto, detected)",
      choices: BACKEND_TYPE_SETTINGS,
    },
    priority: {
      type: "string",
      value: "N",
      description: "Lower is preferred (default 50)",
      integer: { min: 0, max: 100 },
    },
    json: JSON_OPTION,
  },
  examples: [
    "nexus backends add http://192.168.1.10:11434",
    "nexus backends add http://gpu:8000 --type vllm --name gpu",
  ],
  load: async () => (await import("./backends-add.ts")).backendsAddCommand,
};

const backendsRemove: CommandSpec = {
  name: "remove",
  summary: "Remove a backend from a running server",
  description: `Remove a backend from a running server. ${ADMIN_NOTE}`,
  positionals: [{
    name: "name",
    description: "Backend name (see nexus backends list)",
    required: true,
  }],
  options: { url: URL_OPTION, json: JSON_OPTION },
  load: async () => (await import("./backends.ts")).backendsRemoveCommand,
};

const backends: CommandSpec = {
  name: "backends",
  summary: "Manage the backends of a running server",
  subcommands: [backendsList, backendsAdd, backendsRemove],
};

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
    backend: { type: "string", short: "b", value: "NAME", description: "Load it on this backend" },
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
    backend: {
      type: "string",
      short: "b",
      value: "NAME",
      description: "Only on this backend",
    },
    json: JSON_OPTION,
  },
  examples: ["nexus models unload llama3:70b"],
  load: async () => (await import("./models-lifecycle.ts")).modelsUnloadCommand,
};

const models: CommandSpec = {
  name: "models",
  summary: "List the models a running server can route to (or load/unload one)",
  options: {
    url: URL_OPTION,
    json: JSON_OPTION,
    backend: {
      type: "string",
      short: "b",
      value: "NAME",
      description: "Only models of this backend",
    },
    loaded: { type: "boolean", description: "Only models loaded in memory somewhere" },
  },
  subcommands: [modelsLoad, modelsUnload],
  load: async () => (await import("./models.ts")).modelsCommand,
};

const CONFIG_OPTION: OptionSpec = {
  type: "string",
  short: "c",
  value: "FILE",
  description:
    "Config naming the keys file, used when no server answers (env NEXUS_CONFIG; default ./nexus.toml)",
  complete: "file",
};
const KEYS_NOTE =
  `Talks to the running server (NEXUS_URL); when none answers, edits the keys file named by the config directly. ${ADMIN_NOTE}`;
const LIMIT = { min: 1, max: 1_000_000_000 } as const;

const keysCreate: CommandSpec = {
  name: "create",
  summary: "Create an API key (printed once: Nexus keeps only its hash)",
  description: `Create an API key for a person or an app, with optional limits. ${KEYS_NOTE}`,
  positionals: [{
    name: "name",
    description: "Who or what the key is for, e.g. alice",
    required: true,
  }],
  options: {
    models: {
      type: "string",
      value: "LIST",
      description: 'Models it may use, comma-separated globs ("llama3*,qwen2.5-coder:32b")',
    },
    rpm: { type: "string", value: "N", description: "Requests per minute", integer: LIMIT },
    tpm: { type: "string", value: "N", description: "Tokens per minute", integer: LIMIT },
    concurrency: {
      type: "string",
      value: "N",
      description: "Requests at once",
      integer: LIMIT,
    },
    expires: {
      type: "string",
      value: "DURATION",
      description: "Expires after this long (30d, 12h, 2w)",
    },
    url: URL_OPTION,
    config: CONFIG_OPTION,
    json: JSON_OPTION,
  },
  examples: [
    "nexus keys create alice",
    "nexus keys create open-webui --rpm 60 --concurrency 4",
    'nexus keys create ci --models "qwen2.5-coder*" --tpm 100000 --expires 30d',
  ],
  load: async () => (await import("./keys.ts")).keysCreateCommand,
};

const keysList: CommandSpec = {
  name: "list",
  summary: "List API keys (names, limits, status; never the keys)",
  description: `List API keys. ${KEYS_NOTE}`,
  options: { url: URL_OPTION, config: CONFIG_OPTION, json: JSON_OPTION },
  load: async () => (await import("./keys.ts")).keysListCommand,
};

const keysRevoke: CommandSpec = {
  name: "revoke",
  summary: "Revoke an API key (at once here, within 2 s on instances sharing Redis)",
  description: `Revoke an API key for good. ${KEYS_NOTE}`,
  positionals: [{
    name: "name",
    description: "The key's name (see nexus keys list)",
    required: true,
  }],
  options: { url: URL_OPTION, config: CONFIG_OPTION, json: JSON_OPTION },
  load: async () => (await import("./keys.ts")).keysRevokeCommand,
};

const keysUsage: CommandSpec = {
  name: "usage",
  summary: "Show usage by key, model and day",
  description: `Requests, errors and tokens by key, model and UTC day. ${KEYS_NOTE}`,
  positionals: [{ name: "name", description: "Only this key", required: false }],
  options: {
    since: {
      type: "string",
      value: "DURATION",
      description: "How far back, in whole days (default 7d)",
    },
    url: URL_OPTION,
    config: CONFIG_OPTION,
    json: JSON_OPTION,
  },
  examples: ["nexus keys usage", "nexus keys usage alice --since 30d"],
  load: async () => (await import("./keys.ts")).keysUsageCommand,
};

const keys: CommandSpec = {
  name: "keys",
  summary: 'Manage API keys ([auth] mode = "keys")',
  subcommands: [keysCreate, keysList, keysRevoke, keysUsage],
};

const health: CommandSpec = {
  name: "health",
  summary: "Show a running server's health (exit 1 when unhealthy)",
  options: { url: URL_OPTION, json: JSON_OPTION },
  load: async () => (await import("./health.ts")).healthCommand,
};

const configInit: CommandSpec = {
  name: "init",
  summary: "Write a commented nexus.toml with every default",
  options: {
    output: {
      type: "string",
      short: "o",
      value: "FILE",
      description: "Where to write (default nexus.toml)",
      complete: "file",
    },
    force: { type: "boolean", description: "Overwrite an existing file" },
    minimal: { type: "boolean", description: "Write only the essentials" },
  },
  examples: ["nexus config init", "nexus config init -o /etc/nexus/nexus.toml --minimal"],
  load: async () => (await import("./config-init.ts")).configInitCommand,
};

const config: CommandSpec = {
  name: "config",
  summary: "Create configuration files",
  subcommands: [configInit],
};

const completions: CommandSpec = {
  name: "completions",
  summary: "Print a shell completion script",
  positionals: [{
    name: "shell",
    description: "bash, zsh or fish",
    required: true,
    choices: ["bash", "zsh", "fish"],
  }],
  examples: [
    "nexus completions bash > /etc/bash_completion.d/nexus",
    'nexus completions zsh > "${fpath[1]}/_nexus"',
    "nexus completions fish > ~/.config/fish/completions/nexus.fish",
  ],
  load: async () => (await import("./completions.ts")).completionsCommand,
};

// Words users type for the flags: kept in the table so help and completions show them.
const help: CommandSpec = {
  name: "help",
  summary: "Show help for a command (same as <command> --help)",
  positionals: [{
    name: "command",
    description: "The command, e.g. backends add",
    required: false,
    variadic: true,
  }],
  alias: (rest) => [...rest, "--help"],
};

const version: CommandSpec = {
  name: "version",
  summary: "Show the version (same as --version)",
  alias: (rest) => ["--version", ...rest],
};

export const ROOT: CommandSpec = {
  name: "nexus",
  summary: "One OpenAI-compatible endpoint for every LLM server in your home lab",
  subcommands: [serve, backends, models, keys, health, config, completions, help, version],
  options: { help: HELP_OPTION, version: VERSION_OPTION },
};
