/**
 * Runs `nexus` as a real process (Bun or Deno) for end-to-end tests: waits for the listening
 * log line to learn the port chosen for `-p 0`, and collects output for assertions.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";

export const ROOT_DIR = new URL("../../", import.meta.url).pathname;
const BIN = `${ROOT_DIR}node_modules/.bin/`;

export type RuntimeName = "bun" | "deno";

export function nexusCommand(runtime: RuntimeName, args: readonly string[]): [string, string[]] {
  return runtime === "bun"
    ? [`${BIN}bun`, [`${ROOT_DIR}src/main.ts`, ...args]]
    : [`${BIN}deno`, ["run", "-A", `${ROOT_DIR}src/main.ts`, ...args]];
}

export interface NexusProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const quietEnv = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", RUST_BACKTRACE: "0" };

export function startNexus(
  runtime: RuntimeName,
  args: readonly string[],
  options: {
    env?: Record<string, string>;
    unsetEnv?: readonly string[];
    cwd?: string;
    timeoutMs?: number;
  } = {},
): Promise<NexusProcess> {
  const [command, argv] = nexusCommand(runtime, ["serve", "-p", "0", "-H", "127.0.0.1", ...args]);
  const env: Record<string, string | undefined> = { ...process.env, ...quietEnv, ...options.env };
  for (const name of options.unsetEnv ?? []) delete env[name];
  const child = spawn(command, argv, {
    cwd: options.cwd ?? ROOT_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code))
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`nexus did not start within ${options.timeoutMs ?? 15000} ms:\n${output}`));
    }, options.timeoutMs ?? 15000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Nexus listening.*address=(http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          output: () => output,
          stop(signal = "SIGTERM") {
            // process.kill, not child.kill: Deno's node:child_process reports the signal it sent
            // instead of the exit code the child chose once child.kill() has been called.
            if (child.exitCode === null && child.signalCode === null) {
              process.kill(child.pid!, signal);
            }
            return exited;
          },
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`nexus exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Runs a nexus CLI command to completion. */
export function runNexus(
  runtime: RuntimeName,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, argv] = nexusCommand(runtime, args);
  const child = spawn(command, argv, {
    cwd: options.cwd ?? ROOT_DIR,
    env: { ...process.env, ...quietEnv, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
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
