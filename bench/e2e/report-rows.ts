/**
 * The RESULTS.md tables of issue 23's rows: Nexus beside the floors (bare Bun, bare Deno,
 * nginx), Bun against Deno, the fixed-rate (open-loop) runs, head-of-line, every front door,
 * big prompts, and what could not run.
 * @module
 */
import type { BenchResult } from "./result.ts";
import { round } from "./stats.ts";
import { TARGET_ORDER, type TargetName } from "./topology.ts";

const f = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? "—" : String(round(value));
const signed = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? "—" : value >= 0 ? `+${f(value)}` : f(value);

type Column = "nexus" | "nexus-deno" | "bare" | "bare-deno" | "nginx";
const COLUMNS: readonly Column[] = ["nexus", "nexus-deno", "bare", "bare-deno", "nginx"];

interface Metric {
  readonly label: string;
  readonly unit: string;
  /** Lower is better (latency, CPU, memory); otherwise higher is. */
  readonly lower: boolean;
  readonly value: (t: Column) => number | undefined;
  /** Shown with a sign (an added figure). */
  readonly added?: boolean;
}

function metrics(r: BenchResult): Metric[] {
  const list: Metric[] = [];
  for (const [key, c] of [["fast32", 32], ["fast", 64]] as const) {
    const loop = r.closedLoop?.[key];
    if (!loop) continue;
    list.push({
      label: `CPU per request, c=${c}, mock 0 ms`,
      unit: "µs",
      lower: true,
      value: (t) => loop.median[t]?.gatewayCpuUs,
    }, {
      label: `Throughput ÷ direct, c=${c}, mock 0 ms`,
      unit: "×",
      lower: false,
      value: (t) => loop.relative[t]?.rpsRatio,
    });
  }
  const seq = r.sequential?.added;
  if (seq) {
    list.push(
      {
        label: "Added latency c=1, p50",
        unit: "ms",
        lower: true,
        added: true,
        value: (t) => seq[t]?.p50,
      },
      {
        label: "Added latency c=1, p99",
        unit: "ms",
        lower: true,
        added: true,
        value: (t) => seq[t]?.p99,
      },
    );
  }
  const c1 = r.streaming?.levels.find((l) => l.concurrency === 1)?.added;
  if (c1) {
    list.push(
      {
        label: "Added TTFT c=1, p50",
        unit: "ms",
        lower: true,
        added: true,
        value: (t) => c1[t]?.ttftP50,
      },
      {
        label: "Added delay per chunk c=1, p50",
        unit: "ms",
        lower: true,
        added: true,
        value: (t) => c1[t]?.chunkP50,
      },
    );
  }
  const open = r.openLoop;
  if (open) {
    const top = Object.keys(open.runs).at(-1)!;
    list.push(
      {
        label: `Added p99 at ${top} req/s (open loop)`,
        unit: "ms",
        lower: true,
        added: true,
        value: (t) => open.added[top]?.[t]?.p99,
      },
      {
        label: `CPU per request at ${top} req/s`,
        unit: "µs",
        lower: true,
        value: (t) => open.runs[top]?.[t]?.gatewayCpuUs,
      },
    );
  }
  const big = r.bigPrompt;
  if (big) {
    list.push(
      {
        label: `Big prompt (${Math.round(big.bodyBytes / 1000)} KB): added p50`,
        unit: "ms",
        lower: true,
        added: true,
        value: (t) => big.added[t]?.p50,
      },
      {
        label: "Big prompt: RSS per request in flight",
        unit: "MiB",
        lower: true,
        value: (t) => big.targets[t]?.rss?.perRequestMb,
      },
    );
  }
  const doors = r.frontDoors;
  if (doors) {
    list.push({
      label: "CPU per relayed stream event (chat passthrough)",
      unit: "µs",
      lower: true,
      value: (t) => doors.gateways[t]?.chat?.streamCpuPerEventUs ?? doors.floors[t]?.text,
    });
  }
  if (r.idleRss) {
    list.push({ label: "Idle RSS", unit: "MiB", lower: true, value: (t) => r.idleRss?.[t] });
  }
  return list;
}

/** Who wins a row: "Bun" or "Deno" (by more than 5 %), or "—". */
function faster(m: Metric, bun: Column, deno: Column): string {
  const a = m.value(bun);
  const b = m.value(deno);
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) return "—";
  const scale = Math.max(Math.abs(a), Math.abs(b), 1e-9);
  if (Math.abs(a - b) / scale < 0.05) return "even";
  return (m.lower ? a < b : a > b) ? "Bun" : "Deno";
}

export function floorSection(r: BenchResult): string[] {
  const rows = metrics(r);
  if (rows.length === 0) return [];
  const show = (m: Metric, t: Column) => (m.added ? signed : f)(m.value(t));
  const vsNginx = (m: Metric) => {
    const n = m.value("nexus");
    const g = m.value("nginx");
    if (n === undefined || g === undefined) return "—";
    return m.added ? `${signed(n - g)} ms` : `${f(n / g)} ×`;
  };
  return [
    "",
    "### Nexus beside the floors (same run)",
    "",
    "Nexus is the compiled binary under Bun; Nexus (Deno) the same sources under " +
    "`deno run -A src/main.ts serve`. The bare pass-throughs (bench/e2e/bare-proxy.ts: parse " +
    "the JSON body, fetch, return) are each runtime's floor; nginx is a C proxy's. The last " +
    "column compares Nexus with nginx: a ratio, or for added latencies the difference.",
    "",
    "| Metric | Nexus | Nexus (Deno) | bare Bun | bare Deno | nginx | Nexus vs nginx | faster: Nexus / bare |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((m) =>
      `| ${m.label} (${m.unit}) | ${COLUMNS.map((t) => show(m, t)).join(" | ")} | ${vsNginx(m)} | ${
        faster(m, "nexus", "nexus-deno")
      } / ${faster(m, "bare", "bare-deno")} |`
    ),
  ];
}

/** Bun or Deno, row by row: the summary RESULTS.md's prose draws on. */
export function runtimeSection(r: BenchResult): string[] {
  const rows = metrics(r);
  const nexusWins = { Bun: [] as string[], Deno: [] as string[] };
  for (const m of rows) {
    const who = faster(m, "nexus", "nexus-deno");
    if (who === "Bun" || who === "Deno") nexusWins[who].push(m.label);
  }
  if (nexusWins.Bun.length + nexusWins.Deno.length === 0) return [];
  return [
    "",
    `Nexus under Bun is ahead (by more than 5 %) on: ${nexusWins.Bun.join("; ") || "nothing"}. ` +
    `Under Deno on: ${nexusWins.Deno.join("; ") || "nothing"}.`,
  ];
}

export function openLoopSection(r: BenchResult): string[] {
  const open = r.openLoop;
  if (!open) return [];
  const lines = [
    "",
    "### Fixed request rate (open loop)",
    "",
    `${open.options.seconds} s per rate and target after ${open.options.warmupSeconds} s at the ` +
    "same rate; non-stream, mock at 0 ms. Latency runs from each request's *intended* send time " +
    "(request i at start + i / rate) to its last byte, so a stall is charged to every request " +
    "scheduled inside it (coordinated-omission correction, as wrk2; bench/e2e/open-loop.ts). " +
    "Send lag is how late the scheduler itself sent (timer ticks of ~1.1 ms): it is in every " +
    "target's figures alike, direct included. ms unless marked.",
    "",
    "| Rate | Target | answered/s | p50 | p99 | p99.9 | added p50 / p99 / p99.9 | errors | " +
    "gateway CPU µs/req | send lag p50 / p99 |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const rate of Object.keys(open.runs)) {
    for (const t of TARGET_ORDER) {
      const run = open.runs[rate]![t];
      if (!run) continue;
      const a = open.added[rate]![t];
      lines.push(
        `| ${rate}/s | ${t} | ${Math.round(run.achieved)} | ${f(run.p50)} | ${f(run.p99)} | ${
          f(run.p999)
        } | ${
          a ? `${signed(a.p50)} / ${signed(a.p99)} / ${signed(a.p999)}` : "—"
        } | ${run.errors} | ${f(run.gatewayCpuUs)} | ${f(run.lagP50)} / ${f(run.lagP99)} |`,
      );
    }
  }
  return lines;
}

export function headOfLineSection(r: BenchResult): string[] {
  const hol = r.headOfLine;
  if (!hol) return [];
  const lines = [
    "",
    "### Head-of-line: one stream stalled while others run",
    "",
    `${hol.options.concurrency} streams at once, back to back for ${hol.options.seconds} s, to ` +
    "the fast mock (10 content events 10 ms apart); then the same load again while one stream " +
    `of the same backend's other model is stalled by it for ${hol.stallMs / 1000} s after its ` +
    "first content event. Chunk delay = client receive − the mock's send stamp, ms.",
    "",
    "| Target | without: p50 / p99 | with the stall: p50 / p99 | streams (errors) without / with | " +
    "stalled stream |",
    "|---|---|---|---|---|",
  ];
  for (const t of TARGET_ORDER) {
    const x = hol.targets[t];
    if (!x) continue;
    lines.push(
      `| ${t} | ${f(x.noStall.chunkDelay.p50)} / ${f(x.noStall.chunkDelay.p99)} | ${
        f(x.withStall.chunkDelay.p50)
      } / ${
        f(x.withStall.chunkDelay.p99)
      } | ${x.noStall.streams} (${x.noStall.errors}) / ${x.withStall.streams} (${x.withStall.errors}) | ${
        x.stalled.ok ? "whole" : "broken"
      }, ${x.stalled.events} events, ${f(x.stalled.seconds)} s |`,
    );
  }
  return lines;
}

export function frontDoorSection(r: BenchResult): string[] {
  const doors = r.frontDoors;
  if (!doors) return [];
  const o = doors.options;
  const lines = [
    "",
    "### Every front door",
    "",
    `Non-stream, c=1: ${o.rounds} rounds × ${o.perRound} requests per door, against the same ` +
    "backend call made directly (chat or embeddings), ms; CPU is the gateway's per request over " +
    "those requests. Streams: the gateway's CPU per upstream event over " +
    `${o.rounds} × ${o.streams} streams per door (${o.concurrency} at once) of the long mock: ` +
    `${doors.events.text} events (100 content deltas) or a tool call in ${doors.events.tool} ` +
    "events (50 argument deltas), 1 ms apart so each arrives in its own read. Extra = the " +
    "door's figure − the chat passthrough's (what translating costs; target ≤ 5 µs).",
    "",
    "| Gateway | Door | path | c=1 p50 (direct) | added p50 | CPU µs/req | stream µs/event " +
    "(extra) | tool-call stream µs/event (extra) |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const [gateway, figures] of Object.entries(doors.gateways)) {
    for (const [door, x] of Object.entries(figures ?? {})) {
      if (!x) continue;
      const stream = x.streamCpuPerEventUs === undefined
        ? "—"
        : `${f(x.streamCpuPerEventUs)} (${
          x.translated ? signed(x.extraPerEventUs) : "passthrough"
        })`;
      const tool = x.toolCpuPerEventUs === undefined
        ? "—"
        : `${f(x.toolCpuPerEventUs)} (${
          x.translated ? signed(x.toolExtraPerEventUs) : "passthrough"
        })`;
      lines.push(
        `| ${gateway} | ${door}${x.translated ? " (translated)" : ""} | ${x.path} | ${
          f(x.latency.p50)
        } (${f(x.direct.p50)}) | ${signed(x.addedP50)} | ${f(x.cpuUs)} | ${stream} | ${tool} |`,
      );
    }
  }
  for (const [floor, x] of Object.entries(doors.floors)) {
    if (!x) continue;
    lines.push(
      `| ${floor} | chat | /v1/chat/completions | — | — | — | ${f(x.text)} | ${f(x.tool)} |`,
    );
  }
  lines.push(
    "",
    `Tool-call streams through Nexus byte-identical to direct ones (ids and clocks masked): ` +
      `${doors.toolFidelity.identical} of ${doors.toolFidelity.streams}.`,
  );
  return lines;
}

export function bigPromptSection(r: BenchResult): string[] {
  const big = r.bigPrompt;
  if (!big) return [];
  const o = big.options;
  const lines = [
    "",
    `### Big prompts (${Math.round(big.bodyBytes / 1000)} KB chat body, ~${
      Math.round(o.chars / 4000)
    }k tokens)`,
    "",
    `c=1: ${o.rounds} rounds × ${o.perRound} requests per target after ${o.warmup}, send → last ` +
    "byte, ms. RSS: the gateway's resident set a moment before, and at its peak while " +
    `${o.burst} such requests are in flight at once; per request = (peak − before) / ${o.burst}.`,
    "",
    "| Target | p50 | p99 | added p50 / p99 | CPU µs/req | RSS before → peak MiB | per request MiB |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const t of TARGET_ORDER) {
    const x = big.targets[t as TargetName];
    if (!x) continue;
    const a = big.added[t];
    lines.push(
      `| ${t} | ${f(x.latency.p50)} | ${f(x.latency.p99)} | ${
        a ? `${signed(a.p50)} / ${signed(a.p99)}` : "—"
      } | ${f(x.cpuUs)} | ${x.rss ? `${f(x.rss.baseMb)} → ${f(x.rss.peakMb)}` : "—"} | ${
        f(x.rss?.perRequestMb)
      } |`,
    );
  }
  return lines;
}

export function notRunSection(r: BenchResult): string[] {
  const notRun = r.notRun;
  if (!notRun || Object.keys(notRun).length === 0) return [];
  return [
    "",
    "### Not run",
    "",
    ...Object.entries(notRun).map(([row, why]) => `- ${row}: ${why}`),
  ];
}

export function keysSection(r: BenchResult): string[] {
  const keys = r.keys;
  if (!keys) return [];
  const o = keys.options;
  const off = keys.variants.off;
  const label = {
    off: "keys off (the Nexus above)",
    keys: "keys, limits in process",
    redis: "keys, limits in Redis",
  };
  const lines = [
    "",
    "### API keys: the added cost per request",
    "",
    'Three instances of the same Nexus: `[auth] mode = "off"`, `"keys"` with a key holding ' +
    "rpm, tpm and concurrency limits, and the same with `[state] redis_url` (a local " +
    `redis-server: one round trip per request). c=1: ${o.rounds} rounds × ${o.perRound} requests ` +
    "each, against direct; CPU: wrk c=32, mock 0 ms, the gateway's per request (median of " +
    `${o.rounds} rounds${o.loop ? ` × ${o.loop.seconds} s` : ""}).`,
    "",
    "| Nexus | c=1 p50 / p99 ms | added p50 / p99 | over keys off, p50 | CPU µs/req | over keys off | errors |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const variant of ["off", "keys", "redis"] as const) {
    const x = keys.variants[variant];
    if (!x) continue;
    lines.push(
      `| ${label[variant]} | ${f(x.latency.p50)} / ${f(x.latency.p99)} | ${signed(x.addedP50)} / ${
        signed(x.addedP99)
      } | ${variant === "off" || !off ? "—" : signed(x.addedP50 - off.addedP50)} | ${
        f(x.cpuUs)
      } | ${
        variant === "off" || !off || x.cpuUs === undefined || off.cpuUs === undefined
          ? "—"
          : `+${f(x.cpuUs - off.cpuUs)} µs`
      } | ${x.errors} |`,
    );
  }
  if (keys.redisNote) lines.push("", `Redis limits not measured: ${keys.redisNote}.`);
  return lines;
}
