/**
 * `nexus keys …`: the command table of API-key management (handlers in keys.ts).
 * @module
 */
import { ADMIN_NOTE, JSON_OPTION, URL_OPTION } from "./common-options.ts";
import type { CommandSpec, OptionSpec } from "./spec.ts";

const CONFIG_OPTION: OptionSpec = {
  type: "string",
  short: "c",
  value: "FILE",
  description:
    "Config naming the server's address and keys file (env NEXUS_CONFIG; default ./nexus.toml)",
  complete: "file",
};
const KEYS_NOTE =
  `Talks to the running server (--url, NEXUS_URL, else the address the config's [server] listens on); when none answers, it works on the keys file the config names (-c), directly. ${ADMIN_NOTE}`;
/** The keys commands find the server by the config when no URL is given. */
const KEYS_URL_OPTION: OptionSpec = {
  ...URL_OPTION,
  description: "Nexus server to talk to (env NEXUS_URL; default: host and port of the config)",
};
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
      duration: true,
    },
    url: KEYS_URL_OPTION,
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
  options: { url: KEYS_URL_OPTION, config: CONFIG_OPTION, json: JSON_OPTION },
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
  options: { url: KEYS_URL_OPTION, config: CONFIG_OPTION, json: JSON_OPTION },
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
      duration: true,
    },
    url: KEYS_URL_OPTION,
    config: CONFIG_OPTION,
    json: JSON_OPTION,
  },
  examples: ["nexus keys usage", "nexus keys usage alice --since 30d"],
  load: async () => (await import("./keys.ts")).keysUsageCommand,
};

export const keys: CommandSpec = {
  name: "keys",
  summary: 'Manage API keys ([auth] mode = "keys")',
  subcommands: [keysCreate, keysList, keysRevoke, keysUsage],
};
