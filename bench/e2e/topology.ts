/**
 * What a benchmark run talks to: the mock upstreams, Nexus in front of them (the compiled
 * binary or the sources under Bun, and the same sources under Deno), the floors beside it — the
 * bare pass-through under Bun and under Deno, and nginx — and optionally the Portkey gateway.
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
import { BUN, DENO, ROOT, TMP } from "./paths.ts";
import { chatBody, type Mock, MOCKS, startMock } from "./mocks.ts";
import { HEAP_SIGNAL, NEXUS_PROBE_BINARY } from "./live-heap.ts";
import { nginxAvailable, startNginx } from "./nginx.ts";
import type { PortkeyInstall } from "./portkey.ts";

/** CPU of the load generator (this process, wrk) and the mocks; the gateway gets the other. */
export const LOAD_CPU = 0;
export const SERVER_CPU = 1;

export type GatewayName = "bare" | "bare-deno" | "nginx" | "nexus" | "nexus-deno" | "portkey";
export type TargetName = "direct" | GatewayName;
export type MockName = "fast" | "slow" | "abort" | "long";

export {
  AbortLog,
  chatBody,
  type Mock,
  MOCKS,
  STALL_MODEL,
  STALL_MS,
  startMock,
  TOOL_ARGUMENTS,
  TOOL_DELTAS,
} from "./mocks.ts";

/** Every target in report order. */
export const TARGET_ORDER: readonly TargetName[] = [
  "direct",
  "nginx",
  "bare",
  "bare-deno",
  "nexus",
  "nexus-deno",
  "portkey",
];

export interface Gateway {
  readonly proc: Proc;
  readonly url: string;
}

export type NexusMode = "binary" | "source";

export interface RequestOptions {
  /** Another running instance of the same gateway (memory rounds, keys rows). */
  readonly via?: Gateway;
  /** The client's path on the gateway; default `/v1/chat/completions`. */
  readonly path?: string;
  /** The body; default `chatBody(the mock's model, stream)`. */
  readonly body?: string;
  /** The model the request names, when `body` is not given. */
  readonly model?: string;
  readonly headers?: Record<string, string>;
}

export interface Topology {
  readonly mocks: Record<MockName, Mock>;
  readonly nexus: Gateway & { readonly mode: NexusMode };
  readonly bare: Gateway;
  readonly portkey: Gateway | undefined;
  /** Every target, direct first; each gateway's figures are compared with direct's. */
  readonly targets: TargetName[];
  readonly gateways: Partial<Record<GatewayName, Gateway>>;
  request(
    target: TargetName,
    mock: MockName,
    stream: boolean,
    options?: RequestOptions,
  ): RequestSpec;
}

/** Environment for the processes under test: no variable of ours or the harness leaks in. */
export function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { NO_COLOR: "1", RUST_BACKTRACE: "0" };
  for (const key of Object.keys(process.env)) {
    if (key.startsWith("NEXUS_") || key.startsWith("BUN_CONFIG_")) env[key] = undefined;
  }
  env.DENO_NO_UPDATE_CHECK = "1";
  return env;
}

/**
 * Writes a Nexus config: every mock as a generic OpenAI-compatible backend. `extra` is appended
 * (the keys rows add `[auth]` and `[state]` there).
 */
export function writeNexusConfig(
  mocks: Partial<Record<MockName, Mock>>,
  port = 0,
  options: { name?: string; extra?: string } = {},
): string {
  const path = `${TMP}${options.name ?? "nexus-bench"}.toml`;
  const backends = Object.values(mocks).map((mock) =>
    `[[backends]]\nname = "${mock!.name}"\nurl = "${mock!.url}"\ntype = "generic"\n`
  );
  writeFileSync(
    path,
    `# Written by bench/run.ts for one benchmark run.\n[server]\nhost = "127.0.0.1"\n` +
      `port = ${port}\nshutdown_timeout_seconds = 1\n\n[discovery]\nenabled = false\n\n` +
      backends.join("\n") + (options.extra ? `\n${options.extra}\n` : ""),
  );
  return path;
}

/** How a Nexus process runs: the compiled binary, or the sources of `root` under a runtime. */
export interface NexusRun {
  readonly mode: NexusMode;
  readonly runtime?: "bun" | "deno";
  /** The repository whose sources run (another worktree for before/after comparisons). */
  readonly root?: string;
  /**
   * With bench/heap-signal.ts in front (Bun only): preloaded for the sources; for the binary, the
   * probe binary `compileNexusProbe` built (bench/e2e/live-heap.ts).
   */
  readonly probe?: boolean;
}

export function nexusCommand(run: NexusRun | NexusMode, args: readonly string[]) {
  const { mode, runtime = "bun", root = ROOT, probe = false } = typeof run === "string"
    ? { mode: run }
    : run;
  if (mode === "binary") {
    return [probe ? NEXUS_PROBE_BINARY : `${root}dist/nexus`, [...args]] as [string, string[]];
  }
  const preload = probe ? ["--preload", HEAP_SIGNAL] : [];
  return (runtime === "deno"
    ? [DENO, ["run", "-A", `${root}src/main.ts`, ...args]]
    : [BUN, [...preload, `${root}src/main.ts`, ...args]]) as [string, string[]];
}

/** Starts `nexus serve` and waits until every mock's model is routable. */
export async function startNexus(
  run: NexusRun | NexusMode,
  config: string,
  models: readonly string[],
  extraEnv: Record<string, string> = {},
  name = "nexus",
  /** The port the config names, when it is not 0 (a config that logs less than "info"). */
  port = 0,
) {
  const [command, args] = nexusCommand(run, ["serve", "-c", config]);
  const proc = spawnProc(name, command, args, {
    cpu: SERVER_CPU,
    env: { ...cleanEnv(), ...extraEnv },
    cwd: TMP,
  });
  const url = port
    ? `http://127.0.0.1:${port}`
    : (await waitForLine(proc, /Nexus listening.*address=(http:\/\/\S+)/, 30_000))[1]!;
  // Routable once the first health round has found every mock's model.
  const deadline = performance.now() + 15_000;
  for (;;) {
    const listed = await fetch(`${url}/v1/models`).then((r) => r.text()).catch(() => "");
    if (models.every((model) => listed.includes(`"${model}"`))) break;
    if (performance.now() > deadline + (port ? 15_000 : 0)) {
      throw new Error(`nexus never listed ${models}:\n${proc.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const mode = typeof run === "string" ? run : run.mode;
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

async function startPortkey(install: PortkeyInstall): Promise<Gateway> {
  const port = await freePort();
  const proc = spawnProc("portkey", "node", [install.entry, `--port=${port}`, "--headless"], {
    cpu: SERVER_CPU,
    env: cleanEnv(),
    cwd: install.dir,
  });
  await waitForLine(proc, /Ready for connections/, 30_000);
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** Every model of every mock → that mock's URL, for the pass-throughs that route by model. */
function modelMap(mocks: Record<MockName, Mock>): string {
  return Object.values(mocks).flatMap((m) => m.models.map((model) => `${model}=${m.url}`)).join(
    ",",
  );
}

export async function startBare(
  mocks: Record<MockName, Mock>,
  runtime: "bun" | "deno" = "bun",
): Promise<Gateway> {
  const script = `${ROOT}bench/e2e/bare-proxy.ts`;
  const args = ["--port", "0", "--map", modelMap(mocks)];
  const [command, argv] = runtime === "deno"
    ? [DENO, ["run", "-A", script, ...args]]
    : [BUN, [script, ...args]];
  const proc = spawnProc(runtime === "deno" ? "bare-deno" : "bare", command, argv, {
    cpu: SERVER_CPU,
    env: cleanEnv(),
  });
  const match = await waitForLine(proc, /bare-proxy listening (http:\/\/\S+)/, 30_000);
  return { proc, url: match[1]! };
}

export async function startNginxGateway(mocks: Record<MockName, Mock>): Promise<Gateway> {
  const upstreams = Object.values(mocks).flatMap((m) =>
    m.models.map((model) => ({ prefix: model, url: m.url }))
  );
  return await startNginx(await freePort(), upstreams, SERVER_CPU);
}

export interface TopologyOptions {
  readonly nexusMode: NexusMode;
  readonly portkey: PortkeyInstall | undefined;
  /** Also run the sources under Deno (Nexus and the bare pass-through). */
  readonly deno?: boolean;
  /** Also run nginx (when installed). */
  readonly nginx?: boolean;
}

export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const list = await Promise.all((Object.keys(MOCKS) as MockName[]).map(startMock));
  const mocks = Object.fromEntries(list.map((m) => [m.name, m])) as Record<MockName, Mock>;
  const models = list.flatMap((m) => m.models);
  const config = writeNexusConfig(mocks);
  const nexus = await startNexus(options.nexusMode, config, models);
  const bare = await startBare(mocks);
  const gateways: Partial<Record<GatewayName, Gateway>> = { bare, nexus };
  if (options.nginx && nginxAvailable()) gateways.nginx = await startNginxGateway(mocks);
  if (options.deno) {
    gateways["bare-deno"] = await startBare(mocks, "deno");
    gateways["nexus-deno"] = await startNexus(
      { mode: "source", runtime: "deno" },
      config,
      models,
      {},
      "nexus-deno",
    );
  }
  const portkey = options.portkey ? await startPortkey(options.portkey) : undefined;
  if (portkey) gateways.portkey = portkey;
  const targets = TARGET_ORDER.filter((t) => t === "direct" || gateways[t as GatewayName]);
  return {
    mocks,
    nexus,
    bare,
    portkey,
    targets,
    gateways,
    request(target, mockName, stream, options = {}) {
      const mock = mocks[mockName];
      const path = options.path ?? "/v1/chat/completions";
      const body = options.body ?? chatBody(options.model ?? mock.model, stream);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        ...options.headers,
      };
      if (target === "direct") return { url: `${mock.url}${path}`, headers, body };
      if (target === "nginx") {
        const model = options.model ?? mock.model;
        return { url: `${gateways.nginx!.url}/${model}${path}`, headers, body };
      }
      if (target === "portkey") {
        if (!portkey) throw new Error("portkey is not running");
        return {
          url: `${portkey.url}${path}`,
          headers: {
            ...headers,
            authorization: "Bearer sk-bench",
            "x-portkey-provider": "openai",
            "x-portkey-custom-host": `${mock.url}/v1`,
          },
          body,
        };
      }
      const gateway = options.via ?? gateways[target];
      if (!gateway) throw new Error(`${target} is not running`);
      return { url: `${gateway.url}${path}`, headers, body };
    },
  };
}
