/**
 * `nexus backends …`: listing, adding, removing and waking the backends of a running server
 * (handlers in backends.ts, backends-add.ts, backends-wake.ts).
 * @module
 */
import { BACKEND_STATUSES, BACKEND_TYPE_SETTINGS } from "../config/constants.ts";
import { ADMIN_NOTE, CONFIG_OPTION, JSON_OPTION, URL_OPTION } from "./common-options.ts";
import type { CommandSpec } from "./spec.ts";

/** The positional every single-backend command takes. */
const NAME_POSITIONAL = {
  name: "name",
  description: "Backend name (see nexus backends list)",
  required: true,
} as const;

const backendsList: CommandSpec = {
  name: "list",
  summary: "List the backends of a running server",
  options: {
    url: URL_OPTION,
    config: CONFIG_OPTION,
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
    config: CONFIG_OPTION,
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
  positionals: [NAME_POSITIONAL],
  options: { url: URL_OPTION, config: CONFIG_OPTION, json: JSON_OPTION },
  load: async () => (await import("./backends.ts")).backendsRemoveCommand,
};

const backendsWake: CommandSpec = {
  name: "wake",
  summary: "Wake a sleeping backend (Wake-on-LAN) and wait until it answers",
  description:
    `Send the backend's magic packet now (its [[backends]] wake settings) and wait until it is healthy. ${ADMIN_NOTE}`,
  positionals: [NAME_POSITIONAL],
  options: {
    url: URL_OPTION,
    config: CONFIG_OPTION,
    "no-wait": { type: "boolean", description: "Send the packet and return at once" },
    json: JSON_OPTION,
  },
  examples: ["nexus backends wake gpu-box"],
  load: async () => (await import("./backends-wake.ts")).backendsWakeCommand,
};

export const backends: CommandSpec = {
  name: "backends",
  summary: "Manage the backends of a running server",
  subcommands: [backendsList, backendsAdd, backendsRemove, backendsWake],
};
