/**
 * Which running server a command talks to: `--url`, else NEXUS_URL, else where the config
 * (`-c`, NEXUS_CONFIG, ./nexus.toml, as `nexus serve` reads it) has it listen — so `nexus
 * reload`, `nexus health` or `nexus keys` beside a config with `port = 9000` reach that server
 * (for `keys`, the one whose keys file it would otherwise edit behind the server's back).
 * @module
 */
import { loadConfig } from "../config/mod.ts";
import { DEFAULT_NEXUS_URL, listenerUrl, nexusUrl } from "./client.ts";
import type { CommandContext } from "./spec.ts";

export async function serverUrl(context: Pick<CommandContext, "values" | "runtime">) {
  const { values, runtime } = context;
  if (typeof values.url === "string" || runtime.env.NEXUS_URL) {
    return nexusUrl(values.url, runtime.env);
  }
  const explicit = typeof values.config === "string" ? values.config : undefined;
  const load = loadConfig({
    runtime,
    env: runtime.env,
    flags: explicit === undefined ? {} : { config: explicit },
  });
  // A file named with -c must load; a broken ./nexus.toml leaves the default (the command still
  // works against a server on it, and `nexus config check` says what is wrong with the file).
  const loaded = explicit === undefined ? await load.catch(() => undefined) : await load;
  if (loaded === undefined) return DEFAULT_NEXUS_URL;
  return listenerUrl(loaded.config.server.host, loaded.config.server.port);
}
