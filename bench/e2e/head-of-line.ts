/**
 * Head-of-line blocking: one stream stalled by its backend while many others run through the
 * same gateway to the same backend. The fast mock's second model (`STALL_MODEL`) sends its first
 * content event, then nothing for 10 s, then the rest; meanwhile `concurrency` streams of the
 * ordinary model run back to back. Their chunk delays (client receive − the mock's send stamp)
 * must equal those of the same load without the stalled stream, measured just before; and the
 * stalled stream must still arrive whole and in order.
 * @module
 */
import { streamOnce, type StreamResult } from "./client.ts";
import { summarize, type Summary } from "./stats.ts";
import { STALL_MODEL, STALL_MS, type TargetName, type Topology } from "./topology.ts";

export interface HeadOfLineOptions {
  /** Streams of the ordinary model in flight at once. */
  readonly concurrency: number;
  /** Seconds of load without the stall, then with it (within its 10 s). */
  readonly seconds: number;
}

export interface HeadOfLineTarget {
  readonly noStall: { chunkDelay: Summary; streams: number; errors: number };
  readonly withStall: { chunkDelay: Summary; streams: number; errors: number };
  /** The stalled stream: whole and in order, and how long it took (≈ the stall). */
  readonly stalled: { ok: boolean; events: number; seconds: number };
}

export interface HeadOfLineResult {
  readonly options: HeadOfLineOptions;
  readonly stallMs: number;
  readonly targets: Partial<Record<TargetName, HeadOfLineTarget>>;
}

/** `concurrency` workers streaming back to back until `seconds` have passed. */
async function load(
  topo: Topology,
  target: TargetName,
  concurrency: number,
  seconds: number,
): Promise<{ chunkDelay: Summary; streams: number; errors: number }> {
  const spec = topo.request(target, "fast", true);
  const until = performance.now() + seconds * 1000;
  const delays: number[] = [];
  let streams = 0;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const result = await streamOnce(spec).catch(() => undefined);
      if (result && result.status === 200 && result.inOrder) {
        streams++;
        for (const delay of result.delays) delays.push(delay);
      } else {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { chunkDelay: summarize(delays), streams, errors };
}

export async function headOfLine(
  topo: Topology,
  options: HeadOfLineOptions,
  targets: readonly TargetName[],
): Promise<HeadOfLineResult> {
  const result: HeadOfLineResult["targets"] = {};
  for (const target of targets) {
    await load(topo, target, options.concurrency, 1); // warm-up
    const noStall = await load(topo, target, options.concurrency, options.seconds);
    const stalledSpec = topo.request(target, "fast", true, { model: STALL_MODEL });
    let firstEvent!: () => void;
    const started = new Promise<void>((resolve) => (firstEvent = resolve));
    const stallStart = performance.now();
    const stalled: Promise<StreamResult | undefined> = streamOnce(stalledSpec, {
      onEvent: (seq) => seq >= 1 && firstEvent(),
    }).catch(() => undefined);
    // The load runs while the stalled stream waits between its first and second content events.
    await Promise.race([started, stalled]);
    const withStall = await load(topo, target, options.concurrency, options.seconds);
    const done = await stalled;
    result[target] = {
      noStall,
      withStall,
      stalled: {
        ok: done !== undefined && done.status === 200 && done.inOrder,
        events: done?.events ?? 0,
        seconds: (performance.now() - stallStart) / 1000,
      },
    };
  }
  return { options, stallMs: STALL_MS, targets: result };
}
