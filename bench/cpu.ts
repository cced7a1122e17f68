/**
 * CPU per request, A/B: the gateway process's own CPU time (user + system, from /proc) over
 * closed-loop rounds of wrk, for several gateways side by side in interleaved rounds. This is
 * the figure optimisations are judged by on a shared machine: wall-clock latency moves with the
 * other engineers' load, a process's own CPU time per request much less.
 *
 *   bun bench/cpu.ts --gateway bare --gateway base=/tmp/perf-base --gateway new=. [options]
 *
 * Gateways: `bare`, `bare-deno`, `nginx`, or `NAME=ROOT` (Nexus from the sources of the
 * repository at ROOT under Bun; `NAME=ROOT@deno` under Deno; `NAME=binary` for dist/nexus), or
 * `NAME=script:PATH:FLAGS` (a pass-through script run with BARE_FLAGS=FLAGS, `+` for `,`: e.g.
 * `relay=script:bench/e2e/bare-variants.ts:relay`, what one runtime feature costs alone).
 * Options: --rounds 6, --seconds 2, --connections 32, --stream, --path /v1/chat/completions,
 * --mock fast|long, --body FILE (a request body; `MODEL` in it is replaced), --tool (a chat
 * request offering a tool), --toml 'extra config for every Nexus', --toml-for NAME='config for
 * that one' (`\n` for newlines), --keys local|redis (every Nexus in keys mode, a key with rpm,
 * tpm and concurrency limits sent with each request: limits in process, or in a `redis-server`
 * started for the run; bench/e2e/keyed.ts), --keys-for NAME=local|redis (that one), --ui (a
 * dashboard open on every Nexus: `/ui/events` read throughout, as a browser would), --prof NAME (that gateway
 * runs under `--cpu-prof`; the profile lands in bench/.tmp/prof/).
 *
 * Prints, per round, each gateway's µs of CPU per request and its ratio to the first gateway;
 * then the medians.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { chatBody } from "./e2e/topology.ts";
import { luaScript, wrk } from "./e2e/closed-loop.ts";
import { BUN, DENO, ROOT, TMP } from "./e2e/paths.ts";
import { canPin, killAllNow, spawnProc, stopAll } from "./e2e/procs.ts";
import { median, round } from "./e2e/stats.ts";
import {
  cleanEnv,
  freePort,
  type Gateway,
  LOAD_CPU,
  type MockName,
  SERVER_CPU,
  startBare,
  startMock,
  startNexus,
  startNginxGateway,
  writeNexusConfig,
} from "./e2e/topology.ts";
import type { Mock } from "./e2e/topology.ts";
import { keysModeOf, keysToml, makeKey } from "./e2e/keyed.ts";
import { type RedisServer, startRedis } from "../tests/helpers/redis.ts";

const { values } = parseArgs({
  options: {
    gateway: { type: "string", multiple: true, default: [] },
    rounds: { type: "string", default: "6" },
    seconds: { type: "string", default: "2" },
    connections: { type: "string", default: "32" },
    stream: { type: "boolean", default: false },
    tool: { type: "boolean", default: false },
    path: { type: "string", default: "/v1/chat/completions" },
    mock: { type: "string", default: "fast" },
    body: { type: "string" },
    toml: { type: "string" },
    "toml-for": { type: "string", multiple: true, default: [] },
    "env-for": { type: "string", multiple: true, default: [] },
    prof: { type: "string" },
    threads: { type: "boolean", default: false },
    ui: { type: "boolean", default: false },
    keys: { type: "string" },
    "keys-for": { type: "string", multiple: true, default: [] },
  },
});

if (canPin()) spawnSync("taskset", ["-a", "-cp", String(LOAD_CPU), String(process.pid)]);
mkdirSync(TMP, { recursive: true });
const mockName = values.mock as MockName;
const mock = await startMock(mockName);
const mocks = { [mockName]: mock } as Record<MockName, Mock>;

/** Gateway `name`'s keys mode (`--keys-for`, else `--keys`), if any. */
const keysOf = (name: string) => keysModeOf(name, values["keys-for"], values.keys);
let redis: RedisServer | undefined;
/** Each keyed gateway's key, sent with its requests. */
const keyOf = new Map<string, string>();

/** Starts one gateway from its `--gateway` spec; a keyed Nexus gets its key. */
async function start(spec: string): Promise<{ name: string; gateway: Gateway; nginx: boolean }> {
  const started = await startGateway(spec);
  const keys = spec.includes("=") && !spec.includes("script:") ? keysOf(started.name) : undefined;
  if (keys !== undefined) {
    const { gateway, name } = started;
    const key = await makeKey(gateway.url, mock.models, () => gateway.proc.output(), {
      name: `bench-${name}`,
    });
    keyOf.set(name, key);
  }
  return started;
}

async function startGateway(
  spec: string,
): Promise<{ name: string; gateway: Gateway; nginx: boolean }> {
  if (spec === "bare" && values.prof === "bare") {
    const map = mock.models.map((m) => `${m}=${mock.url}`).join(",");
    const proc = spawnProc("bare", BUN, [
      ...profileFlags("bare"),
      `${ROOT}bench/e2e/bare-proxy.ts`,
      "--port",
      "0",
      "--map",
      map,
    ], { cpu: SERVER_CPU, env: cleanEnv() });
    const match = await proc.waitFor(/listening (http:\/\/\S+)/, "bare", 30_000);
    return { name: spec, gateway: { proc, url: match[1]! }, nginx: false };
  }
  if (spec === "bare") return { name: spec, gateway: await startBare(mocks), nginx: false };
  if (spec === "bare-deno") {
    return { name: spec, gateway: await startBare(mocks, "deno"), nginx: false };
  }
  if (spec === "nginx") return { name: spec, gateway: await startNginxGateway(mocks), nginx: true };
  const [name, where] = spec.split("=") as [string, string];
  if (!where) throw new Error(`--gateway ${spec}: expected NAME=ROOT`);
  if (where.startsWith("script:")) {
    // An experimental pass-through: `script:PATH:FLAGS` runs PATH with BARE_FLAGS=FLAGS.
    const [, path, flags = ""] = where.split(":");
    const map = mock.models.map((m) => `${m}=${mock.url}`).join(",");
    const prof = values.prof === name ? profileFlags(name) : [];
    const proc = spawnProc(name, BUN, [...prof, path!, "--port", "0", "--map", map], {
      cpu: SERVER_CPU,
      env: { ...cleanEnv(), BARE_FLAGS: flags.replaceAll("+", ",") },
    });
    const match = await proc.waitFor(/listening (http:\/\/\S+)/, name, 30_000);
    return { name, gateway: { proc, url: match[1]! }, nginx: false };
  }
  const own = values["toml-for"].find((t) => t.startsWith(`${name}=`))?.slice(name.length + 1);
  const keys = keysOf(name);
  if (keys === "redis") redis ??= await startRedis();
  const keyed = keys === undefined
    ? undefined
    : keysToml(`cpu-${name}`, keys === "redis" ? redis!.url : undefined);
  const extra = [values.toml, own?.replaceAll("\\n", "\n"), keyed].filter(Boolean).join("\n");
  // Keys mode: the model list needs a key, made once it runs (`start`).
  const models = keyed === undefined ? mock.models : [];
  const port = await freePort();
  const config = writeNexusConfig(mocks, port, { name: `cpu-${name}`, extra });
  if (where === "binary") {
    return {
      name,
      gateway: await startNexus("binary", config, mock.models, {}, name, port),
      nginx: false,
    };
  }
  const [root, runtime] = where.split("@") as [string, string | undefined];
  const dir = `${
    new URL(root.endsWith("/") ? root : `${root}/`, `file://${process.cwd()}/`)
      .pathname
  }`;
  if (values.prof === name) {
    return {
      name,
      gateway: await profiled(name, dir, config, port, runtime === "deno"),
      nginx: false,
    };
  }
  const run = {
    mode: "source" as const,
    runtime: runtime === "deno" ? "deno" as const : "bun" as const,
    root: dir,
  };
  const env: Record<string, string> = {};
  for (const entry of values["env-for"]) {
    if (!entry.startsWith(`${name}=`)) continue;
    const [key, value] = entry.slice(name.length + 1).split("=") as [string, string];
    env[key] = value;
  }
  return {
    name,
    gateway: await startNexus(run, config, models, env, name, port),
    nginx: false,
  };
}

/** Reads `/ui/events` until the process exits: the gateway works as with a browser open. */
async function watchDashboard(url: string): Promise<void> {
  const response = await fetch(`${url}/ui/events`);
  if (!response.ok || !response.body) throw new Error(`${url}/ui/events: ${response.status}`);
  const reader = response.body.getReader();
  void (async () => {
    try {
      while (!(await reader.read()).done);
    } catch { /* the gateway stopped */ }
  })();
}

function profileFlags(name: string): string[] {
  const dir = `${TMP}prof`;
  mkdirSync(dir, { recursive: true });
  return [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
    "--cpu-prof-interval=100",
  ];
}

/** Nexus under Bun's sampling profiler; the profile is written when it is stopped. */
async function profiled(
  name: string,
  root: string,
  config: string,
  port: number,
  deno = false,
): Promise<Gateway> {
  const serve = [`${root}src/main.ts`, "serve", "-c", config];
  const proc = deno
    ? spawnProc(name, DENO, ["run", "-A", ...profileFlags(name).slice(0, 2), ...serve], {
      cpu: SERVER_CPU,
      env: cleanEnv(),
      cwd: TMP,
    })
    : spawnProc(name, BUN, [...profileFlags(name), ...serve], {
      cpu: SERVER_CPU,
      // Set, so that Nexus does not re-execute itself to raise it (src/runtime/bun-exec.ts):
      // an execve under the profiler sometimes hung at start.
      env: { ...cleanEnv(), BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" },
      cwd: TMP,
    });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  // Keys mode: any answer will do (the model list needs the key `start` makes next).
  const ready = (listed: string) =>
    keysOf(name) === undefined ? listed.includes(mock.model) : listed !== "";
  while (!ready(await fetch(`${url}/v1/models`).then((r) => r.text()).catch(() => ""))) {
    if (performance.now() > deadline) throw new Error(`${name} did not start:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { proc, url };
}

function bodyFor(model: string): string {
  if (values.body) return readFileSync(values.body, "utf8").replaceAll("MODEL", model);
  if (!values.tool) return chatBody(model, values.stream);
  return JSON.stringify({
    ...JSON.parse(chatBody(model, values.stream)),
    tools: [{
      type: "function",
      function: { name: "search", parameters: { type: "object", properties: {} } },
    }],
  });
}

process.on("exit", () => {
  killAllNow();
  // A run that failed part-way leaves no redis-server behind.
  if (redis !== undefined && redis.pid > 0) process.kill(redis.pid, "SIGKILL");
});
process.on("SIGINT", () => void stopAll().finally(() => process.exit(130)));
const gateways: Awaited<ReturnType<typeof start>>[] = [];
const scripts = new Map<string, { url: string; script: string }>();

/** CPU ticks per thread name (threads of one name summed), for --threads. */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+$/, "#");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(comm, (out.get(comm) ?? 0) + Number(fields[11]) + Number(fields[12]));
    } catch { /* the thread ended */ }
  }
  return out;
}
const threadUse = new Map<string, Map<string, number>>();
const requestsOf = new Map<string, number>();

const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const cpu: Record<string, number[]> = {};
const rps: Record<string, number[]> = {};
const ratios: Record<string, number[]> = {};
try {
  for (const spec of values.gateway) gateways.push(await start(spec));
  if (gateways.length === 0) throw new Error("no --gateway given");
  if (values.ui) {
    for (const { name, gateway } of gateways) {
      if (
        !values.gateway.some((spec) => spec.startsWith(`${name}=`) && !spec.includes("script:"))
      ) {
        continue;
      }
      await watchDashboard(gateway.url);
    }
  }
  for (const g of gateways) {
    const script = `${TMP}cpu-${g.name}.lua`;
    const key = keyOf.get(g.name);
    writeFileSync(
      script,
      luaScript(bodyFor(mock.model), {
        "content-type": "application/json",
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      }),
    );
    const prefix = g.nginx ? `/${mock.model}` : "";
    scripts.set(g.name, { url: `${g.gateway.url}${prefix}${values.path}`, script });
  }
  for (const g of gateways) {
    const { url, script } = scripts.get(g.name)!;
    const warm = await wrk(url, script, connections, 1, {
      gateway: g.gateway.proc.pid,
      mock: mock.proc.pid,
    });
    if (warm.errors > 0 || warm.requests === 0) {
      throw new Error(`${g.name}: ${warm.errors} errors in ${warm.requests} warm-up requests`);
    }
    cpu[g.name] = [];
    rps[g.name] = [];
    ratios[g.name] = [];
  }
  for (let r = 0; r < rounds; r++) {
    const order = [
      ...gateways.slice(r % gateways.length),
      ...gateways.slice(0, r % gateways.length),
    ];
    const here: Record<string, number> = {};
    for (const g of order) {
      const { url, script } = scripts.get(g.name)!;
      const before = values.threads ? threadTicks(g.gateway.proc.pid) : undefined;
      const run = await wrk(url, script, connections, seconds, {
        gateway: g.gateway.proc.pid,
        mock: mock.proc.pid,
      });
      if (before) {
        const use = threadUse.get(g.name) ?? new Map<string, number>();
        for (const [comm, ticks] of threadTicks(g.gateway.proc.pid)) {
          use.set(comm, (use.get(comm) ?? 0) + ticks - (before.get(comm) ?? 0));
        }
        threadUse.set(g.name, use);
        requestsOf.set(g.name, (requestsOf.get(g.name) ?? 0) + run.requests);
        const jit = (threadTicks(g.gateway.proc.pid).get("JITWorker") ?? 0) -
          (before.get("JITWorker") ?? 0);
        process.stdout.write(`    ${g.name}: JIT ${round((jit * 10_000) / run.requests)} µs/req\n`);
      }
      if (run.errors > 0) process.stdout.write(`  ${g.name}: ${run.errors} errors\n`);
      here[g.name] = run.gatewayCpuUs!;
      cpu[g.name]!.push(run.gatewayCpuUs!);
      rps[g.name]!.push(run.rps);
    }
    const base = here[gateways[0]!.name]!;
    for (const g of gateways) ratios[g.name]!.push(here[g.name]! / base);
    process.stdout.write(
      `round ${r + 1}: ${
        gateways.map((g) =>
          `${g.name} ${round(here[g.name]!)} µs (×${round(here[g.name]! / base)})`
        )
          .join(", ")
      }\n`,
    );
  }
  process.stdout.write("\nmedian CPU µs/request, median ratio to the first, median req/s:\n");
  for (const g of gateways) {
    process.stdout.write(
      `  ${g.name.padEnd(12)} ${String(round(median(cpu[g.name]!))).padStart(7)} µs  ×${
        round(median(ratios[g.name]!))
      }  ${Math.round(median(rps[g.name]!))} req/s  (rounds: ${
        cpu[g.name]!.map((x) => Math.round(x)).join(" ")
      })\n`,
    );
  }
  for (const [name, use] of threadUse) {
    const per = (ticks: number) => round((ticks * 10_000) / requestsOf.get(name)!);
    process.stdout.write(
      `  ${name} by thread (µs/req): ${
        [...use].filter(([, t]) => t > 0).sort((a, b) => b[1] - a[1])
          .map(([comm, t]) => `${comm} ${per(t)}`).join(", ")
      }\n`,
    );
  }
} finally {
  // SIGINT makes Bun write its --cpu-prof file.
  for (const g of gateways) if (g.name === values.prof) await g.gateway.proc.stop("SIGINT", 5000);
  await stopAll();
  await redis?.kill();
}

process.exit(0);
