/**
 * Resident memory of a Nexus process (VmRSS from /proc): idle, at the peak of N concurrent slow
 * streams, and after each of several such rounds. Growth is judged on the RSS after a quiet time
 * (`quietMs`) following the first and the last round, not on the floor a few seconds after each:
 * there the last rounds' garbage may still wait for a full collection, which Bun runs once the
 * heap has been quiet for 10 s (its GC controller, BUN_IDLE_GC_SECONDS), and which of the rounds
 * got one decides the figure — 4 rounds read +40 MiB in three full runs and +6 in the next, with
 * Nexus's live heap unchanged round over round (bench/memory-rounds.ts; RESULTS.md, "Memory over
 * many rounds").
 *
 * Bun's fetch lets a process have 256 requests in flight; the rest wait inside Bun. So the
 * rounds run against a Nexus started with BUN_CONFIG_MAX_HTTP_REQUESTS raised (as the systemd
 * unit does), where all N upstream streams really are open at once, and one more round runs
 * against the Nexus started as is, to show the queueing (a long time to first token).
 * @module
 */
import { readFileSync } from "node:fs";
import { pool, type RequestSpec, sleep, streamOnce } from "./client.ts";
import type { LiveHeap } from "./live-heap.ts";
import { summarize, type Summary } from "./stats.ts";
import type { Gateway, Topology } from "./topology.ts";

export interface MemoryOptions {
  readonly streams: number;
  readonly rounds: number;
  readonly settleMs: number;
  /** Time without traffic after the first and the last round, ms; its lowest RSS is compared. */
  readonly quietMs: number;
}

export interface MemoryRound {
  readonly peakMb: number;
  readonly afterMb: number;
  readonly seconds: number;
  readonly ok: number;
  readonly failed: number;
  readonly ttft: Summary;
  /** Lowest RSS over `quietMs` without traffic after this round (the first and the last only). */
  readonly quietMb?: number;
  /** Then the live JS heap after a full collection (the first and the last only, when probed). */
  readonly liveHeap?: LiveHeap;
}

export interface MemoryResult {
  readonly options: MemoryOptions;
  /** The value BUN_CONFIG_MAX_HTTP_REQUESTS had for the measured rounds. */
  readonly maxRequests: string;
  readonly idleMb: number;
  /** The anonymous part of the idle RSS (the rest is the executable's pages). */
  readonly idleAnonymousMb: number;
  readonly idleRaisedMb: number;
  readonly rounds: MemoryRound[];
  /** RSS after the quiet time that followed the last round − after the first round's. */
  readonly growthMb: number;
  /**
   * Lowest "after" of the second half of the rounds − lowest of the first half (the row's figure
   * until the quiet time): it moves with the collector's timing, not only with what is kept.
   */
  readonly settledGrowthMb: number;
  /** One round against Nexus with Bun's default limit. */
  readonly defaultLimit: MemoryRound;
}

/** VmRSS of a process in MiB (/proc's kB are KiB), or NaN when /proc cannot tell. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return kb ? Number(kb[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * How much of the RSS is anonymous memory (heap, stacks) rather than pages of the executable
 * mapped from disk, MiB.
 */
export function anonymousMb(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = /Anonymous:\s+(\d+)\s+kB/.exec(rollup);
    return kb ? Number(kb[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * One round: `streams` requests of `spec` at once, each read to its end, while the RSS of `pid`
 * is sampled; then its floor over the second half of `settleMs`.
 */
export async function streamRound(
  spec: RequestSpec,
  pid: number,
  streams: number,
  settleMs: number,
): Promise<MemoryRound> {
  let peak = rssMb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  const started = performance.now();
  const results = await pool(streams, streams, () => streamOnce(spec).catch(() => undefined));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(pid));
  // The floor over the second half of the settle time: idle collections may run meanwhile.
  await sleep(settleMs / 2);
  let after = rssMb(pid);
  const settled = performance.now() + settleMs / 2;
  while (performance.now() < settled) {
    await sleep(100);
    after = Math.min(after, rssMb(pid));
  }
  const ok = results.filter((r) => r && r.status === 200 && r.inOrder);
  return {
    peakMb: peak,
    afterMb: after,
    seconds,
    ok: ok.length,
    failed: results.length - ok.length,
    ttft: summarize(ok.map((r) => r!.ttftMs)),
  };
}

/** The lowest RSS of `pid` over `ms` without traffic, sampled every 250 ms. */
export async function quietFloor(pid: number, ms: number): Promise<number> {
  let floor = rssMb(pid);
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await sleep(250);
    floor = Math.min(floor, rssMb(pid));
  }
  return floor;
}

export async function memory(
  topo: Topology,
  options: MemoryOptions,
  raised: {
    gateway: Gateway;
    maxRequests: string;
    idleMb: number;
    /** Reads the gateway's live heap (bench/e2e/live-heap.ts), when it runs with the probe. */
    heap?: () => Promise<LiveHeap>;
  },
  idle: { mb: number; anonymousMb: number },
): Promise<MemoryResult> {
  const spec = (via: Gateway) => topo.request("nexus", "slow", true, { via });
  const settings = [options.streams, options.settleMs] as const;
  const rounds: MemoryRound[] = [];
  const pid = raised.gateway.proc.pid;
  for (let round = 0; round < options.rounds; round++) {
    const row = await streamRound(spec(raised.gateway), pid, ...settings);
    if (round !== 0 && round !== options.rounds - 1) {
      rounds.push(row);
      continue;
    }
    // The heap is read after the quiet time: its full collection must not lower the RSS read.
    const quietMb = await quietFloor(pid, options.quietMs);
    rounds.push({ ...row, quietMb, ...(raised.heap ? { liveHeap: await raised.heap() } : {}) });
  }
  const defaultLimit = await streamRound(spec(topo.nexus), topo.nexus.proc.pid, ...settings);
  const half = Math.floor(rounds.length / 2);
  const floor = (list: MemoryRound[]) => Math.min(...list.map((r) => r.afterMb));
  return {
    options,
    maxRequests: raised.maxRequests,
    idleMb: idle.mb,
    idleAnonymousMb: idle.anonymousMb,
    idleRaisedMb: raised.idleMb,
    rounds,
    growthMb: rounds[rounds.length - 1]!.quietMb! - rounds[0]!.quietMb!,
    settledGrowthMb: floor(rounds.slice(rounds.length - half)) - floor(rounds.slice(0, half)),
    defaultLimit,
  };
}
