/**
 * The command table of the `nexus` CLI (REFERENCE.md A5). Handlers load on demand.
 * @module
 */
import { BACKEND_STATUSES, BACKEND_TYPE_SETTINGS, LOG_LEVELS } from "../config/constants.ts";
import type { CommandSpec, OptionSpec } from "./spec.ts";
import { ADMIN_NOTE, JSON_OPTION, URL_OPTION } from "./common-options.ts";
import { keys } from "./commands-keys.ts";

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
    ephemeral: {
      type: "boolean",
      description: "Do not keep it in the state file: gone at the next restart",
    },
    json: JSON_OPTION,
  },
  examples: [
    "nexus backends add http://192.168.1.10:11434",
    "nexus backends add http://gpu:8000 --type vllm --name gpu",
    "nexus backends add http://laptop:1234 --ephemeral",
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

const backendsWake: CommandSpec = {
  name: "wake",
  summary: "Wake a sleeping backend (Wake-on-LAN) and wait until it answers",
  description:
    `Send the backend's magic packet now (its [[backends]] wake settings) and wait until it is healthy. ${ADMIN_NOTE}`,
  positionals: [{
    name: "name",
    description: "Backend name (see nexus backends list)",
    required: true,
  }],
  options: {
    url: URL_OPTION,
    "no-wait": { type: "boolean", description: "Send the packet and return at once" },
    json: JSON_OPTION,
  },
  examples: ["nexus backends wake gpu-box"],
  load: async () => (await import("./backends-wake.ts")).backendsWakeCommand,
};

const backends: CommandSpec = {
  name: "backends",
  summary: "Manage the backends of a running server",
  subcommands: [backendsList, backendsAdd, backendsRemove, backendsWake],
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

const configCheck: CommandSpec = {
  name: "check",
  summary: "Validate a config file without starting (exit 1 when invalid)",
  description:
    "Load the config as nexus serve would (the file, then NEXUS_* variables) and report every error by key, value and source.",
  positionals: [{
    name: "file",
    description: "Config file (default: NEXUS_CONFIG, else ./nexus.toml)",
    required: false,
  }],
  examples: ["nexus config check", "nexus config check /etc/nexus/nexus.toml"],
  load: async () => (await import("./config-check.ts")).configCheckCommand,
};

const config: CommandSpec = {
  name: "config",
  summary: "Create and check configuration files",
  subcommands: [configInit, configCheck],
};

const reload: CommandSpec = {
  name: "reload",
  summary: "Make a running server read its config again and apply the changes",
  description:
    `Ask the server to reload its config (as SIGHUP does) and print what it applied; an invalid config changes nothing (exit 1). ${ADMIN_NOTE}`,
  options: { url: URL_OPTION, json: JSON_OPTION },
  examples: ["nexus reload"],
  load: async () => (await import("./reload.ts")).reloadCommand,
};

const doctor: CommandSpec = {
  name: "doctor",
  summary: "Check a running server, its backends and this machine; say how to fix what is wrong",
  description:
    "One line per check, each with a verdict and a fix. Reads the config like nexus serve (-c, NEXUS_CONFIG, ./nexus.toml). Exit 1 when anything failed.",
  options: {
    url: URL_OPTION,
    config: {
      type: "string",
      short: "c",
      value: "FILE",
      description: "Config file (env NEXUS_CONFIG; default ./nexus.toml)",
      complete: "file",
    },
    chat: {
      type: "boolean",
      description: "Also send a tiny chat (and a stream) to every model (costs tokens)",
    },
    tools: { type: "boolean", description: "Also check that tool calls parse, per model" },
    json: JSON_OPTION,
  },
  examples: ["nexus doctor", "nexus doctor --chat", "nexus doctor --json"],
  load: async () => (await import("./doctor.ts")).doctorCommand,
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
  subcommands: [
    serve,
    backends,
    models,
    keys,
    health,
    reload,
    doctor,
    config,
    completions,
    help,
    version,
  ],
  options: { help: HELP_OPTION, version: VERSION_OPTION },
};
