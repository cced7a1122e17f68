/**
 * The command table of the `nexus` CLI (REFERENCE.md A5). Handlers load on demand; the
 * `backends`, `models` and `keys` groups have their own tables beside this one.
 * @module
 */
import { LOG_LEVELS } from "../config/constants.ts";
import type { CommandSpec, OptionSpec } from "./spec.ts";
import { ADMIN_NOTE, CONFIG_OPTION, JSON_OPTION, URL_OPTION } from "./common-options.ts";
import { backends } from "./commands-backends.ts";
import { keys } from "./commands-keys.ts";
import { models } from "./commands-models.ts";

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
    config: CONFIG_OPTION,
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

const health: CommandSpec = {
  name: "health",
  summary: "Show a running server's health (exit 1 when unhealthy)",
  options: { url: URL_OPTION, config: CONFIG_OPTION, json: JSON_OPTION },
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
  options: { url: URL_OPTION, config: CONFIG_OPTION, json: JSON_OPTION },
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
    config: CONFIG_OPTION,
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
