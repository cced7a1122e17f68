/**
 * Child processes of the benchmark: started pinned to a CPU where `taskset` allows it, tracked
 * in one registry, and always stopped by pid (SIGTERM, then SIGKILL after a grace period) —
 * at the end of a run, on failure, and on SIGINT/SIGTERM of the benchmark itself. Spawning,
 * output and waiting for a line are the tests' process helper (tests/helpers/processes.ts).
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import process from "node:process";
import { type Proc, runCommand, spawnProcess } from "../../tests/helpers/processes.ts";

/** Output kept per process for error messages; older text is dropped. */
const OUTPUT_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 3000;

export type { Proc };

const live = new Set<Proc>();

let tasksetChecked: boolean | undefined;

/**
 * Pinning needs Linux, `taskset`, and at least two CPUs to separate load and gateway. The count
 * is the machine's, not this process's affinity: the harness itself runs pinned to one CPU.
 */
export function canPin(): boolean {
  if (tasksetChecked === undefined) {
    tasksetChecked = process.platform === "linux" && cpus().length >= 2 &&
      spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0;
  }
  return tasksetChecked;
}

/** The command line that runs `command` on `cpu` (unchanged when pinning is impossible). */
export function pinnedCommand(
  cpu: number | undefined,
  command: string,
  args: readonly string[],
): [string, string[]] {
  if (cpu === undefined || !canPin()) return [command, [...args]];
  return ["taskset", ["-c", String(cpu), command, ...args]];
}

/**
 * Runs `main` as the load generator: the first call re-runs this script (`scriptUrl`, with its
 * arguments) as a child pinned to `cpu` with Bun's fetch limit raised to `maxRequests` (so the
 * client's own requests are never queued) and exits with it; in that child it runs `main`.
 */
export async function runAsPinnedClient(
  scriptUrl: string,
  cpu: number,
  maxRequests: string,
  main: () => Promise<void>,
): Promise<void> {
  if (process.env.NEXUS_BENCH_CHILD === "1") return await main();
  const [command, args] = pinnedCommand(cpu, process.execPath, [
    new URL(scriptUrl).pathname,
    ...process.argv.slice(2),
  ]);
  const child = spawn(command, args, {
    stdio: "inherit",
    env: { ...process.env, NEXUS_BENCH_CHILD: "1", BUN_CONFIG_MAX_HTTP_REQUESTS: maxRequests },
  });
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    process.on(name, () => child.pid && process.kill(child.pid, name));
  }
  child.once("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

export interface SpawnOptions {
  readonly cpu?: number;
  /** Added to this process's environment; `undefined` removes a variable. */
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
}

export function spawnProc(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Proc {
  // taskset execs the command, so the pid is the benchmarked process itself.
  const [cmd, argv] = pinnedCommand(options.cpu, command, args);
  const proc = spawnProcess(cmd, argv, {
    name,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    outputLimit: OUTPUT_LIMIT,
  });
  const tracked: Proc = {
    ...proc,
    stop: async (signal = "SIGTERM", killAfterMs = STOP_GRACE_MS) => {
      const code = await proc.stop(signal, killAfterMs);
      live.delete(tracked);
      return code;
    },
  };
  live.add(tracked);
  void proc.exited.then(() => live.delete(tracked));
  return tracked;
}

/** Resolves with the first line matching `pattern`; rejects on exit or after `timeoutMs`. */
export function waitForLine(
  proc: Proc,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return proc.waitFor(pattern, `${proc.name}: "${pattern.source}"`, timeoutMs);
}

/** Stops every process still running, in parallel. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((proc) => proc.stop()));
}

/** Last resort from an `exit` handler, where nothing asynchronous runs any more. */
export function killAllNow(): void {
  for (const proc of live) void proc.stop("SIGKILL");
  live.clear();
}

/** Runs a command to completion with a time limit; returns wall time in ms and the output. */
export async function timeCommand(
  command: string,
  args: readonly string[],
  options: { cpu?: number; timeoutMs?: number } = {},
): Promise<{ ms: number; code: number | null; stdout: string }> {
  const [cmd, argv] = pinnedCommand(options.cpu, command, args);
  const started = performance.now();
  const { code, stdout } = await runCommand(cmd, argv, {
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return { ms: performance.now() - started, code, stdout };
}
