/**
 * The command table of the `nexus` CLI (REFERENCE.md A5). Handlers load on demand.
 * @module
 */
import type { CommandSpec, OptionSpec } from "./spec.ts";

export const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "Show help" };
export const VERSION_OPTION: OptionSpec = {
  type: "boolean",
  short: "V",
  description: "Show the version",
};

const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;

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
  ],
  load: async () => (await import("./serve.ts")).serveCommand,
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

export const ROOT: CommandSpec = {
  name: "nexus",
  summary: "One OpenAI-compatible endpoint for every LLM server in your home lab",
  subcommands: [serve, config, completions],
  options: { help: HELP_OPTION, version: VERSION_OPTION },
};
