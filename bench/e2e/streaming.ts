/**
 * Streaming through a gateway: time to first token and per-chunk delay (client receive time −
 * the mock's x_sent_ms stamp) at several concurrency levels, and chunk fidelity: every stream
 * must carry the same events, in order, with the same bytes as a direct stream once per-request
 * values (id, created, send stamp) are masked.
 * @module
 */
import { pool, streamOnce, type StreamResult } from "./client.ts";
import { rotate } from "./sequential.ts";
import { summarize, type Summary } from "./stats.ts";
import type { TargetName, Topology } from "./topology.ts";

export interface StreamLevel {
  readonly concurrency: number;
  /** Streams per target per round. */
  readonly streams: number;
}

export interface StreamingOptions {
  readonly levels: readonly StreamLevel[];
  readonly rounds: number;
}

export interface Fidelity {
  readonly streams: number;
  /** Streams whose masked body equals the direct reference byte for byte. */
  readonly identical: number;
  /** Streams with every x_seq in order and nothing left after the last event. */
  readonly inOrder: number;
  readonly eventsPerStream: number;
  readonly bytesPerStream: number;
  readonly errors: number;
}

export interface TargetStreaming {
  readonly ttft: Summary;
  readonly chunkDelay: Summary;
  readonly fidelity: Fidelity;
}

export interface LevelResult {
  readonly concurrency: number;
  readonly targets: Partial<Record<TargetName, TargetStreaming>>;
  /** Gateway − direct. */
  readonly added: Partial<
    Record<TargetName, { ttftP50: number; ttftP99: number; chunkP50: number; chunkP99: number }>
  >;
}

export interface StreamingResult {
  readonly options: StreamingOptions;
  readonly reference: { events: number; bytes: number; stamped: number };
  readonly levels: LevelResult[];
}

export async function streaming(
  topo: Topology,
  options: StreamingOptions,
): Promise<StreamingResult> {
  // The direct stream is the reference every other stream must equal.
  const reference = await streamOnce(topo.request("direct", "fast", true));
  for (const target of topo.targets) {
    await pool(8, 4, () => streamOnce(topo.request(target, "fast", true))); // warm-up
  }
  const levels: LevelResult[] = [];
  for (const level of options.levels) {
    const collected = new Map<TargetName, StreamResult[]>();
    const errors = new Map<TargetName, number>();
    for (const target of topo.targets) {
      collected.set(target, []);
      errors.set(target, 0);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const target of rotate(topo.targets, round)) {
        const spec = topo.request(target, "fast", true);
        const results = await pool(
          level.streams,
          level.concurrency,
          () => streamOnce(spec).catch(() => undefined),
        );
        for (const result of results) {
          if (result && result.status === 200) collected.get(target)!.push(result);
          else errors.set(target, errors.get(target)! + 1);
        }
      }
    }
    const targets: LevelResult["targets"] = {};
    for (const target of topo.targets) {
      const results = collected.get(target)!;
      targets[target] = {
        ttft: summarize(results.map((r) => r.ttftMs)),
        chunkDelay: summarize(results.flatMap((r) => r.delays)),
        fidelity: {
          streams: results.length,
          identical: results.filter((r) => r.normalized === reference.normalized).length,
          inOrder: results.filter((r) => r.inOrder && r.stamped === reference.stamped).length,
          eventsPerStream: results.length ? results[0]!.events : 0,
          bytesPerStream: results.length ? results[0]!.normalized.length : 0,
          errors: errors.get(target)!,
        },
      };
    }
    const direct = targets.direct!;
    const added: LevelResult["added"] = {};
    for (const target of topo.targets) {
      if (target === "direct") continue;
      const through = targets[target]!;
      added[target] = {
        ttftP50: through.ttft.p50 - direct.ttft.p50,
        ttftP99: through.ttft.p99 - direct.ttft.p99,
        chunkP50: through.chunkDelay.p50 - direct.chunkDelay.p50,
        chunkP99: through.chunkDelay.p99 - direct.chunkDelay.p99,
      };
    }
    levels.push({ concurrency: level.concurrency, targets, added });
  }
  return {
    options,
    reference: {
      events: reference.events,
      bytes: reference.normalized.length,
      stamped: reference.stamped,
    },
    levels,
  };
}
