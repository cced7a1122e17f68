/**
 * Long-running helper processes for the network tests (daemons, announcers, servers inside a
 * namespace): start one, wait for the line that says it is ready, stop it by its own pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";

export interface RunningProcess {
  readonly child: ChildProcess;
  /** The match of the ready pattern. */
  readonly ready: RegExpExecArray;
  output(): string;
  /** Waits for more output matching `pattern` (e.g. a log line after startup). */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Signals the process (if still running) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  readonly ready: RegExp;
  readonly what: string;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

export function startProcess(
  command: string,
  args: readonly string[],
  options: StartOptions,
): Promise<RunningProcess> {
  const child = spawn(command, [...args], {
    env: {
      ...process.env,
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
      RUST_BACKTRACE: "0",
      ...options.env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  const watchers = new Set<() => void>();
  const onData = (chunk: Uint8Array) => {
    output += new TextDecoder().decode(chunk);
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code))
  );
  let running = true;
  void exited.then(() => {
    running = false;
    for (const watcher of [...watchers]) watcher();
  });

  const waitFor = (pattern: RegExp, what: string, timeoutMs = 15_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) return done(() => resolve(match));
        if (!running) {
          return done(() => reject(new Error(`${what}: process exited first:\n${output}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`Timed out waiting for ${what}:\n${output}`))),
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

  const handle = (ready: RegExpExecArray): RunningProcess => ({
    child,
    ready,
    output: () => output,
    waitFor,
    stop(signal = "SIGTERM") {
      if (running && child.pid !== undefined) {
        try {
          process.kill(child.pid, signal);
        } catch { /* already gone */ }
      }
      return exited;
    },
  });
  return waitFor(options.ready, options.what, options.timeoutMs).then(handle, async (error) => {
    await handle(/$/.exec("")!).stop("SIGKILL");
    throw error;
  });
}
