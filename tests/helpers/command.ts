/**
 * What the packaging and network tests need from this machine: a Debian tool, root.
 */
import { spawnSync } from "node:child_process";
import process from "node:process";

/**
 * Fails loudly when a tool the packaging tests depend on is missing, instead of skipping:
 * `.ci/run` installs them from Debian (systemd, shellcheck, ruby).
 */
export function requireTool(name: string, debianPackage: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  if (found.status !== 0) {
    throw new Error(`${name} is not installed: apt-get install ${debianPackage} (see .ci/run)`);
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}
