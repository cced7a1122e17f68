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
 * A file Nexus writes (the state file, the keys file and its usage file): an absolute path as it
 * is; a relative one in systemd's state directory when the service has one (`$STATE_DIRECTORY`,
 * from the unit's `StateDirectory=nexus`: `/var/lib/nexus`, the one place a hardened unit may
 * write), else beside the config file.
 */
export function writablePath(
  configPath: string | undefined,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (file.startsWith("/")) return file;
  // systemd may list several directories, separated by ":"; Nexus asks for one.
  const stateDirectory = env.STATE_DIRECTORY?.split(":")[0];
  if (stateDirectory) return `${stateDirectory.replace(/\/+$/, "")}/${file}`;
  return besideConfig(configPath, file);
}

/**
 * The state file: `[server] state_file` (relative: see `writablePath`); unset, the default name
 * there, or with neither a config file nor a state directory `$XDG_STATE_HOME/nexus/`
 * (`~/.local/state/nexus/`).
 */
export function stateFilePath(
  configPath: string | undefined,
  setting: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (setting !== undefined) return writablePath(configPath, setting, env);
  if (configPath !== undefined || env.STATE_DIRECTORY) {
    return writablePath(configPath, STATE_FILE_NAME, env);
  }
  const stateHome = env.XDG_STATE_HOME || (env.HOME ? `${env.HOME}/.local/state` : undefined);
  return stateHome === undefined ? STATE_FILE_NAME : `${stateHome}/nexus/${STATE_FILE_NAME}`;
}
