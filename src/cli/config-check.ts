/**
 * `nexus config check [FILE]`: validates a config the way `nexus serve` would load it (the file,
 * then the NEXUS_* environment), without starting anything. Exit 0 with a summary when it is
 * valid (warnings included), 1 with every error — key, value and source — when it is not.
 * @module
 */
import { ConfigError, loadConfig } from "../config/mod.ts";
import type { CommandHandler } from "./spec.ts";

export const configCheckCommand: CommandHandler = async (
  { runtime, positionals, stdout, stderr },
) => {
  const file = positionals[0];
  let loaded;
  try {
    loaded = await loadConfig({
      runtime,
      env: runtime.env,
      flags: file === undefined ? {} : { config: file },
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    stderr(`${error.message}\n`);
    return 1;
  }
  const { config, path, warnings } = loaded;
  for (const warning of warnings) stderr(`warning: ${warning}\n`);
  // nexus serve warns of these too, but only once started; a service's environment may differ
  // from this shell's, so a warning, not an error.
  config.backends.forEach((backend, index) => {
    const variable = backend.api_key_env;
    if (variable === undefined || runtime.env[variable]) return;
    stderr(
      `warning: backends[${index}].api_key_env: variable ${variable} is not set in this environment (nexus serve would send ${backend.name} no key)\n`,
    );
  });
  const name = path ?? "defaults (no nexus.toml)";
  const backends = config.backends.length;
  const aliases = Object.keys(config.routing.aliases).length;
  stdout(
    `${name}: valid (${backends} backend${backends === 1 ? "" : "s"}, ${aliases} alias${
      aliases === 1 ? "" : "es"
    }, listening on ${config.server.host}:${config.server.port})\n`,
  );
  return 0;
};
