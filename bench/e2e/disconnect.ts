/**
 * Client disconnect → upstream abort: the client aborts a request (while the mock holds back
 * the first token, mid-stream, or before a non-stream answer) and the mock logs when it saw the
 * connection go. The figure is the mock's abort time − the client's abort time (one wall clock).
 * @module
 */
import { sleep, streamOnce, wallNow } from "./client.ts";
import { summarize, type Summary } from "./stats.ts";
import type { Mock, MockName, TargetName, Topology } from "./topology.ts";

export type DisconnectKind = "ttft" | "mid-stream" | "non-stream";

export interface DisconnectOptions {
  readonly trials: number;
  /** How long to wait for the mock's abort line before calling a trial a miss. */
  readonly waitMs: number;
}

export interface DisconnectFigure {
  readonly summary: Summary;
  readonly trials: number;
  /** Trials whose abort never reached the mock within `waitMs`. */
  readonly missed: number;
}

export interface DisconnectResult {
  readonly options: DisconnectOptions;
  readonly kinds: Record<DisconnectKind, Partial<Record<TargetName, DisconnectFigure>>>;
}

const KINDS: Record<DisconnectKind, { mock: MockName; stream: boolean }> = {
  // 3 s before the first token: abort after 150 ms.
  ttft: { mock: "abort", stream: true },
  // Events every 100 ms: abort once the second one has arrived.
  "mid-stream": { mock: "slow", stream: true },
  // 3 s before the answer: abort after 150 ms.
  "non-stream": { mock: "abort", stream: false },
};

/** Two misses in a row end a target's trials: it does not propagate aborts at all. */
const MISSES_TO_GIVE_UP = 2;

async function trial(topo: Topology, target: TargetName, kind: DisconnectKind, waitMs: number) {
  const { mock: mockName, stream } = KINDS[kind];
  const mock: Mock = topo.mocks[mockName];
  const spec = topo.request(target, mockName, stream);
  const controller = new AbortController();
  let abortedAt = 0;
  const abort = () => {
    if (abortedAt) return;
    abortedAt = wallNow();
    controller.abort();
  };
  mock.aborts.drain();
  const started = performance.now();
  let request: Promise<unknown>;
  if (kind === "mid-stream") {
    request = streamOnce(spec, {
      signal: controller.signal,
      onEvent: (seq) => seq >= 1 && abort(),
    });
  } else {
    request = fetch(spec.url, {
      method: "POST",
      headers: spec.headers,
      body: spec.body,
      signal: controller.signal,
    }).then((r) => r.arrayBuffer());
    setTimeout(abort, 150);
  }
  await request.catch(() => undefined);
  if (!abortedAt) return undefined; // The request ended before it could be aborted.
  // An abort line older than the client's abort belongs to an earlier trial.
  let seen: number | undefined;
  const deadline = performance.now() + waitMs;
  while (seen === undefined && performance.now() < deadline) {
    const at = await mock.aborts.next(deadline - performance.now());
    if (at !== undefined && at >= abortedAt - 1) seen = at;
  }
  if (seen === undefined) {
    // Let the mock's unabandoned answer finish so its late events cannot leak into the next trial.
    await sleep(Math.max(0, 3300 - (performance.now() - started)));
    return Number.NaN;
  }
  return seen - abortedAt;
}

export async function disconnect(
  topo: Topology,
  options: DisconnectOptions,
): Promise<DisconnectResult> {
  const kinds = {} as DisconnectResult["kinds"];
  for (const kind of Object.keys(KINDS) as DisconnectKind[]) {
    kinds[kind] = {};
    // The bare pass-throughs are latency floors, not gateways with abort handling to judge.
    for (const target of topo.targets.filter((t) => t !== "bare" && t !== "bare-deno")) {
      const deltas: number[] = [];
      let missed = 0;
      let missesInARow = 0;
      let trials = 0;
      for (let i = 0; i < options.trials && missesInARow < MISSES_TO_GIVE_UP; i++) {
        const delta = await trial(topo, target, kind, options.waitMs);
        if (delta === undefined) continue;
        trials++;
        if (Number.isNaN(delta)) {
          missed++;
          missesInARow++;
        } else {
          deltas.push(delta);
          missesInARow = 0;
        }
      }
      kinds[kind][target] = { summary: summarize(deltas), trials, missed };
    }
  }
  return { options, kinds };
}
