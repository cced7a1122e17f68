/**
 * Added latency at c=1: blocks of back-to-back non-stream requests, direct and through each
 * gateway, in rounds whose order rotates so that no target always runs first or last.
 * @module
 */
import { postOnce } from "./client.ts";
import { median, summarize, type Summary } from "./stats.ts";
import type { TargetName, Topology } from "./topology.ts";

export interface SequentialOptions {
  readonly rounds: number;
  readonly perRound: number;
  readonly warmup: number;
}

export interface TargetLatency {
  readonly roundMedians: number[];
  readonly medianOfRoundMedians: number;
  readonly summary: Summary;
  readonly errors: number;
}

export interface Added {
  readonly medianOfRoundMedians: number;
  readonly p50: number;
  readonly p99: number;
}

export interface SequentialResult {
  readonly options: SequentialOptions;
  readonly targets: Partial<Record<TargetName, TargetLatency>>;
  /** Gateway − direct, per gateway. */
  readonly added: Partial<Record<TargetName, Added>>;
}

/** A non-stream answer of the mock is ~1.4 KB; anything much shorter is an error body. */
const MIN_BODY_BYTES = 1000;

export function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export async function sequential(
  topo: Topology,
  options: SequentialOptions,
): Promise<SequentialResult> {
  const samples = new Map<TargetName, number[]>();
  const roundMedians = new Map<TargetName, number[]>();
  const errors = new Map<TargetName, number>();
  for (const target of topo.targets) {
    samples.set(target, []);
    roundMedians.set(target, []);
    errors.set(target, 0);
    const spec = topo.request(target, "fast", false);
    for (let i = 0; i < options.warmup; i++) await postOnce(spec);
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const target of rotate(topo.targets, round)) {
      const spec = topo.request(target, "fast", false);
      const block: number[] = [];
      for (let i = 0; i < options.perRound; i++) {
        const result = await postOnce(spec);
        if (result.status === 200 && result.bytes >= MIN_BODY_BYTES) block.push(result.ms);
        else errors.set(target, errors.get(target)! + 1);
      }
      samples.get(target)!.push(...block);
      roundMedians.get(target)!.push(median(block));
    }
  }
  const targets: Partial<Record<TargetName, TargetLatency>> = {};
  for (const target of topo.targets) {
    const medians = roundMedians.get(target)!;
    targets[target] = {
      roundMedians: medians,
      medianOfRoundMedians: median(medians),
      summary: summarize(samples.get(target)!),
      errors: errors.get(target)!,
    };
  }
  const direct = targets.direct!;
  const added: Partial<Record<TargetName, Added>> = {};
  for (const target of topo.targets) {
    if (target === "direct") continue;
    const through = targets[target]!;
    added[target] = {
      medianOfRoundMedians: through.medianOfRoundMedians - direct.medianOfRoundMedians,
      p50: through.summary.p50 - direct.summary.p50,
      p99: through.summary.p99 - direct.summary.p99,
    };
  }
  return { options, targets, added };
}
