/**
 * What the collector does per request under load: each gateway runs with JSC's GC log
 * (`BUN_JSC_logGC=basic`, Bun only) while wrk drives it, and its collections during the measured
 * run are counted by kind (eden: the young generation; full), with what each visited and how long
 * it took. A per-request object that something long-lived keeps reachable past its request shows
 * here as eden collections that visit more and full collections that come more often, long
 * before it shows in an end-to-end A/B (specs/023-performance-floor/walkthrough.md, "Sixth round").
 *
 *   bun bench/gc-log.ts --gateway bare --gateway base=/tmp/perf-base --gateway new=. [options]
 *
 * Gateways: `bare` (bench/e2e/bare-proxy.ts), `NAME=ROOT` (Nexus from the sources at ROOT) or
 * `NAME=script:PATH:FLAGS` (a pass-through script run with BARE_FLAGS=FLAGS, `+` for `,`, as in
 * bench/cpu.ts: `contract=script:bench/e2e/bare-variants.ts:signal+client+manual+headers+relay`).
 * Options: --seconds 5 (measured, after 2 s of warm-up), --connections 32, --stream, --body FILE
 * (a request body, `MODEL` in it replaced, as bench/cpu.ts's; default a two-message chat), --ui (a
 * dashboard open: `/ui/events` read throughout), --toml-for NAME='config for that one' (`\n`
 * for newlines; a root may be named twice with different configs), --keys local|redis (every Nexus
 * in keys mode, a key with rpm, tpm and concurrency limits sent with each request: limits in
 * process, or in a `redis-server` started for the run; bench/e2e/keyed.ts), --keys-for
 * NAME=local|redis (that one). One gateway at a time; run it twice (or name a root twice) and
 * compare within the run.
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { luaScript, wrk } from "./e2e/closed-loop.ts";
import { BUN, TMP } from "./e2e/paths.ts";
import { canPin, killAllNow } from "./e2e/procs.ts";
import { round } from "./e2e/stats.ts";
import { keysModeOf, keysToml, makeKey } from "./e2e/keyed.ts";
import { type RedisServer, startRedis } from "../tests/helpers/redis.ts";
import { chatBody, freePort, SERVER_CPU, startMock, writeNexusConfig } from "./e2e/topology.ts";
import { parseGatewaySpec } from "./e2e/gateway-spec.ts";

const { values } = parseArgs({
  options: {
    gateway: { type: "string", multiple: true, default: [] },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "32" },
    stream: { type: "boolean", default: false },
    body: { type: "string" },
    ui: { type: "boolean", default: false },
    "toml-for": { type: "string", multiple: true, default: [] },
    keys: { type: "string" },
    "keys-for": { type: "string", multiple: true, default: [] },
  },
});

/** One collection, from the log's `START … END]` record. */
interface Collection {
  readonly full: boolean;
  /** The most the collection had visited (marked), KiB. */
  readonly visitedKb: number;
  /** Start to end of the collection (a concurrent one overlaps JavaScript), ms. */
  readonly cycleMs: number;
}

/** The collections in a `BUN_JSC_logGC=basic` log. */
export function collections(log: string): Collection[] {
  const out: Collection[] = [];
  for (const match of log.matchAll(/START M \d+kb => (\w+)Collection(.*?)END\]/gs)) {
    const body = match[2]!;
    const visited = [...body.matchAll(/ v=(\d+)kb/g)].map((m) => Number(m[1]));
    const cycle = /cycle ([\d.]+)ms/.exec(body);
    out.push({
      full: match[1] === "Full",
      visitedKb: visited.length > 0 ? Math.max(...visited) : 0,
      cycleMs: cycle ? Number(cycle[1]) : 0,
    });
  }
  return out;
}

mkdirSync(TMP, { recursive: true });
const mock = await startMock("fast");

/** Gateway `name`'s keys mode (`--keys-for`, else `--keys`), if any. */
const keysOf = (name: string) => keysModeOf(name, values["keys-for"], values.keys);
let redis: RedisServer | undefined;

/** A Nexus config for gateway `name`, with its `--toml-for` lines and keys mode. */
async function config(name: string, port: number): Promise<string> {
  const own = values["toml-for"].find((t) => t.startsWith(`${name}=`))?.slice(name.length + 1);
  const keys = keysOf(name);
  if (keys === "redis") redis ??= await startRedis();
  const extra = [
    own?.replaceAll("\\n", "\n"),
    keys === undefined
      ? undefined
      : keysToml(`gc-${name}`, keys === "redis" ? redis!.url : undefined),
  ].filter(Boolean).join("\n");
  return writeNexusConfig({ fast: mock }, port, { name: `gc-${name}`, extra });
}
/** The wrk script for one gateway: with its key, in keys mode. */
function scriptFor(name: string, key: string | undefined): string {
  const script = `${TMP}gc-log-${name}.lua`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  const body = values.body === undefined
    ? chatBody(mock.model, values.stream)
    : readFileSync(values.body, "utf8").replaceAll("MODEL", mock.model);
  writeFileSync(script, luaScript(body, headers));
  return script;
}
const children: ReturnType<typeof spawn>[] = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  killAllNow();
  // A run that failed part-way leaves no redis-server behind.
  if (redis !== undefined && redis.pid > 0) process.kill(redis.pid, "SIGKILL");
});

for (const spec of values.gateway) {
  const { name, passThrough, flags, root } = parseGatewaySpec(spec);
  const port = await freePort();
  const args = passThrough !== undefined
    ? [passThrough, "--port", String(port), "--map", `${mock.model}=${mock.url}`]
    : [`${root}/src/main.ts`, "serve", "-c", await config(name, port)];
  const log = `${TMP}gc-log-${name}.txt`;
  writeFileSync(log, "");
  // The GC log goes to stderr; the request log (stdout) is not wanted.
  const pin = canPin() ? `taskset -c ${SERVER_CPU} ` : "";
  const child = spawn("sh", ["-c", `exec ${pin}"$0" "$@" >/dev/null 2>>${log}`, BUN, ...args], {
    env: {
      ...process.env,
      BUN_JSC_logGC: "basic",
      NO_COLOR: "1",
      BARE_FLAGS: flags,
    },
    stdio: "ignore",
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  const keyed = root !== undefined && keysOf(name) !== undefined;
  for (let i = 0; !keyed; i++) {
    const listed = await fetch(`${url}/v1/models`).then((r) => r.text()).catch(() => "");
    if (listed.includes(mock.model) || (root === undefined && listed !== "")) break;
    if (i > 300) throw new Error(`${name} did not start (see ${log})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const key = keyed
    ? await makeKey(url, [mock.model], () => `see ${log}`, {
      timeoutMs: 30_000,
      name: `bench-${name}`,
    })
    : undefined;
  const script = scriptFor(name, key);
  if (values.ui && root !== undefined) {
    const events = await fetch(`${url}/ui/events`);
    const reader = events.body!.getReader();
    void (async () => {
      try {
        while (!(await reader.read()).done);
      } catch { /* the gateway stopped */ }
    })();
  }
  const pids = { gateway: child.pid!, mock: mock.proc.pid };
  const connections = Number(values.connections);
  await wrk(`${url}/v1/chat/completions`, script, connections, 2, pids);
  const from = statSync(log).size;
  const run = await wrk(
    `${url}/v1/chat/completions`,
    script,
    connections,
    Number(values.seconds),
    pids,
  );
  const found = collections(readFileSync(log, "utf8").slice(from));
  child.kill("SIGTERM");
  if (run.errors > 0) process.stdout.write(`${name}: ${run.errors} errors\n`);
  const describe = (full: boolean) => {
    const some = found.filter((c) => c.full === full);
    const mean = (f: (c: Collection) => number) =>
      some.length === 0 ? 0 : round(some.reduce((sum, c) => sum + f(c), 0) / some.length);
    return `${full ? "full" : "eden"} ${round((some.length * 10_000) / run.requests)} per 10k ` +
      `(visited ${mean((c) => c.visitedKb)} KiB, ${mean((c) => c.cycleMs)} ms each)`;
  };
  const gcUs = (found.reduce((sum, c) => sum + c.cycleMs, 0) * 1000) / run.requests;
  process.stdout.write(
    `${name.padEnd(10)} CPU ${round(run.gatewayCpuUs!)} µs/req, collections ${
      round(gcUs)
    } µs/req: ` +
      `${describe(false)}, ${describe(true)}\n`,
  );
}
await redis?.kill();
process.exit(0);
