/**
 * Writes the run: a Markdown section of bench/RESULTS.md between `<!-- e2e:start -->` and
 * `<!-- e2e:end -->` (other sections of the file — routing, metrics — are left as they are),
 * and the `e2e` key of bench/results.json (other keys kept).
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { BenchResult, Check } from "./result.ts";
import type { DisconnectKind } from "./disconnect.ts";
import {
  bigPromptSection,
  floorSection,
  frontDoorSection,
  headOfLineSection,
  keysSection,
  notRunSection,
  openLoopSection,
  runtimeSection,
} from "./report-rows.ts";
import { round, type Summary } from "./stats.ts";
import { TARGET_ORDER, type TargetName } from "./topology.ts";

export const START = "<!-- e2e:start -->";
export const END = "<!-- e2e:end -->";

const f = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? "—" : String(round(value));
const signed = (value: number) => (value >= 0 ? `+${f(value)}` : f(value));

function checksTable(checks: readonly Check[]): string[] {
  return [
    "| Metric | Nexus | Baseline (same run) | Target | Result |",
    "|---|---|---|---|---|",
    ...checks.map((c) =>
      `| ${c.metric} | ${f(c.measured)} ${c.unit} | ${c.baseline} | ${c.target} | ${
        c.pass ? "pass" : "**miss**"
      } |`
    ),
  ];
}

function sequentialSection(r: BenchResult): string[] {
  const seq = r.sequential;
  if (!seq) return [];
  const names = TARGET_ORDER.filter((t) => seq.targets[t]);
  const row = (label: string, pick: (t: TargetName) => string) =>
    `| ${label} | ${names.map(pick).join(" | ")} |`;
  const o = seq.options;
  return [
    "",
    `### Sequential, c=1, non-stream, mock at 0 ms`,
    "",
    `${o.rounds} interleaved rounds × ${o.perRound} requests per target after ${o.warmup} ` +
    "warm-up requests; the order of targets rotates every round. Times in ms, client send → " +
    "last byte of a ~1.4 KB answer.",
    "",
    `| | ${names.join(" | ")} |`,
    `|---|${names.map(() => "---").join("|")}|`,
    row("median of round medians", (t) => f(seq.targets[t]!.medianOfRoundMedians)),
    row("p50", (t) => f(seq.targets[t]!.summary.p50)),
    row("p99", (t) => f(seq.targets[t]!.summary.p99)),
    row("samples (errors)", (t) => `${seq.targets[t]!.summary.n} (${seq.targets[t]!.errors})`),
    row(
      "added: median of round medians",
      (t) => t === "direct" ? "—" : signed(seq.added[t]!.medianOfRoundMedians),
    ),
    row("added: p50", (t) => t === "direct" ? "—" : signed(seq.added[t]!.p50)),
    row("added: p99", (t) => t === "direct" ? "—" : signed(seq.added[t]!.p99)),
  ];
}

function closedLoopSection(r: BenchResult): string[] {
  const loops = r.closedLoop;
  if (!loops) return [];
  if (loops.skipped) return ["", "### Closed loop, c=64", "", `Skipped: ${loops.skipped}`];
  const lines = [
    "",
    "### Closed loop (wrk -t1, pinned to the load CPU)",
    "",
    "Median over rounds; ratio and added figures are taken within each round, then the median.",
    "",
    "| c, mock | Target | req/s | p50 ms | p99 ms | req/s ratio | added p50 | added p99 | " +
    "gateway CPU µs/req | mock CPU µs/req |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const configs = [["fast32", "32, 0 ms"], ["fast", "64, 0 ms"], ["slow", "64, 50 ms"]] as const;
  for (const [key, label] of configs) {
    const loop = loops[key];
    if (!loop) continue;
    for (const t of TARGET_ORDER) {
      const m = loop.median[t];
      if (!m) continue;
      const rel = loop.relative[t];
      const errors = loop.runs[t]!.reduce((sum, run) => sum + run.errors, 0);
      lines.push(
        `| ${label} | ${t}${errors ? ` (${errors} errors)` : ""} | ${Math.round(m.rps)} | ${
          f(m.p50)
        } | ${f(m.p99)} | ${rel ? f(rel.rpsRatio) : "—"} | ${rel ? signed(rel.addedP50) : "—"} | ${
          rel ? signed(rel.addedP99) : "—"
        } | ${m.gatewayCpuUs === undefined ? "—" : Math.round(m.gatewayCpuUs)} | ${
          Math.round(m.mockCpuUs)
        } |`,
      );
    }
  }
  const o = (loops.fast ?? loops.fast32 ?? loops.slow)!.options;
  lines.push(
    "",
    `${o.rounds} rounds × ${o.seconds} s per target and configuration, after ${o.warmupSeconds} s ` +
      "of warm-up each.",
  );
  return lines;
}

const pair = (s: Summary) => `${f(s.p50)} / ${f(s.p99)}`;

function streamingSection(r: BenchResult): string[] {
  const st = r.streaming;
  if (!st) return [];
  const lines = [
    "",
    "### Streaming (mock: TTFT 0 ms, 10 content chunks 10 ms apart)",
    "",
    "TTFT = send → first body bytes. Chunk delay = client receive time − the mock's `x_sent_ms` " +
    "stamp of each event (same wall clock). Identical = masked body (id, created, x_sent_ms) equal " +
    `to a direct stream byte for byte, every x_seq in order (${st.reference.events} events, ` +
    `${st.reference.bytes} bytes per stream). p50 / p99 in ms.`,
    "",
    "| c | Target | TTFT | chunk delay | added TTFT | added chunk delay | identical |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const level of st.levels) {
    for (const t of TARGET_ORDER) {
      const x = level.targets[t];
      if (!x) continue;
      const a = level.added[t];
      const fid = x.fidelity;
      lines.push(
        `| ${level.concurrency} | ${t} | ${pair(x.ttft)} | ${pair(x.chunkDelay)} | ${
          a ? `${signed(a.ttftP50)} / ${signed(a.ttftP99)}` : "—"
        } | ${a ? `${signed(a.chunkP50)} / ${signed(a.chunkP99)}` : "—"} | ${fid.identical}/${
          fid.streams + fid.errors
        } |`,
      );
    }
  }
  const levels = st.options.levels.map((l) => `c=${l.concurrency}: ${l.streams}`).join(", ");
  lines.push("", `${st.options.rounds} rounds; streams per target per round: ${levels}.`);
  return lines;
}

function disconnectSection(r: BenchResult): string[] {
  const d = r.disconnect;
  if (!d) return [];
  const lines = [
    "",
    "### Client disconnect → upstream abort",
    "",
    "ms between the client's abort and the mock seeing its connection go (p50 / worst); a miss " +
    `is no abort within ${d.options.waitMs} ms.`,
    "",
    "| When | Target | p50 | worst | trials | missed |",
    "|---|---|---|---|---|---|",
  ];
  for (const kind of Object.keys(d.kinds) as DisconnectKind[]) {
    for (const t of TARGET_ORDER) {
      const x = d.kinds[kind][t];
      if (!x) continue;
      lines.push(
        `| ${kind} | ${t} | ${f(x.summary.p50)} | ${
          f(x.summary.max)
        } | ${x.trials} | ${x.missed} |`,
      );
    }
  }
  const denoMissed = (["ttft", "non-stream"] as const).some((kind) =>
    (d.kinds[kind]?.["nexus-deno"]?.missed ?? 0) > 0
  );
  if (denoMissed) {
    lines.push(
      "",
      "nexus-deno's misses before the first byte are Deno.serve's: a request longer than its " +
        "first read (512 B on a new connection, 1 KiB on a reused one; this row sends ~660 B) " +
        "has its body streamed, and then nothing watches the socket until a response is " +
        "written. Reproduced without Nexus by bench/deno-abort-repro.ts.",
    );
  }
  return lines;
}

function memorySection(r: BenchResult): string[] {
  const m = r.memory;
  if (!m) return [];
  const row = (label: string, x: typeof m.defaultLimit) =>
    `| ${label} | ${f(x.peakMb)} | ${f(x.afterMb)} | ${
      x.quietMb === undefined ? "–" : f(x.quietMb)
    } | ${x.liveHeap ? `${x.liveHeap.cells} / ${f(x.liveHeap.mb)}` : "–"} | ${
      f(x.seconds)
    } | ${x.ok} / ${x.failed} | ${pair(x.ttft)} |`;
  return [
    "",
    `### Memory (VmRSS of the Nexus process, MiB)`,
    "",
    `Idle after start: ${f(m.idleMb)}, of which ${f(m.idleAnonymousMb)} anonymous (heap, ` +
    "stacks); the rest are pages of the ~106 MiB executable (the Bun runtime) mapped from disk. " +
    `Each round opens ${m.options.streams} streams at once through Nexus to the slow mock (TTFT ` +
    "300 ms, 20 chunks 100 ms apart, ~2.3 s per stream). The measured rounds run against a Nexus " +
    `started with BUN_CONFIG_MAX_HTTP_REQUESTS=${m.maxRequests} (idle ${f(m.idleRaisedMb)}; as ` +
    "scripts/nexus.service sets it), so that every upstream stream is really open at once; the " +
    "last row is the Nexus started as is, where Bun's fetch keeps 256 requests in flight and " +
    'queues the rest. "After" is the lowest RSS over the second half of the settle time; after ' +
    `the first and the last round Nexus then has ${m.options.quietMs / 1000} s without traffic ` +
    "(Bun collects the whole heap once it has been quiet for 10 s), and the lowest RSS of that " +
    '"quiet" time is what growth is judged on; then Nexus\'s live JavaScript heap is read ' +
    "(bench/heap-signal.ts, compiled in front of the measured binary: a full collection, then " +
    "`bun:jsc` heapStats), which grows with anything kept per stream whatever the collector's " +
    "timing. By type over many rounds: `bun bench/memory-rounds.ts --probe`.",
    "",
    `| Round | peak | after (${m.options.settleMs} ms settle) | quiet (${
      m.options.quietMs / 1000
    } s) | live heap (cells / MiB) | seconds | ok / failed | TTFT p50 / p99 ms |`,
    "|---|---|---|---|---|---|---|---|",
    ...m.rounds.map((x, i) => row(String(i + 1), x)),
    row("default limit (256)", m.defaultLimit),
  ];
}

function coldSection(r: BenchResult): string[] {
  const c = r.coldStart;
  if (!c) return [];
  return [
    "",
    `### Cold start (${
      c.mode === "binary" ? "dist/nexus" : "bun src/main.ts"
    }, ${c.runs} runs, ms)`,
    "",
    "| | p50 | min | max |",
    "|---|---|---|---|",
    `| exec → first 200 on /health | ${f(c.health.p50)} | ${f(c.health.min)} | ${
      f(c.health.max)
    } |`,
    `| nexus --help | ${f(c.help.p50)} | ${f(c.help.min)} | ${f(c.help.max)} |`,
    `| nexus --version | ${f(c.version.p50)} | ${f(c.version.min)} | ${f(c.version.max)} |`,
    `| baseline: /bin/true | ${f(c.spawnBaseline.p50)} | ${f(c.spawnBaseline.min)} | ${
      f(c.spawnBaseline.max)
    } |`,
  ];
}

export function renderSection(r: BenchResult): string {
  const m = r.meta;
  const versions = Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(", ");
  return [
    START,
    "## End-to-end (`npm run bench`, bench/run.ts)",
    "",
    `Run ${m.date} (${m.profile} profile, ${Math.round(m.seconds)} s, commit ${m.git}). ` +
    `Machine: ${m.machine.cpu}, ${m.machine.cores} cores, ${m.machine.memoryGiB} GiB, ` +
    `${m.machine.os}, Linux ${m.machine.kernel}. ${versions}.` +
    (m.load
      ? ` Load average (1/5/15 min) ${m.load.start.join(" / ")} at the start, ` +
        `${m.load.end.join(" / ")} at the end.`
      : ""),
    "",
    `Nexus: ${m.nexus}. Portkey: ${m.portkey}. ${m.pinning}`,
    "",
    "Every figure is from this one run: direct to the mock and through each gateway, measured " +
    'side by side in interleaved rounds. "Added" = through the gateway − direct.',
    "",
    "### Targets",
    "",
    ...checksTable(r.checks),
    ...floorSection(r),
    ...runtimeSection(r),
    ...sequentialSection(r),
    ...closedLoopSection(r),
    ...openLoopSection(r),
    ...streamingSection(r),
    ...headOfLineSection(r),
    ...frontDoorSection(r),
    ...bigPromptSection(r),
    ...keysSection(r),
    ...disconnectSection(r),
    ...memorySection(r),
    ...coldSection(r),
    ...notRunSection(r),
    END,
  ].join("\n");
}

/** Replaces the e2e section of `path`, or appends it; the rest of the file is kept. */
export function writeSection(path: string, section: string): void {
  const current = existsSync(path)
    ? readFileSync(path, "utf8")
    : "# Nexus benchmark results\n\nEach section is written by its own benchmark; see BENCH.md " +
      "for the method.\n";
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next = start >= 0 && end > start
    ? current.slice(0, start) + section + current.slice(end + END.length)
    : current.replace(/\n*$/, "\n\n") + section + "\n";
  writeFileSync(path, next);
}

/** Sets `key` in the JSON file at `path`, keeping the other keys. */
export function writeJsonKey(path: string, key: string, value: unknown): void {
  let data: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      data = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch {
      data = {};
    }
  }
  data[key] = value;
  writeFileSync(path, JSON.stringify(data, null, 2) + "\n");
}
