/**
 * Runs an external command to completion for the packaging tests (systemd-analyze, shellcheck,
 * ruby, the install script) and promtool. node:child_process, so the same tests run under Bun and Deno.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

export const ROOT_DIR = new URL("../../", import.meta.url).pathname;

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): CommandResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT_DIR,
    env: { ...process.env, NO_COLOR: "1", SYSTEMD_COLORS: "0", ...options.env },
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  if (result.error) throw new Error(`Cannot run ${command}: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

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

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `nexus-${label}-`));
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}
