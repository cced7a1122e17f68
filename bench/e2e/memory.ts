/**
 * Resident memory of a Nexus process (VmRSS from /proc): idle, at the peak of N concurrent slow
 * streams, and after each of several such rounds — growth from round to round would be a leak.
 *
 * Bun's fetch lets a process have 256 requests in flight; the rest wait inside Bun. So the
 * rounds run against a Nexus started with BUN_CONFIG_MAX_HTTP_REQUESTS raised (as the systemd
 * unit does), where all N upstream streams really are open at once, and one more round runs
 * against the Nexus started as is, to show the queueing (a long time to first token).
 * @module
 */
import { readFileSync } from "node:fs";
import { pool, sleep, streamOnce } from "./client.ts";
import { summarize, type Summary } from "./stats.ts";
import type { Gateway, Topology } from "./topology.ts";

export interface MemoryOptions {
  readonly streams: number;
  readonly rounds: number;
  readonly settleMs: number;
}

export interface MemoryRound {
  readonly peakMb: number;
  readonly afterMb: number;
  readonly seconds: number;
  readonly ok: number;
  readonly failed: number;
  readonly ttft: Summary;
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
  /**
   * Lowest "after" of the second half of the rounds − lowest of the first half: a leak raises
   * the floor, while a collection that has not run yet only lifts one round.
   */
  readonly growthMb: number;
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

async function streamRound(
  topo: Topology,
  via: Gateway,
  streams: number,
  settleMs: number,
): Promise<MemoryRound> {
  const pid = via.proc.pid;
  const spec = topo.request("nexus", "slow", true, { via });
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

export async function memory(
  topo: Topology,
  options: MemoryOptions,
  raised: { gateway: Gateway; maxRequests: string; idleMb: number },
  idle: { mb: number; anonymousMb: number },
): Promise<MemoryResult> {
  const rounds: MemoryRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    rounds.push(await streamRound(topo, raised.gateway, options.streams, options.settleMs));
  }
  const defaultLimit = await streamRound(topo, topo.nexus, options.streams, options.settleMs);
  const half = Math.floor(rounds.length / 2);
  const floor = (list: MemoryRound[]) => Math.min(...list.map((r) => r.afterMb));
  return {
    options,
    maxRequests: raised.maxRequests,
    idleMb: idle.mb,
    idleAnonymousMb: idle.anonymousMb,
    idleRaisedMb: raised.idleMb,
    rounds,
    growthMb: floor(rounds.slice(rounds.length - half)) - floor(rounds.slice(0, half)),
    defaultLimit,
  };
}
