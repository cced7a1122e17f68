/**
 * The mock upstreams a benchmark run starts (each its own `tests/mock/cli.ts` process on the
 * load CPU), the chat body most rows send, and the abort log the disconnect row reads.
 * @module
 */
import type { Proc } from "./procs.ts";
import { spawnProc, waitForLine } from "./procs.ts";
import { BUN, ROOT } from "./paths.ts";
import { cleanEnv, LOAD_CPU, type MockName } from "./topology.ts";

/** A model on the fast mock whose streams stall for 10 s after their first event (head-of-line). */
export const STALL_MODEL = "bench-stall";
export const STALL_MS = 10_000;

/** Tool-call streams (the long mock): 50 argument deltas of a ~400-character argument object. */
export const TOOL_DELTAS = 50;
export const TOOL_ARGUMENTS = JSON.stringify({
  query: "the list of every GPU server in the home lab with its free memory and loaded models",
  filters: { status: ["healthy", "busy"], min_free_gib: 8, types: ["ollama", "vllm"] },
  sort: [{ field: "free_memory", order: "desc" }, { field: "latency_ms", order: "asc" }],
  limit: 25,
  explain: true,
});

/** Mock settings: latency for non-stream answers; TTFT, chunk count and gap for streams. */
export const MOCKS: Record<MockName, { readonly models: string[]; readonly args: string[] }> = {
  // Sequential, closed and open loops at 0 ms, streaming (10 content chunks 10 ms apart), big
  // prompts; its second model stalls mid-stream (head-of-line).
  fast: {
    models: ["bench-fast", STALL_MODEL],
    args: [
      ...["--latency", "0", "--ttft", "0", "--chunks", "10", "--gap", "10"],
      ...["--stall-model", STALL_MODEL, "--stall-ms", String(STALL_MS)],
    ],
  },
  // Closed loop at 50 ms; slow streams (~2.3 s) for the memory and mid-stream abort figures.
  slow: {
    models: ["bench-slow"],
    args: ["--latency", "50", "--ttft", "300", "--chunks", "20", "--gap", "100"],
  },
  // Long waits to abort in: 3 s before a non-stream answer or the first token.
  abort: {
    models: ["bench-abort"],
    args: ["--latency", "3000", "--ttft", "3000", "--chunks", "10", "--gap", "300"],
  },
  // Long streams for the per-event cost of each front door: 100 content events (or 50 tool-call
  // deltas) 1 ms apart, so each arrives in its own network read.
  long: {
    models: ["bench-long"],
    args: [
      ...["--latency", "0", "--ttft", "0", "--chunks", "100", "--gap", "1"],
      ...["--tool-chunks", String(TOOL_DELTAS), "--tool-arguments", TOOL_ARGUMENTS],
    ],
  },
};

/** A realistic small chat request (~0.6 KB): system prompt, one user turn, sampling options. */
export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      {
        role: "system",
        content: "You are a helpful assistant running in a home lab. Answer briefly and " +
          "precisely; when you are not sure, say so. Prefer plain text over Markdown.",
      },
      {
        role: "user",
        content: "Explain in three sentences what an LLM gateway does, why it should add as " +
          "little latency as possible, and what happens when a client disconnects mid-stream.",
      },
    ],
    stream,
    temperature: 0.7,
    max_tokens: 256,
  });
}

/** Abort timestamps a mock logs on stderr, queued until a trial takes them. */
export class AbortLog {
  #queue: number[] = [];
  #waiter: ((at: number) => void) | undefined;

  push(at: number): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter(at);
    else this.#queue.push(at);
  }

  drain(): void {
    this.#queue = [];
  }

  /** The next abort's wall time (ms), or undefined if none arrives within `timeoutMs`. */
  next(timeoutMs: number): Promise<number | undefined> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.#waiter = (at) => {
        clearTimeout(timer);
        resolve(at);
      };
    });
  }
}

export interface Mock {
  readonly name: MockName;
  /** The model the mock is benchmarked with (its first). */
  readonly model: string;
  readonly models: readonly string[];
  readonly url: string;
  readonly proc: Proc;
  readonly aborts: AbortLog;
}

export async function startMock(name: MockName): Promise<Mock> {
  const { models, args } = MOCKS[name];
  const proc = spawnProc(
    `mock-${name}`,
    BUN,
    [`${ROOT}tests/mock/cli.ts`, "--port", "0", "--models", models.join(","), ...args],
    { cpu: LOAD_CPU, env: { ...cleanEnv(), BUN_CONFIG_MAX_HTTP_REQUESTS: "8192" } },
  );
  const match = await waitForLine(proc, /mock-upstream listening (http:\/\/\S+)/, 15_000);
  const aborts = new AbortLog();
  proc.onLine((line, stream) => {
    const abort = stream === "stderr" ? /^abort \S+ ([0-9.]+)$/.exec(line) : null;
    if (abort) aborts.push(Number(abort[1]));
  });
  return { name, model: models[0]!, models, url: match[1]!, proc, aborts };
}
