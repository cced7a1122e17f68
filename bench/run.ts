/**
 * End-to-end benchmark of Nexus against direct access to a mock upstream and against the
 * Portkey gateway, all on loopback in one process tree (BENCH.md):
 *
 *   npm run bench                  full run: builds dist/nexus, writes bench/RESULTS.md (its
 *                                  e2e section only) and the `e2e` key of bench/results.json
 *   npm run bench:quick            ≤ 60 s, `bun src/main.ts serve`, no Portkey, no file written
 *   bun bench/run.ts --quick --guard   the CI regression guard (exit 1 on a gross regression)
 *
 * Flags: --source | --binary (how Nexus runs), --no-build, --no-portkey | --portkey,
 * --only seq,loop,stream,abort,memory,cold, --no-write.
 *
 * The benchmark re-runs itself pinned to CPU 0 (the load generator); gateways and mocks run on
 * CPU 1. Every child process is stopped by pid when the run ends, fails or is interrupted.
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { sleep } from "./e2e/client.ts";
import { closedLoop, wrkAvailable } from "./e2e/closed-loop.ts";
import { coldStart } from "./e2e/cold-start.ts";
import { disconnect } from "./e2e/disconnect.ts";
import { anonymousMb, memory, rssMb } from "./e2e/memory.ts";
import { BUN, ROOT, TMP } from "./e2e/paths.ts";
import { ensurePortkey, NODE_SERVER_OVERRIDE, type PortkeyInstall } from "./e2e/portkey.ts";
import { canPin, killAllNow, pinnedCommand, stopAll } from "./e2e/procs.ts";
import { renderSection, writeJsonKey, writeSection } from "./e2e/report.ts";
import type { BenchResult, Check, Profile, RunMeta } from "./e2e/result.ts";
import { sequential } from "./e2e/sequential.ts";
import { round } from "./e2e/stats.ts";
import { streaming } from "./e2e/streaming.ts";
import { guardChecks, targetChecks } from "./e2e/targets.ts";
import {
  LOAD_CPU,
  type NexusMode,
  SERVER_CPU,
  startNexus,
  startTopology,
  type Topology,
  writeNexusConfig,
} from "./e2e/topology.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: {
    quick: { type: "boolean", default: false },
    guard: { type: "boolean", default: false },
    source: { type: "boolean", default: false },
    binary: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    portkey: { type: "boolean", default: false },
    "no-portkey": { type: "boolean", default: false },
    only: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});

/** The load generator's own fetch must not queue: Bun allows 256 requests in flight by default. */
const CLIENT_MAX_REQUESTS = "8192";

interface Settings {
  readonly seq: { rounds: number; perRound: number; warmup: number };
  readonly loop:
    | { connections: number; seconds: number; warmupSeconds: number; rounds: number }
    | null;
  readonly stream: { rounds: number; levels: { concurrency: number; streams: number }[] };
  readonly abort: { trials: number; waitMs: number };
  readonly memory: { streams: number; rounds: number; settleMs: number } | null;
  readonly coldRuns: number;
  /** Hard limit for the whole run; past it every child is killed and the run fails. */
  readonly limitMs: number;
}

const PROFILES: Record<Profile, Settings> = {
  full: {
    seq: { rounds: 30, perRound: 50, warmup: 300 },
    loop: { connections: 64, seconds: 3, warmupSeconds: 1, rounds: 5 },
    stream: {
      rounds: 5,
      levels: [
        { concurrency: 1, streams: 20 },
        { concurrency: 16, streams: 64 },
        { concurrency: 256, streams: 256 },
      ],
    },
    abort: { trials: 10, waitMs: 1000 },
    memory: { streams: 1000, rounds: 4, settleMs: 4000 },
    coldRuns: 20,
    limitMs: 25 * 60_000,
  },
  quick: {
    seq: { rounds: 9, perRound: 60, warmup: 100 },
    loop: null,
    stream: {
      rounds: 3,
      levels: [{ concurrency: 1, streams: 10 }, { concurrency: 16, streams: 32 }],
    },
    abort: { trials: 3, waitMs: 1000 },
    memory: null,
    coldRuns: 0,
    limitMs: 150_000,
  },
};

/** What scripts/nexus.service sets: enough for every stream a home lab can open at once. */
const NEXUS_MAX_REQUESTS = "4096";

/** A guard attempt that misses is measured again, so one noisy moment cannot fail CI. */
const GUARD_ATTEMPTS = 3;
/** A miss below this multiple of its limit is measured again; above it the guard fails at once. */
const MARGINAL = 3;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const profile: Profile = values.quick ? "quick" : "full";
  const settings = PROFILES[profile];
  const only = values.only ? new Set(values.only.split(",")) : undefined;
  const want = (name: string) => !only || only.has(name);
  const mode: NexusMode = values.source
    ? "source"
    : values.binary
    ? "binary"
    : profile === "quick"
    ? "source"
    : "binary";

  const limit = setTimeout(() => {
    log(`time limit of ${settings.limitMs / 1000} s passed: stopping`);
    killAllNow();
    process.exit(1);
  }, settings.limitMs);
  process.on("exit", killAllNow);
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    process.on(name, () => {
      log(`${name}: stopping`);
      void stopAll().finally(() => process.exit(130));
    });
  }

  mkdirSync(TMP, { recursive: true });
  if (mode === "binary" && !values["no-build"]) {
    log("npm run build (bun build --compile → dist/nexus)");
    const build = spawnSync(BUN, [`${ROOT}scripts/build.ts`], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (build.status !== 0) throw new Error("npm run build failed");
  }

  let portkey: PortkeyInstall | undefined;
  let portkeyNote = "not run (--no-portkey or quick profile)";
  if (values.portkey || (profile === "full" && !values["no-portkey"])) {
    const installed = await ensurePortkey(log);
    if ("error" in installed) {
      portkeyNote = `could not be run: ${installed.error}`;
      log(portkeyNote);
    } else {
      portkey = installed;
      portkeyNote = `@portkey-ai/gateway ${installed.version} on Node ${nodeVersion()} ` +
        `(\`--headless\`, provider openai, \`x-portkey-custom-host\` → the mock; ` +
        `@hono/node-server overridden to ${NODE_SERVER_OVERRIDE}, see bench/e2e/portkey.ts)`;
    }
  }

  let result: Omit<BenchResult, "checks" | "meta"> = {};
  let checks: Check[] = [];
  let topo: Topology | undefined;
  try {
    log(`starting mocks and Nexus (${mode})${portkey ? " and Portkey" : ""}`);
    topo = await startTopology({ nexusMode: mode, portkey });
    await sleep(1000);
    const idle = { mb: rssMb(topo.nexus.proc.pid), anonymousMb: anonymousMb(topo.nexus.proc.pid) };
    log(`idle RSS ${round(idle.mb)} MiB (${round(idle.anonymousMb)} MiB anonymous)`);

    const attempts = values.guard ? GUARD_ATTEMPTS : 1;
    let failing: Set<string> | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const redo = (scenario: string) => !failing || failing.has(scenario);
      if (want("seq") && redo("seq")) {
        log("sequential c=1");
        result = { ...result, sequential: await sequential(topo, settings.seq) };
        for (const [t, a] of Object.entries(result.sequential!.added)) {
          log(
            `  ${t}: added median ${round(a.medianOfRoundMedians)} ms, p50 ${round(a.p50)}, p99 ${
              round(a.p99)
            }`,
          );
        }
      }
      if (want("stream") && redo("stream")) {
        log(`streaming at c=${settings.stream.levels.map((l) => l.concurrency).join(", ")}`);
        result = { ...result, streaming: await streaming(topo, settings.stream) };
      }
      if (want("abort") && redo("abort")) {
        log("disconnect propagation");
        result = { ...result, disconnect: await disconnect(topo, settings.abort) };
      }
      if (!values.guard) break;
      const missed = guardChecks(result).filter((c) => !c.pass);
      if (missed.length === 0) break;
      log(
        `guard attempt ${attempt}: missed ${missed.map((c) => `${c.id}=${c.measured}`).join(", ")}`,
      );
      // Only a near miss can be noise; far past a limit, or a wrong stream, is a regression.
      if (!missed.every((c) => c.limit !== undefined && c.measured < MARGINAL * c.limit)) break;
      failing = new Set(missed.map((c) => scenarioOf(c.id)));
    }

    if (attempts === 1 && settings.loop && want("loop")) {
      if (!wrkAvailable()) {
        result = {
          ...result,
          closedLoop: { skipped: "wrk is not installed (apt-get install wrk)" },
        };
      } else {
        log("closed loop c=64, mock 0 ms");
        const fast = await closedLoop(topo, { mock: "fast", ...settings.loop });
        log("closed loop c=64, mock 50 ms");
        const slow = await closedLoop(topo, { mock: "slow", ...settings.loop });
        result = { ...result, closedLoop: { fast, slow } };
      }
    }
    if (settings.memory && want("memory")) {
      log(`memory: ${settings.memory.rounds} rounds of ${settings.memory.streams} streams`);
      const models = Object.values(topo.mocks).map((m) => m.model);
      const raised = await startNexus(mode, writeNexusConfig(topo.mocks), models, {
        BUN_CONFIG_MAX_HTTP_REQUESTS: NEXUS_MAX_REQUESTS,
      });
      await sleep(1000);
      const raisedIdle = rssMb(raised.proc.pid);
      result = {
        ...result,
        memory: await memory(
          topo,
          settings.memory,
          { gateway: raised, maxRequests: NEXUS_MAX_REQUESTS, idleMb: raisedIdle },
          idle,
        ),
      };
      await raised.proc.stop();
    }
    if (settings.coldRuns > 0 && want("cold")) {
      log("cold start");
      const config = writeNexusConfig(topo.mocks);
      result = { ...result, coldStart: await coldStart(mode, config, settings.coldRuns) };
    }
  } finally {
    await stopAll();
    clearTimeout(limit);
  }

  const meta = runMeta(profile, mode, portkeyNote, (performance.now() - started) / 1000);
  checks = values.guard ? guardChecks(result) : targetChecks(result);
  const full: BenchResult = { meta, ...result, checks };
  printChecks(checks);
  if (profile === "full" && !values["no-write"]) {
    writeSection(`${ROOT}bench/RESULTS.md`, renderSection(full));
    writeJsonKey(`${ROOT}bench/results.json`, "e2e", full);
    log("wrote bench/RESULTS.md (e2e section) and bench/results.json (e2e)");
  } else {
    writeJsonKey(`${TMP}${profile}-results.json`, "e2e", full);
    log(`wrote bench/.tmp/${profile}-results.json`);
  }
  log(`done in ${Math.round(meta.seconds)} s`);
  if (values.guard && checks.some((c) => !c.pass)) {
    log("performance guard FAILED");
    process.exit(1);
  }
  process.exit(0);
}

function scenarioOf(checkId: string): string {
  if (checkId.includes("seq")) return "seq";
  if (checkId.includes("abort")) return "abort";
  return "stream";
}

function printChecks(checks: readonly Check[]): void {
  for (const c of checks) {
    process.stdout.write(
      `${
        c.pass ? "pass" : "MISS"
      }  ${c.metric}: ${c.measured} ${c.unit} (target ${c.target}; ${c.baseline})\n`,
    );
  }
}

function nodeVersion(): string {
  return spawnSync("node", ["--version"], { encoding: "utf8" }).stdout?.trim() || "unknown";
}

function firstLine(command: string, args: string[]): string {
  const out = spawnSync(command, args, { encoding: "utf8" });
  return `${out.stdout ?? ""}${out.stderr ?? ""}`.split("\n")[0]!.trim();
}

function runMeta(profile: Profile, mode: NexusMode, portkey: string, seconds: number): RunMeta {
  const osRelease = (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ??
        "unknown";
    } catch {
      return "unknown";
    }
  })();
  const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "src"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const versions: Record<string, string> = {
    Bun: process.versions.bun ?? "unknown",
    Node: nodeVersion(),
  };
  if (wrkAvailable()) versions.wrk = firstLine("wrk", ["-v"]).replace(/^wrk /, "").split(" ")[0]!;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    profile,
    seconds,
    machine: {
      cpu: cpus()[0]?.model.trim() ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: osRelease,
      kernel: release(),
    },
    versions,
    nexus: mode === "binary"
      ? "the compiled binary `dist/nexus` (built by this run with `npm run build`)"
      : "`bun src/main.ts serve` (from source)",
    pinning: canPin()
      ? `Pinned with taskset: the gateway under test (Nexus, the bare pass-through, Portkey) ` +
        `alone on CPU ${SERVER_CPU}; the load generator (this harness's client, wrk) and the ` +
        `mock upstreams on CPU ${LOAD_CPU}.`
      : "Not pinned (taskset or a second CPU is missing).",
    portkey,
    git: `${git.stdout?.trim() || "unknown"}${
      dirty.stdout?.trim() ? " + uncommitted src changes" : ""
    }`,
  };
}

// Last, so that every declaration above is initialised before main() runs.
if (process.env.NEXUS_BENCH_CHILD !== "1") {
  // Re-run pinned to the load CPU, with the client's fetch limit raised.
  const [command, args] = pinnedCommand(LOAD_CPU, process.execPath, [
    new URL(import.meta.url).pathname,
    ...process.argv.slice(2),
  ]);
  const child = spawn(command, args, {
    stdio: "inherit",
    env: {
      ...process.env,
      NEXUS_BENCH_CHILD: "1",
      BUN_CONFIG_MAX_HTTP_REQUESTS: CLIENT_MAX_REQUESTS,
    },
  });
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    process.on(name, () => child.pid && process.kill(child.pid, name));
  }
  child.once("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
} else {
  await main();
}
