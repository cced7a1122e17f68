/**
 * Targets (BENCH.md) and the CI guard's thresholds, turned into pass/miss checks. The guard's
 * limits are deliberately loose — a loaded 2-core machine must not fail them by noise — but
 * tight enough that a gross regression (a 20 ms stall in the hot path, merged or reordered
 * chunks, an abort that is not propagated) fails at once.
 * @module
 */
import type { BenchResult, Check } from "./result.ts";
import type { DisconnectKind } from "./disconnect.ts";
import type { MemoryRound } from "./memory.ts";
import type { StreamingResult } from "./streaming.ts";
import { round } from "./stats.ts";

type Partial2 = Omit<BenchResult, "checks" | "meta">;

const ms = (value: number) => `${round(value)} ms`;

export function check(
  id: string,
  metric: string,
  measured: number,
  unit: string,
  baseline: string,
  target: string,
  pass: boolean,
  limit?: number,
): Check {
  const base = { id, metric, measured: round(measured), unit, baseline, target, pass };
  return limit === undefined ? base : { ...base, limit };
}

function fidelityChecks(streaming: StreamingResult, prefix: string): Check[] {
  return streaming.levels.map((level) => {
    const f = level.targets.nexus!.fidelity;
    const direct = level.targets.direct!.fidelity;
    const ok = f.errors === 0 && f.streams > 0 && f.identical === f.streams &&
      f.inOrder === f.streams;
    return check(
      `${prefix}fidelity-c${level.concurrency}`,
      `Chunk fidelity, c=${level.concurrency}: streams identical to direct (events, order, bytes)`,
      f.identical,
      `of ${f.streams + f.errors}`,
      `direct ${direct.identical}/${direct.streams + direct.errors}, ${f.eventsPerStream} events`,
      "all",
      ok,
    );
  });
}

function abortChecks(result: Partial2, limitMs: number, prefix: string): Check[] {
  if (!result.disconnect) return [];
  return (Object.keys(result.disconnect.kinds) as DisconnectKind[]).map((kind) => {
    const nexus = result.disconnect!.kinds[kind].nexus!;
    const direct = result.disconnect!.kinds[kind].direct!;
    const worst = nexus.summary.n ? nexus.summary.max : Number.POSITIVE_INFINITY;
    return check(
      `${prefix}abort-${kind}`,
      `Client abort → upstream abort, ${kind} (worst of ${nexus.trials})`,
      worst,
      "ms",
      `direct worst ${ms(direct.summary.max)}`,
      `≤ ${limitMs} ms`,
      nexus.missed === 0 && worst <= limitMs,
      limitMs,
    );
  });
}

/** BENCH.md targets, for a full run. */
export function targetChecks(result: Partial2): Check[] {
  const checks: Check[] = [];
  const seq = result.sequential;
  if (seq) {
    const direct = seq.targets.direct!;
    const added = seq.added.nexus!;
    const bare = seq.added.bare;
    const floor = (
      value: number | undefined,
    ) => (value === undefined ? "" : `; bare Bun +${ms(value)}`);
    checks.push(
      check(
        "seq-p50",
        "Added latency c=1, p50",
        added.p50,
        "ms",
        `direct ${ms(direct.summary.p50)}${floor(bare?.p50)}`,
        "≤ 0.4 ms",
        added.p50 <= 0.4,
      ),
      check(
        "seq-p99",
        "Added latency c=1, p99",
        added.p99,
        "ms",
        `direct ${ms(direct.summary.p99)}${floor(bare?.p99)}`,
        "≤ 1.0 ms",
        added.p99 <= 1.0,
      ),
    );
    const portkey = seq.added.portkey;
    if (portkey) {
      const ratio = added.medianOfRoundMedians / portkey.medianOfRoundMedians;
      checks.push(check(
        "vs-portkey-seq",
        "Added latency c=1 (median of round medians), Nexus ÷ Portkey",
        ratio,
        "×",
        `Nexus +${ms(added.medianOfRoundMedians)}, Portkey +${ms(portkey.medianOfRoundMedians)}`,
        "≤ 1/3 (aim 1/8)",
        ratio <= 1 / 3,
      ));
    }
  }
  for (const [key, mockMs, ratioTarget] of [["fast", 0, 0.5], ["slow", 50, 0.98]] as const) {
    const loop = result.closedLoop?.[key];
    if (!loop) continue;
    const rel = loop.relative.nexus!;
    const direct = loop.median.direct!;
    const bare = loop.relative.bare;
    checks.push(
      check(
        `c64-rps-${mockMs}`,
        `Throughput ratio Nexus/direct, c=64, mock ${mockMs} ms`,
        rel.rpsRatio,
        "×",
        `direct ${Math.round(direct.rps)} req/s${
          bare ? `; bare Bun ${round(bare.rpsRatio)}×` : ""
        }`,
        `≥ ${ratioTarget}`,
        rel.rpsRatio >= ratioTarget,
      ),
      check(
        `c64-p99-${mockMs}`,
        `Added latency c=64, p99, mock ${mockMs} ms`,
        rel.addedP99,
        "ms",
        `direct p99 ${ms(direct.p99)}${bare ? `; bare Bun +${ms(bare.addedP99)}` : ""}`,
        "≤ 2 ms",
        rel.addedP99 <= 2,
      ),
    );
  }
  const streaming = result.streaming;
  if (streaming) {
    const c1 = streaming.levels.find((l) => l.concurrency === 1);
    if (c1) {
      const added = c1.added.nexus!;
      const direct = c1.targets.direct!;
      const bare = c1.added.bare;
      const floor = (
        value: number | undefined,
      ) => (value === undefined ? "" : `; bare Bun +${ms(value)}`);
      checks.push(
        check(
          "ttft-p50",
          "Added time to first token, c=1, p50",
          added.ttftP50,
          "ms",
          `direct ${ms(direct.ttft.p50)}${floor(bare?.ttftP50)}`,
          "≤ 0.5 ms",
          added.ttftP50 <= 0.5,
        ),
        check(
          "ttft-p99",
          "Added time to first token, c=1, p99",
          added.ttftP99,
          "ms",
          `direct ${ms(direct.ttft.p99)}${floor(bare?.ttftP99)}`,
          "≤ 1.5 ms",
          added.ttftP99 <= 1.5,
        ),
      );
      const portkey = c1.added.portkey;
      if (portkey) {
        const ratio = added.ttftP50 / portkey.ttftP50;
        checks.push(check(
          "vs-portkey-ttft",
          "Added time to first token c=1 p50, Nexus ÷ Portkey",
          ratio,
          "×",
          `Nexus +${ms(added.ttftP50)}, Portkey +${ms(portkey.ttftP50)}`,
          "≤ 1/3 (aim 1/8)",
          ratio <= 1 / 3,
        ));
      }
    }
    checks.push(...fidelityChecks(streaming, ""));
  }
  checks.push(...abortChecks(result, 50, ""));
  const memory = result.memory;
  if (memory) {
    const peak = Math.max(...memory.rounds.map((r) => r.peakMb));
    const streams = memory.options.streams;
    checks.push(
      check(
        "rss-idle",
        "Idle RSS (serve, 3 backends)",
        memory.idleMb,
        "MiB",
        `= ${round((memory.idleMb * 2 ** 20) / 1e6)} MB of 10⁶ bytes; anonymous ${
          round(memory.idleAnonymousMb)
        } MiB, the rest is the executable's pages`,
        "≤ 50 MiB",
        memory.idleMb <= 50,
      ),
      check(
        "rss-streams",
        `Peak RSS with ${streams} concurrent slow streams`,
        peak,
        "MiB",
        `idle ${
          round(memory.idleRaisedMb)
        } MiB (BUN_CONFIG_MAX_HTTP_REQUESTS=${memory.maxRequests})`,
        "≤ 200 MiB",
        peak <= 200,
      ),
      check(
        "rss-growth",
        `RSS growth over ${memory.rounds.length} rounds (after ${
          memory.options.quietMs / 1000
        } s quiet: the last round − the first)`,
        memory.growthMb,
        "MiB",
        `after round 1 and ${memory.options.quietMs / 1000} s: ${
          round(memory.rounds[0]!.quietMb!)
        } MiB; ${
          memory.options.settleMs / 1000
        } s after each round, floor of the last half − the first: ${
          round(memory.settledGrowthMb)
        } MiB${liveHeapNote(memory.rounds)}`,
        "≤ 10 MiB",
        memory.growthMb <= 10,
      ),
    );
  }
  const cold = result.coldStart;
  if (cold) {
    checks.push(
      check(
        "cold-start",
        `Cold start: exec → first 200 on /health (median of ${cold.runs})`,
        cold.health.p50,
        "ms",
        `spawn of /bin/true ${ms(cold.spawnBaseline.p50)}`,
        "≤ 150 ms",
        cold.health.p50 <= 150,
      ),
      check(
        "help",
        `nexus --help (median of ${cold.runs})`,
        cold.help.p50,
        "ms",
        `spawn of /bin/true ${ms(cold.spawnBaseline.p50)}`,
        "≤ 50 ms",
        cold.help.p50 <= 50,
      ),
    );
  }
  return checks;
}

/** Guard thresholds: generous, for `npm test` on a busy machine. */
export const GUARD = {
  seqMedianMs: 2,
  seqP99Ms: 5,
  ttftP50Ms: 3,
  abortMs: 200,
} as const;

export function guardChecks(result: Partial2): Check[] {
  const checks: Check[] = [];
  const seq = result.sequential;
  if (seq) {
    const added = seq.added.nexus!;
    const direct = seq.targets.direct!;
    checks.push(
      check(
        "guard-seq-median",
        "Added latency c=1, median of round medians",
        added.medianOfRoundMedians,
        "ms",
        ms(direct.medianOfRoundMedians),
        `< ${GUARD.seqMedianMs} ms`,
        added.medianOfRoundMedians < GUARD.seqMedianMs,
        GUARD.seqMedianMs,
      ),
      check(
        "guard-seq-p99",
        "Added latency c=1, p99",
        added.p99,
        "ms",
        ms(direct.summary.p99),
        `< ${GUARD.seqP99Ms} ms`,
        added.p99 < GUARD.seqP99Ms,
        GUARD.seqP99Ms,
      ),
    );
  }
  const c1 = result.streaming?.levels.find((l) => l.concurrency === 1);
  if (c1) {
    const added = c1.added.nexus!;
    checks.push(
      check(
        "guard-ttft-p50",
        "Added time to first token, c=1, p50",
        added.ttftP50,
        "ms",
        ms(c1.targets.direct!.ttft.p50),
        `< ${GUARD.ttftP50Ms} ms`,
        added.ttftP50 < GUARD.ttftP50Ms,
        GUARD.ttftP50Ms,
      ),
    );
  }
  if (result.streaming) checks.push(...fidelityChecks(result.streaming, "guard-"));
  checks.push(...abortChecks(result, GUARD.abortMs, "guard-"));
  return checks;
}

/** The live heap after the first and the last round, when the measured Nexus was probed. */
function liveHeapNote(rounds: readonly MemoryRound[]): string {
  const first = rounds[0]?.liveHeap;
  const last = rounds[rounds.length - 1]?.liveHeap;
  if (!first || !last) return "";
  return `; live JS heap ${first.cells} → ${last.cells} cells (${round(first.mb)} → ${
    round(last.mb)
  } MiB)`;
}
