/**
 * Memory over many rounds of concurrent slow streams: is the RSS growth of the e2e memory row
 * Nexus's JavaScript keeping something per stream, the runtime keeping freed memory, or a level
 * that stops rising? Each gateway (one at a time, pinned to CPU 1, BUN_CONFIG_MAX_HTTP_REQUESTS
 * raised as in the e2e row) gets `--rounds` rounds of `--streams` streams at once to the slow mock
 * (TTFT 300 ms, 20 chunks 100 ms apart), the RSS floor read after each as bench/e2e/memory.ts
 * does. With `--probe` the gateway runs with bench/heap-signal.ts in front of it (a compiled
 * probe binary for `binary`), and after each round's settle time it is asked for its JSC heap
 * and, after a full collection, the live cells by type: the cells
 * of a leak grow round over round; a runtime's retention shows as RSS without them.
 *
 *   bun bench/memory-rounds.ts --gateway binary --gateway source --gateway bare [--probe]
 *     [--gc-log] [--rounds 12] [--streams 1000] [--settle 4000] [--tail 0] [--cycles 1] [--top 8]
 *
 * `--gc-log` runs each gateway with JSC's GC log and counts its eden and full collections per
 * round (a round with no full one lifts the floor; the next takes it back); `--tail N` follows
 * the RSS through N seconds without traffic after the last round (Bun collects the whole heap
 * once it has been quiet for 10 s). Findings: bench/RESULTS.md, "Memory over many rounds".
 *
 * A gateway is `[NAME=]KIND[:ROOT][,VAR=VALUE…]`: KIND `binary` (ROOT's dist/nexus: run
 * `npm run build` first), `source` (bun ROOT/src/main.ts serve), `bare` (bench/e2e/bare-proxy.ts
 * under bun) or `bare-binary` (the same compiled); the variables are added to its environment
 * (allocator settings). `--cycles N` runs the list N times, interleaved. Writes
 * bench/.tmp/memory-rounds.json. Bun only.
 * @module
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { sleep } from "./e2e/client.ts";
import { anonymousMb, type MemoryRound, rssMb, streamRound } from "./e2e/memory.ts";
import { BUN, ROOT, TMP } from "./e2e/paths.ts";
import {
  compileNexusProbe,
  compileWithProbe,
  HEAP_SIGNAL,
  type HeapProbe,
  probeHeap,
} from "./e2e/live-heap.ts";
import { killAllNow, runAsPinnedClient, spawnProc, stopAll, waitForLine } from "./e2e/procs.ts";
import { round } from "./e2e/stats.ts";
import {
  chatBody,
  cleanEnv,
  LOAD_CPU,
  type Mock,
  SERVER_CPU,
  startMock,
  writeNexusConfig,
} from "./e2e/topology.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    gateway: { type: "string", multiple: true, default: [] },
    rounds: { type: "string", default: "12" },
    streams: { type: "string", default: "1000" },
    settle: { type: "string", default: "4000" },
    cycles: { type: "string", default: "1" },
    probe: { type: "boolean", default: false },
    top: { type: "string", default: "8" },
    tail: { type: "string", default: "0" },
    "gc-log": { type: "boolean", default: false },
  },
});

type Kind = "binary" | "source" | "bare" | "bare-binary";
interface GatewaySpec {
  readonly name: string;
  readonly kind: Kind;
  readonly root: string;
  readonly env: Record<string, string>;
}

interface RoundRow extends MemoryRound {
  readonly probe?: HeapProbe;
  /** Collections JSC logged during the round and its settle time (`--gc-log`). */
  readonly collections?: { eden: number; full: number };
}

/** As the e2e row and scripts/nexus.service. */
const MAX_REQUESTS = "4096";
const MiB = 1024 * 1024;

function parseGateway(text: string): GatewaySpec {
  // A value may hold commas (BUN_IDLE_GC_SECONDS=3,110,480): split before each `NAME=` only.
  const [head, ...vars] = text.split(/,(?=[A-Z_][A-Z0-9_]*=)/);
  const [name, rest] = head!.includes("=") ? head!.split("=", 2) : [undefined, head!];
  const [kind, root = ROOT] = rest!.split(":", 2) as [Kind, string?];
  if (!["binary", "source", "bare", "bare-binary"].includes(kind)) {
    throw new Error(`unknown gateway kind ${kind}`);
  }
  const env = Object.fromEntries(vars.map((v) => v.split("=", 2) as [string, string]));
  return { name: name ?? kind, kind, root: root.endsWith("/") ? root : `${root}/`, env };
}

async function startGateway(
  spec: GatewaySpec,
  mock: Mock,
  probeOut: string | undefined,
  gcLog: boolean,
) {
  const env: Record<string, string> = { BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_REQUESTS, ...spec.env };
  if (probeOut) env.NEXUS_HEAP_SIGNAL_OUT = probeOut;
  if (gcLog) env.BUN_JSC_logGC = "basic";
  const preload = probeOut ? ["--preload", HEAP_SIGNAL] : [];
  if (spec.kind === "bare" || spec.kind === "bare-binary") {
    const args = ["--port", "0", "--map", `${mock.model}=${mock.url}`];
    const script = `${ROOT}bench/e2e/bare-proxy.ts`;
    const [command, argv] = spec.kind === "bare"
      ? [BUN, [...preload, script, ...args]]
      : [compileWithProbe(script, `${TMP}bare-proxy-bin`, !!probeOut), args];
    const proc = spawnProc(spec.name, command, argv, {
      cpu: SERVER_CPU,
      env: { ...cleanEnv(), ...env },
    });
    const match = await waitForLine(proc, /bare-proxy listening (http:\/\/\S+)/, 30_000);
    return { proc, url: match[1]! };
  }
  const config = writeNexusConfig({ slow: mock }, 0, { name: "memory-rounds" });
  const [command, argv] = spec.kind === "source"
    ? [BUN, [...preload, `${spec.root}src/main.ts`, "serve", "-c", config]]
    : [
      probeOut ? compileNexusProbe(spec.root) : `${spec.root}dist/nexus`,
      ["serve", "-c", config],
    ];
  if (!existsSync(command)) throw new Error(`no ${command}: npm run build`);
  const proc = spawnProc(spec.name, command, argv, {
    cpu: SERVER_CPU,
    env: { ...cleanEnv(), ...env },
    cwd: TMP,
  });
  const url = (await waitForLine(proc, /Nexus listening.*address=(http:\/\/\S+)/, 30_000))[1]!;
  // Routable once the first health round has found the mock's model.
  for (let tries = 0; tries < 300; tries++) {
    const listed = await fetch(`${url}/v1/models`).then((r) => r.text()).catch(() => "");
    if (listed.includes(`"${mock.model}"`)) return { proc, url };
    await sleep(50);
  }
  throw new Error(`${spec.name} never listed ${mock.model}`);
}

async function measure(spec: GatewaySpec, mock: Mock, options: Options) {
  const probeOut = options.probe ? `${TMP}memory-rounds-${spec.name}.jsonl` : undefined;
  if (probeOut) rmSync(probeOut, { force: true });
  const gateway = await startGateway(spec, mock, probeOut, options.gcLog);
  const pid = gateway.proc.pid;
  const counted = { eden: 0, full: 0 };
  gateway.proc.onLine((line) => {
    for (const match of line.matchAll(/=> (Eden|Full)Collection/g)) {
      if (match[1] === "Full") counted.full++;
      else counted.eden++;
    }
  });
  await sleep(1000);
  const idle = { mb: rssMb(pid), anonymousMb: anonymousMb(pid) };
  const idleProbe = probeOut ? await probeHeap(pid, probeOut) : undefined;
  const request = {
    url: `${gateway.url}/v1/chat/completions`,
    headers: { "content-type": "application/json" },
    body: chatBody(mock.model, true),
  };
  const rounds: RoundRow[] = [];
  for (let i = 0; i < options.rounds; i++) {
    counted.eden = counted.full = 0;
    const row: RoundRow = {
      ...await streamRound(request, pid, options.streams, options.settleMs),
      ...(options.gcLog ? { collections: { ...counted } } : {}),
    };
    rounds.push(probeOut ? { ...row, probe: await probeHeap(pid, probeOut) } : row);
    log(`${spec.name} round ${i + 1}: after ${round(row.afterMb)} MiB, ok ${row.ok}`);
  }
  // After the last round: the RSS each second of quiet (the runtime's idle collections come late).
  const tail: number[] = [];
  for (let second = 1; second <= options.tailSeconds; second++) {
    await sleep(1000);
    tail.push(rssMb(pid));
  }
  const tailProbe = probeOut && options.tailSeconds > 0
    ? await probeHeap(pid, probeOut)
    : undefined;
  const anonymousAfter = anonymousMb(pid);
  await gateway.proc.stop();
  if (probeOut) rmSync(probeOut, { force: true });
  return { spec, idle, idleProbe, rounds, tail, tailProbe, anonymousAfter };
}

interface Options {
  readonly rounds: number;
  readonly streams: number;
  readonly settleMs: number;
  readonly probe: boolean;
  readonly tailSeconds: number;
  readonly gcLog: boolean;
}

const log = (line: string) => process.stderr.write(`[memory-rounds] ${line}\n`);
const mb = (bytes: number) => round(bytes / MiB);

function report(run: Awaited<ReturnType<typeof measure>>, top: number): string {
  const { spec, idle, idleProbe, rounds } = run;
  const half = Math.floor(rounds.length / 2);
  const floor = (list: RoundRow[]) => Math.min(...list.map((r) => r.afterMb));
  const growth = floor(rounds.slice(rounds.length - half)) - floor(rounds.slice(0, half));
  const lines = [
    `## ${spec.name} (${spec.kind}${spec.root === ROOT ? "" : ` ${spec.root}`}${
      Object.keys(spec.env).length ? `, ${JSON.stringify(spec.env)}` : ""
    })`,
    "",
    `Idle ${round(idle.mb)} MiB (anonymous ${round(idle.anonymousMb)}); anonymous after the ` +
    `last round ${round(run.anonymousAfter)}. Growth (floor of the last ${half} − floor of the ` +
    `first ${half}): ${round(growth)} MiB; last − first: ` +
    `${round(rounds[rounds.length - 1]!.afterMb - rounds[0]!.afterMb)} MiB.`,
    "",
  ];
  const probed = rounds.every((r) => r.probe);
  lines.push(
    probed
      ? "| round | peak | after | heap found MB | cells found | after full GC: RSS | heap MB | cells | ok |"
      : "| round | peak | after | seconds | ok | eden / full collections |",
    probed ? "|---|---|---|---|---|---|---|---|---|" : "|---|---|---|---|---|---|",
  );
  if (probed && idleProbe) {
    const p = idleProbe;
    lines.push(
      `| idle | | ${round(idle.mb)} | ${round(p.before.heapSize / 1e6)} | ${p.before.cells} | ` +
        `${mb(p.after.rss)} | ${round(p.after.heapSize / 1e6)} | ${p.after.cells} | |`,
    );
  }
  rounds.forEach((r, i) => {
    const p = r.probe;
    lines.push(
      p
        ? `| ${i + 1} | ${round(r.peakMb)} | ${round(r.afterMb)} | ${
          round(p.before.heapSize / 1e6)
        } | ${p.before.cells} | ${mb(p.after.rss)} | ${
          round(p.after.heapSize / 1e6)
        } | ${p.after.cells} | ${r.ok}/${r.ok + r.failed} |`
        : `| ${i + 1} | ${round(r.peakMb)} | ${round(r.afterMb)} | ${round(r.seconds)} | ${r.ok}/${
          r.ok + r.failed
        } | ${r.collections ? `${r.collections.eden} / ${r.collections.full}` : "–"} |`,
    );
  });
  if (run.tail.length > 0) {
    const at = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120].filter((s) => s <= run.tail.length);
    lines.push(
      "",
      `Quiet after the last round, RSS at second: ${
        at.map((s) => `${s}: ${round(run.tail[s - 1]!)}`).join(", ")
      }${
        run.tailProbe
          ? `; then after a full GC ${
            mb(run.tailProbe.after.rss)
          } MiB, ${run.tailProbe.after.cells} cells (found ${run.tailProbe.before.cells}, heap ${
            round(run.tailProbe.before.heapSize / 1e6)
          } MB)`
          : ""
      }`,
    );
  }
  if (probed && rounds.length > 1) {
    const first = rounds[0]!.probe!.types;
    const last = rounds[rounds.length - 1]!.probe!.types;
    const names = new Set([...Object.keys(first), ...Object.keys(last)]);
    const delta = [...names].map((n) => [n, (last[n] ?? 0) - (first[n] ?? 0)] as const)
      .filter(([, d]) => d !== 0).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, top);
    lines.push(
      "",
      `Live cells by type, last round − round 1 (after full GC): ${
        delta.length ? delta.map(([n, d]) => `${n} ${d > 0 ? "+" : ""}${d}`).join(", ") : "none"
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const specs = (values.gateway.length ? values.gateway : ["binary", "source", "bare"]).map(
    parseGateway,
  );
  const options: Options = {
    rounds: Number(values.rounds),
    streams: Number(values.streams),
    settleMs: Number(values.settle),
    probe: values.probe,
    tailSeconds: Number(values.tail),
    gcLog: values["gc-log"],
  };
  mkdirSync(TMP, { recursive: true });
  process.on("exit", killAllNow);
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    process.on(name, () => void stopAll().finally(() => process.exit(130)));
  }
  const mock = await startMock("slow");
  const runs = [];
  try {
    for (let cycle = 0; cycle < Number(values.cycles); cycle++) {
      for (const spec of specs) {
        const run = await measure(spec, mock, options);
        runs.push(run);
        process.stdout.write(report(run, Number(values.top)) + "\n");
      }
    }
  } finally {
    await stopAll();
    for (const file of ["nexus-heap-probe", "bare-proxy-bin", "memory-rounds.toml"]) {
      rmSync(`${TMP}${file}`, { force: true });
    }
  }
  writeFileSync(`${TMP}memory-rounds.json`, JSON.stringify({ options, runs }, null, 1));
  process.exit(0);
}

// As bench/run.ts: the load generator pinned to the load CPU, its own fetch unqueued.
await runAsPinnedClient(import.meta.url, LOAD_CPU, "8192", main);
