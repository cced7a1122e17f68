/**
 * What a benchmark run talks to: three mock upstreams (fast, slow, abortable), Nexus in front
 * of all three, the bare Bun pass-through (the floor), and optionally the Portkey gateway
 * pointed at the same mocks.
 *
 * CPU layout: the gateway under test runs alone on one CPU; everything standing for the outside
 * world — the load generator (this process, wrk) and the mock backends — shares the other. A
 * gateway's CPU cost then shows as its own CPU saturating, never as the mock slowing down.
 * @module
 */
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import process from "node:process";
import type { RequestSpec } from "./client.ts";
import { type Proc, spawnProc, waitForLine } from "./procs.ts";
import { BUN, ROOT, TMP } from "./paths.ts";
import type { PortkeyInstall } from "./portkey.ts";

/** CPU of the load generator (this process, wrk) and the mocks; the gateway gets the other. */
export const LOAD_CPU = 0;
export const SERVER_CPU = 1;

export type TargetName = "direct" | "bare" | "nexus" | "portkey";
export type GatewayName = Exclude<TargetName, "direct">;
export type MockName = "fast" | "slow" | "abort";

/** Mock settings: latency for non-stream answers; TTFT, chunk count and gap for streams. */
export const MOCKS: Record<MockName, { readonly model: string; readonly args: string[] }> = {
  // Sequential, closed loop at 0 ms, and streaming: 10 content chunks 10 ms apart.
  fast: {
    model: "bench-fast",
    args: ["--latency", "0", "--ttft", "0", "--chunks", "10", "--gap", "10"],
  },
  // Closed loop at 50 ms; slow streams (~2.3 s) for the memory and mid-stream abort figures.
  slow: {
    model: "bench-slow",
    args: ["--latency", "50", "--ttft", "300", "--chunks", "20", "--gap", "100"],
  },
  // Long waits to abort in: 3 s before a non-stream answer or the first token.
  abort: {
    model: "bench-abort",
    args: ["--latency", "3000", "--ttft", "3000", "--chunks", "10", "--gap", "300"],
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
  readonly model: string;
  readonly url: string;
  readonly proc: Proc;
  readonly aborts: AbortLog;
}

export interface Gateway {
  readonly proc: Proc;
  readonly url: string;
}

export interface Topology {
  readonly mocks: Record<MockName, Mock>;
  readonly nexus: Gateway & { readonly mode: NexusMode };
  readonly bare: Gateway;
  readonly portkey: Gateway | undefined;
  /** Every target, direct first; each gateway's figures are compared with direct's. */
  readonly targets: TargetName[];
  readonly gateways: Partial<Record<GatewayName, Gateway>>;
  request(target: TargetName, mock: MockName, stream: boolean, via?: Gateway): RequestSpec;
}

export type NexusMode = "binary" | "source";

/** Environment for the processes under test: no variable of ours or the harness leaks in. */
export function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { NO_COLOR: "1", RUST_BACKTRACE: "0" };
  for (const key of Object.keys(process.env)) {
    if (key.startsWith("NEXUS_") || key.startsWith("BUN_CONFIG_")) env[key] = undefined;
  }
  return env;
}

async function startMock(name: MockName): Promise<Mock> {
  const { model, args } = MOCKS[name];
  const proc = spawnProc(
    `mock-${name}`,
    BUN,
    [`${ROOT}tests/mock/cli.ts`, "--port", "0", "--models", model, ...args],
    { cpu: LOAD_CPU, env: cleanEnv() },
  );
  const match = await waitForLine(proc, /mock-upstream listening (http:\/\/\S+)/, 15_000);
  const aborts = new AbortLog();
  proc.onLine((line, stream) => {
    const abort = stream === "stderr" ? /^abort \S+ ([0-9.]+)$/.exec(line) : null;
    if (abort) aborts.push(Number(abort[1]));
  });
  return { name, model, url: match[1]!, proc, aborts };
}

/** Writes the Nexus config: the three mocks as generic OpenAI-compatible backends. */
export function writeNexusConfig(mocks: Record<MockName, Mock>, port = 0): string {
  const path = `${TMP}nexus-bench.toml`;
  const backends = Object.values(mocks).map((mock) =>
    `[[backends]]\nname = "${mock.name}"\nurl = "${mock.url}"\ntype = "generic"\n`
  );
  writeFileSync(
    path,
    `# Written by bench/run.ts for one benchmark run.\n[server]\nhost = "127.0.0.1"\n` +
      `port = ${port}\nshutdown_timeout_seconds = 1\n\n[discovery]\nenabled = false\n\n` +
      backends.join("\n"),
  );
  return path;
}

export function nexusCommand(mode: NexusMode, args: readonly string[]): [string, string[]] {
  return mode === "binary"
    ? [`${ROOT}dist/nexus`, [...args]]
    : [BUN, [`${ROOT}src/main.ts`, ...args]];
}

/** Starts `nexus serve` and waits until every mock's model is routable. */
export async function startNexus(
  mode: NexusMode,
  config: string,
  models: string[],
  extraEnv: Record<string, string> = {},
) {
  const [command, args] = nexusCommand(mode, ["serve", "-c", config]);
  const proc = spawnProc("nexus", command, args, {
    cpu: SERVER_CPU,
    env: { ...cleanEnv(), ...extraEnv },
    cwd: TMP,
  });
  const match = await waitForLine(proc, /Nexus listening.*address=(http:\/\/\S+)/, 15_000);
  const url = match[1]!;
  // Routable once the first health round has found every mock's model.
  const deadline = performance.now() + 15_000;
  for (;;) {
    const listed = await fetch(`${url}/v1/models`).then((r) => r.text()).catch(() => "");
    if (models.every((model) => listed.includes(`"${model}"`))) break;
    if (performance.now() > deadline) {
      throw new Error(`nexus never listed ${models}:\n${proc.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { proc, url, mode };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startPortkey(install: PortkeyInstall) {
  const port = await freePort();
  const proc = spawnProc("portkey", "node", [install.entry, `--port=${port}`, "--headless"], {
    cpu: SERVER_CPU,
    env: cleanEnv(),
    cwd: install.dir,
  });
  await waitForLine(proc, /Ready for connections/, 30_000);
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function startBare(mocks: Record<MockName, Mock>): Promise<Gateway> {
  const map = Object.values(mocks).map((m) => `${m.model}=${m.url}`).join(",");
  const proc = spawnProc("bare", BUN, [
    `${ROOT}bench/e2e/bare-proxy.ts`,
    "--port",
    "0",
    "--map",
    map,
  ], {
    cpu: SERVER_CPU,
    env: cleanEnv(),
  });
  const match = await waitForLine(proc, /bare-proxy listening (http:\/\/\S+)/, 15_000);
  return { proc, url: match[1]! };
}

export interface TopologyOptions {
  readonly nexusMode: NexusMode;
  readonly portkey: PortkeyInstall | undefined;
}

export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const list = await Promise.all((Object.keys(MOCKS) as MockName[]).map(startMock));
  const mocks = Object.fromEntries(list.map((m) => [m.name, m])) as Record<MockName, Mock>;
  const config = writeNexusConfig(mocks);
  const nexus = await startNexus(options.nexusMode, config, list.map((m) => m.model));
  const bare = await startBare(mocks);
  const portkey = options.portkey ? await startPortkey(options.portkey) : undefined;
  const targets: TargetName[] = [
    "direct",
    "bare",
    "nexus",
    ...(portkey ? ["portkey" as const] : []),
  ];
  return {
    mocks,
    nexus,
    bare,
    portkey,
    targets,
    gateways: { bare, nexus, ...(portkey ? { portkey } : {}) },
    request(target, mockName, stream, via) {
      const mock = mocks[mockName];
      const body = chatBody(mock.model, stream);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (target === "direct") return { url: `${mock.url}/v1/chat/completions`, headers, body };
      if (target === "nexus") {
        return { url: `${(via ?? nexus).url}/v1/chat/completions`, headers, body };
      }
      if (target === "bare") return { url: `${bare.url}/v1/chat/completions`, headers, body };
      if (!portkey) throw new Error("portkey is not running");
      return {
        url: `${portkey.url}/v1/chat/completions`,
        headers: {
          ...headers,
          authorization: "Bearer sk-bench",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${mock.url}/v1`,
        },
        body,
      };
    },
  };
}
