/**
 * Options and notes shared by the commands that talk to a running server.
 * @module
 */
import type { OptionSpec } from "./spec.ts";

export const URL_OPTION: OptionSpec = {
  type: "string",
  short: "u",
  value: "URL",
  description:
    "Nexus server to talk to (env NEXUS_URL; default: where the config's [server] listens, else http://127.0.0.1:8000)",
  httpUrl: true,
};
export const JSON_OPTION: OptionSpec = {
  type: "boolean",
  description: "Print machine-readable JSON",
};
export const ADMIN_NOTE =
  "From another machine, set NEXUS_ADMIN_TOKEN to the server's admin_token.";
/** `-c FILE`, as `nexus serve` reads it. */
export const CONFIG_OPTION: OptionSpec = {
  type: "string",
  short: "c",
  value: "FILE",
  description: "Config file (env NEXUS_CONFIG; default ./nexus.toml)",
  complete: "file",
};
