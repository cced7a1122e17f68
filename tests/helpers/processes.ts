/**
 * The one way tests, `scripts/soak.ts` and the benchmark harness start processes. One core,
 * `spawnProcess` (node:child_process, so the same code runs under Bun and Deno: output captured,
 * read by line or by pattern, stopped by its own pid), and on top of it:
 * - `startProcess`: a long-running process (daemon, server), resolved once its ready line appears;
 * - `runCommand`: a command run to completion, with its exit code and output;
 * - `startNexus` / `runNexus`: `nexus` under Bun or Deno, the same two ways.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { recordTranscript } from "./secrets.ts";

export const ROOT_DIR = new URL("../../", import.meta.url).pathname;
const BIN = `${ROOT_DIR}node_modules/.bin/`;

/** No colours, update checks or backtraces in output the tests read. */
const QUIET_ENV = {
  NO_COLOR: "1",
  DENO_NO_UPDATE_CHECK: "1",
  RUST_BACKTRACE: "0",
  SYSTEMD_COLORS: "0",
};
/** How long output may trail the exit (a grandchild holding the pipe must not hang a test). */
const DRAIN_MS = 1000;

export interface SpawnOptions {
  /** Names the process in error messages (default: the command). */
  readonly name?: string;
  /** Added to this process's environment; `undefined` removes a variable. */
  readonly env?: Record<string, string | undefined>;
  /** Default: the repository root. */
  readonly cwd?: string;
  /** `"pipe"` to write to the process through `child.stdin`, or an open fd; default ignored. */
  readonly stdin?: "pipe" | "ignore" | number;
  /**
   * Keeps only about the last N characters of output (long benchmark runs; trimmed once it
   * reaches twice that, so a chatty process costs no copying per chunk); default everything.
   */
  readonly outputLimit?: number;
}

export type Stream = "stdout" | "stderr";

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The exit code once it ended and its output is read; null after a signal or a failed start. */
  readonly exited: Promise<number | null>;
  /** Stdout and stderr interleaved as they arrived. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Why it could not be started (missing command …), once `exited` has settled. */
  startError(): Error | undefined;
  /** Calls `listener` for every complete line written from now on; returns the remover. */
  onLine(listener: (line: string, stream: Stream) => void): () => void;
  /** The first match of `pattern` in the output, now or later; rejects on exit or timeout. */
  waitFor(pattern: RegExp, what?: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /**
   * Sends `signal` unless it has ended, and resolves with the exit code. With `killAfterMs`,
   * follows up with SIGKILL if it is still running by then.
   */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
}

export function spawnProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Proc {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...QUIET_ENV, ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const child = spawn(command, [...args], {
    cwd: options.cwd ?? ROOT_DIR,
    env,
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
  });
  const limit = options.outputLimit ?? Infinity;
  // `lines`: complete lines only, so that a pattern never matches half a line (a URL cut short).
  const text = { all: "", stdout: "", stderr: "", lines: "" };
  const partial = { stdout: "", stderr: "" };
  const listeners = new Set<(line: string, stream: Stream) => void>();
  const watchers = new Set<() => void>();
  const keep = (value: string) => value.length > 2 * limit ? value.slice(-limit) : value;
  const emit = (lines: readonly string[], stream: Stream) => {
    if (lines.length === 0) return;
    text.lines = keep(text.lines + lines.map((line) => `${line}\n`).join(""));
    for (const line of lines) for (const listener of [...listeners]) listener(line, stream);
    for (const watcher of [...watchers]) watcher();
  };
  const feed = (stream: Stream) => {
    const decoder = new TextDecoder();
    return (chunk: Uint8Array) => {
      const piece = decoder.decode(chunk, { stream: true });
      text.all = keep(text.all + piece);
      text[stream] = keep(text[stream] + piece);
      const lines = (partial[stream] + piece).split("\n");
      partial[stream] = lines.pop()!;
      emit(lines, stream);
    };
  };
  child.stdout!.on("data", feed("stdout"));
  child.stderr!.on("data", feed("stderr"));
  /** The last line of each stream, when the process ended without a newline. */
  const flush = () => {
    for (const stream of ["stdout", "stderr"] as const) {
      if (partial[stream] !== "") emit([partial[stream]], stream);
      partial[stream] = "";
    }
  };

  let running = true;
  let startError: Error | undefined;
  const exited = new Promise<number | null>((resolve) => {
    let drain: ReturnType<typeof setTimeout> | undefined;
    const end = (code: number | null) => {
      clearTimeout(drain);
      if (!running) return;
      flush();
      running = false;
      // Everything a process of the suite printed is scanned for secrets (npm test).
      recordTranscript(`process ${options.name ?? command}`, text.all);
      resolve(code);
      for (const watcher of [...watchers]) watcher();
    };
    child.once("exit", (code) => {
      if (running) drain = setTimeout(() => end(code), DRAIN_MS);
    });
    child.once("close", (code) => end(code));
    child.once("error", (error) => {
      startError = error;
      text.all += `${error.message}\n`;
      end(null);
    });
  });

  const proc: Proc = {
    name: options.name ?? command,
    child,
    pid: child.pid ?? -1,
    exited,
    output: () => text.all,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    startError: () => startError,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitFor(pattern, what = `"${pattern.source}" from ${proc.name}`, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text.lines);
          if (match) return done(() => resolve(match));
          if (!running) {
            done(() => reject(new Error(`${what}: the process exited first:\n${text.all}`)));
          }
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`Timed out waiting for ${what}:\n${text.all}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          watchers.delete(check);
          settle();
        };
        watchers.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM", killAfterMs) {
      if (!running) return exited;
      // process.kill, not child.kill: Deno's node:child_process reports the signal it sent
      // instead of the exit code the child chose once child.kill() has been called.
      send(proc.pid, signal);
      if (killAfterMs === undefined) return exited;
      const timer = setTimeout(() => send(proc.pid, "SIGKILL"), killAfterMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return proc;
}

function send(pid: number, signal: NodeJS.Signals): void {
  // Never 0 or -1: those would signal this process group or every process there is.
  if (!(pid > 0)) return;
  try {
    process.kill(pid, signal);
  } catch { /* already gone */ }
}

export interface RunningProcess extends Proc {
  /** The match of the ready pattern. */
  readonly ready: RegExpExecArray;
}

export interface StartOptions extends SpawnOptions {
  /** The output that says it is ready (e.g. its listening line). */
  readonly ready: RegExp;
  /** What it is, for error messages. */
  readonly what: string;
  readonly timeoutMs?: number;
}

/** Starts a long-running process; resolves once `ready` matches, or kills it and rejects. */
export async function startProcess(
  command: string,
  args: readonly string[],
  options: StartOptions,
): Promise<RunningProcess> {
  const proc = spawnProcess(command, args, { name: options.what, ...options });
  try {
    return { ...proc, ready: await proc.waitFor(options.ready, options.what, options.timeoutMs) };
  } catch (error) {
    await proc.stop("SIGKILL");
    throw error;
  }
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Stdout and stderr interleaved as they arrived. */
  readonly output: string;
}

export interface RunOptions extends Omit<SpawnOptions, "stdin" | "outputLimit"> {
  /** Written to its stdin, which is then closed. */
  readonly input?: string;
  /** SIGKILL after this long (the result then has code null). */
  readonly timeoutMs?: number;
}

/** Runs a command to completion; rejects only when it cannot be started at all. */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const stdin = options.input === undefined ? "ignore" : inputFile(options.input);
  let proc: Proc;
  try {
    proc = spawnProcess(command, args, { ...options, stdin });
  } finally {
    if (typeof stdin === "number") closeSync(stdin);
  }
  const timer = options.timeoutMs === undefined
    ? undefined
    : setTimeout(() => send(proc.pid, "SIGKILL"), options.timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  const error = proc.startError();
  if (error) throw new Error(`Cannot run ${command}: ${error.message}`);
  return { code, stdout: proc.stdout(), stderr: proc.stderr(), output: proc.output() };
}

/**
 * The input as a file opened for reading, as `command < file` would give it: Bun hands a child
 * a socket for a stdin pipe, which some tools refuse (fish: "Unable to read input file").
 */
function inputFile(input: string): number {
  const dir = mkdtempSync(join(tmpdir(), "nexus-input-"));
  try {
    writeFileSync(join(dir, "stdin"), input);
    return openSync(join(dir, "stdin"), "r");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type RuntimeName = "bun" | "deno";

/** The command line that runs a TypeScript file of this repository under Bun or Deno. */
export function scriptCommand(
  runtime: RuntimeName,
  script: string,
  args: readonly string[],
): [string, string[]] {
  const path = `${ROOT_DIR}${script}`;
  return runtime === "bun"
    ? [`${BIN}bun`, [path, ...args]]
    : [`${BIN}deno`, ["run", "-A", path, ...args]];
}

/** The command line of `nexus ARGS` from source under Bun or Deno. */
export function nexusCommand(runtime: RuntimeName, args: readonly string[]): [string, string[]] {
  return scriptCommand(runtime, "src/main.ts", args);
}

/**
 * A fresh `$XDG_STATE_HOME` for a `nexus` process: one started without a config file keeps its
 * state file there, never in the home directory of whoever runs the tests (nor shared by two
 * tests). A test that means to share one passes `env.XDG_STATE_HOME` itself.
 */
export function isolatedStateHome(): string {
  return mkdtempSync(join(tmpdir(), "nexus-state-"));
}

export interface NexusProcess extends RunningProcess {
  readonly url: string;
}

/** `nexus serve -p 0 -H 127.0.0.1 ARGS`; resolves with the URL it logged once listening. */
export async function startNexus(
  runtime: RuntimeName,
  args: readonly string[],
  options: Omit<SpawnOptions, "stdin"> & { timeoutMs?: number } = {},
): Promise<NexusProcess> {
  const [command, argv] = nexusCommand(runtime, ["serve", "-p", "0", "-H", "127.0.0.1", ...args]);
  const home = ownStateHome(options.env);
  try {
    const proc = await startProcess(command, argv, {
      ready: /Nexus listening.*address=(http:\/\/\S+)/,
      what: `nexus serve (${runtime})`,
      ...options,
      env: { ...home.env, ...options.env },
    });
    void proc.exited.finally(home.remove);
    return { ...proc, url: proc.ready[1]! };
  } catch (error) {
    home.remove();
    throw error;
  }
}

/** Runs a nexus CLI command to completion. */
export function runNexus(
  runtime: RuntimeName,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const [command, argv] = nexusCommand(runtime, args);
  const home = ownStateHome(options.env);
  return runCommand(command, argv, { ...options, env: { ...home.env, ...options.env } })
    .finally(home.remove);
}

/**
 * The state home a `nexus` process gets unless the test names one: made for it and removed once
 * it has ended, so thousands of runs leave nothing behind in the temporary directory.
 */
export function ownStateHome(
  env: SpawnOptions["env"],
): { env: Record<string, string>; remove(): void } {
  if (env?.XDG_STATE_HOME !== undefined) return { env: {}, remove() {} };
  const dir = isolatedStateHome();
  return {
    env: { XDG_STATE_HOME: dir },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Polls a running Nexus until `/v1/models` lists `model` (its backend passed a health check). */
export async function waitUntilRoutable(
  url: string,
  model: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const { data } = await (await fetch(`${url}/v1/models`)).json() as {
      data: Array<{ id: string }>;
    };
    if (data.some((m) => m.id === model)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`model "${model}" never became routable at ${url}`);
}
