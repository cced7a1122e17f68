/**
 * Where the files beside the config live: a relative path in the config is relative to the
 * config file's directory (or the working directory without one), and the state file has a
 * default even when Nexus runs on defaults (`$XDG_STATE_HOME/nexus/`, as the XDG spec says).
 * @module
 */

export const STATE_FILE_NAME = "nexus.state.json";

/** A relative `file` lives beside the config file (or in the working directory). */
export function besideConfig(configPath: string | undefined, file: string): string {
  if (file.startsWith("/") || configPath === undefined) return file;
  const slash = configPath.lastIndexOf("/");
  return slash < 0 ? file : `${configPath.slice(0, slash + 1)}${file}`;
}

/**
 * The state file: `[server] state_file` (beside the config when relative); unset, the default
 * name beside the config file, or without one `$XDG_STATE_HOME/nexus/` (`~/.local/state/nexus/`).
 */
export function stateFilePath(
  configPath: string | undefined,
  setting: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (setting !== undefined) return besideConfig(configPath, setting);
  if (configPath !== undefined) return besideConfig(configPath, STATE_FILE_NAME);
  const stateHome = env.XDG_STATE_HOME || (env.HOME ? `${env.HOME}/.local/state` : undefined);
  return stateHome === undefined ? STATE_FILE_NAME : `${stateHome}/nexus/${STATE_FILE_NAME}`;
}
