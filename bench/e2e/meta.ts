/**
 * What a run was: date, machine, runtime versions, load average, how Nexus ran, the commit.
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import process from "node:process";
import { wrkAvailable } from "./closed-loop.ts";
import { NGINX } from "./nginx.ts";
import { DENO, ROOT } from "./paths.ts";
import { canPin } from "./procs.ts";
import type { Profile, RunMeta } from "./result.ts";
import { round } from "./stats.ts";
import { LOAD_CPU, type NexusMode, SERVER_CPU } from "./topology.ts";

export function nodeVersion(): string {
  return spawnSync("node", ["--version"], { encoding: "utf8" }).stdout?.trim() || "unknown";
}

function firstLine(command: string, args: string[]): string {
  const out = spawnSync(command, args, { encoding: "utf8" });
  return `${out.stdout ?? ""}${out.stderr ?? ""}`.split("\n")[0]!.trim();
}

/**
 * The commit the run measures, read when it starts (the binary is built then): a commit made
 * while the run goes on is not what it measured.
 */
export function sourceRevision(): string {
  const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "src"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return `${git.stdout?.trim() || "unknown"}${
    dirty.stdout?.trim() ? " + uncommitted src changes" : ""
  }`;
}

export function runMeta(
  profile: Profile,
  mode: NexusMode,
  portkey: string,
  seconds: number,
  loadStart: number[],
  revision: string,
): RunMeta {
  const osRelease = (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ??
        "unknown";
    } catch {
      return "unknown";
    }
  })();
  const versions: Record<string, string> = {
    Bun: process.versions.bun ?? "unknown",
    Deno: firstLine(DENO, ["--version"]).replace(/^deno /, "").split(" ")[0]!,
    nginx: firstLine(NGINX, ["-v"]).replace(/^nginx version: nginx\//, ""),
    Node: nodeVersion(),
  };
  if (wrkAvailable()) versions.wrk = firstLine("wrk", ["-v"]).replace(/^wrk /, "").split(" ")[0]!;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    profile,
    seconds,
    machine: {
      cpu: cpus()[0]?.model.trim() ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: osRelease,
      kernel: release(),
    },
    versions,
    load: { start: loadStart.map(round), end: loadavg().map(round) },
    nexus: mode === "binary"
      ? "the compiled binary `dist/nexus` (built by this run with `npm run build`)"
      : "`bun src/main.ts serve` (from source)",
    pinning: canPin()
      ? `Pinned with taskset: the gateway under test (Nexus, nginx, the bare pass-throughs, Portkey) ` +
        `alone on CPU ${SERVER_CPU}; the load generator (this harness's client, wrk) and the ` +
        `mock upstreams on CPU ${LOAD_CPU}.`
      : "Not pinned (taskset or a second CPU is missing).",
    portkey,
    git: revision,
  };
}
