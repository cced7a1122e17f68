/**
 * Child processes of the benchmark: started pinned to a CPU where `taskset` allows it, tracked
 * in one registry, and always stopped by pid (SIGTERM, then SIGKILL after a grace period) —
 * at the end of a run, on failure, and on SIGINT/SIGTERM of the benchmark itself.
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import process from "node:process";

/** Output kept per process for error messages; older text is dropped. */
const OUTPUT_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 3000;

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** The tail of stdout and stderr, for error messages. */
  output(): string;
  /** Calls `listener` for every complete line the process writes; returns the remover. */
  onLine(listener: (line: string, stream: "stdout" | "stderr") => void): () => void;
  /** SIGTERM, then SIGKILL if it is still running after a grace period. */
  stop(): Promise<void>;
}

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
  const [cmd, argv] = pinnedCommand(options.cpu, command, args);
  // taskset execs the command, so the pid below is the benchmarked process itself.
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const child = spawn(cmd, argv, {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<(line: string, stream: "stdout" | "stderr") => void>();
  const partial = { stdout: "", stderr: "" };
  const feed = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-OUTPUT_LIMIT);
    const lines = (partial[stream] + text).split("\n");
    partial[stream] = lines.pop() ?? "";
    for (const line of lines) for (const listener of listeners) listener(line, stream);
  };
  child.stdout!.on("data", feed("stdout"));
  child.stderr!.on("data", feed("stderr"));
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.once("error", () => resolve(null));
  });
  const proc: Proc = {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    output: () => output,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        signal(child.pid, "SIGTERM");
        const timer = setTimeout(() => signal(child.pid!, "SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      live.delete(proc);
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Resolves with the first line matching `pattern`; rejects on exit or after `timeoutMs`. */
export function waitForLine(
  proc: Proc,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const existing = proc.output().split("\n").map((l) => pattern.exec(l)).find(Boolean);
    if (existing) return resolve(existing);
    const finish = (error?: Error, match?: RegExpExecArray) => {
      clearTimeout(timer);
      remove();
      if (error) reject(error);
      else resolve(match!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `${proc.name}: no "${pattern.source}" within ${timeoutMs} ms:\n${proc.output()}`,
          ),
        ),
      timeoutMs,
    );
    const remove = proc.onLine((line) => {
      const match = pattern.exec(line);
      if (match) finish(undefined, match);
    });
    void proc.exited.then((code) =>
      finish(
        new Error(`${proc.name} exited (${code}) before "${pattern.source}":\n${proc.output()}`),
      )
    );
  });
}

/** Stops every process still running, in parallel. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((proc) => proc.stop()));
}

/** Last resort from an `exit` handler, where nothing asynchronous runs any more. */
export function killAllNow(): void {
  for (const proc of live) if (proc.child.pid) signal(proc.child.pid, "SIGKILL");
  live.clear();
}

/** Runs a command to completion with a time limit; returns wall time in ms and the output. */
export function timeCommand(
  command: string,
  args: readonly string[],
  options: { cpu?: number; timeoutMs?: number } = {},
): Promise<{ ms: number; code: number | null; stdout: string }> {
  const [cmd, argv] = pinnedCommand(options.cpu, command, args);
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const timer = setTimeout(
      () => child.pid && signal(child.pid, "SIGKILL"),
      options.timeoutMs ?? 10_000,
    );
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, code, stdout });
    });
  });
}
