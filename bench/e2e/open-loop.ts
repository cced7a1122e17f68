/**
 * Fixed request rate (open loop): requests are sent on a schedule — request i at
 * start + i / rate — whatever happened to the ones before, as real clients arrive, instead of
 * each connection waiting for its last answer (closed loop, wrk). `wrk2` would do this in C; it is
 * not packaged for Debian, so this is the scheduler, in the harness's own process.
 *
 * Coordinated omission: a closed-loop client that waits for a slow answer sends nothing while it
 * waits, so exactly the requests that would have seen the stall are never sent and never
 * measured (Gil Tene's term). Here every latency is measured from the request's *intended* send
 * time, not from when it was actually sent: if the gateway (or this process) stalls for 5 ms,
 * the requests scheduled inside those 5 ms are sent late and each is charged from its own slot,
 * as wrk2 does. The scheduler wakes on a timer (~1.1 ms apart under Bun), sends every request
 * whose slot has passed, and records how late it sent each one ("send lag"); that lag is part of
 * every target's latency alike (direct included), so the added figures (gateway − direct) do not
 * contain it. Requests in flight are not capped (a fetch pool that grows), but one not answered
 * within `timeoutMs` counts as an error, as does any status but 200.
 * @module
 */
import { cpuTimeUs } from "./closed-loop.ts";
import type { RequestSpec } from "./client.ts";
import { rotate } from "./sequential.ts";
import { quantile, sortedCopy } from "./stats.ts";
import type { TargetName, Topology } from "./topology.ts";

export interface OpenLoopOptions {
  /** Requests per second, one figure set each. */
  readonly rates: readonly number[];
  readonly seconds: number;
  /** Sent before each measured window at the same rate, not counted. */
  readonly warmupSeconds: number;
  readonly timeoutMs: number;
}

export interface OpenLoopRun {
  readonly rate: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  /** Answered requests per second over the window. */
  readonly achieved: number;
  /** Intended send time → last byte, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** How late the scheduler sent requests (actual − intended), ms. */
  readonly lagP50: number;
  readonly lagP99: number;
  /** The gateway's CPU (user + system) per request over the window, µs. */
  readonly gatewayCpuUs?: number;
}

export interface OpenLoopResult {
  readonly options: OpenLoopOptions;
  /** Per rate, per target. */
  readonly runs: Record<string, Partial<Record<TargetName, OpenLoopRun>>>;
  /** Per rate, per gateway: its p50 / p99 / p99.9 − direct's. */
  readonly added: Record<
    string,
    Partial<Record<TargetName, { p50: number; p99: number; p999: number }>>
  >;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `rate` requests a second for `seconds`; latencies from each request's intended slot. */
export async function fixedRate(
  spec: RequestSpec,
  rate: number,
  seconds: number,
  timeoutMs: number,
  gatewayPid?: number,
): Promise<OpenLoopRun> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const init = { method: "POST", headers: spec.headers, body: spec.body };
  const cpu0 = gatewayPid ? cpuTimeUs(gatewayPid) : 0;
  const start = performance.now() + 5;
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    for (; sent < total; sent++) {
      const intended = start + sent * interval;
      if (intended > now) break;
      lags.push(now - intended);
      pending.push(
        fetch(spec.url, { ...init, signal: AbortSignal.timeout(timeoutMs) }).then(
          async (response) => {
            await response.arrayBuffer();
            if (response.status === 200) latencies.push(performance.now() - intended);
            else errors++;
          },
          () => void errors++,
        ),
      );
    }
    if (sent < total) await sleep(Math.max(0, start + sent * interval - performance.now()));
  }
  await Promise.all(pending);
  const cpu1 = gatewayPid ? cpuTimeUs(gatewayPid) : 0;
  const elapsed = (performance.now() - start) / 1000;
  const sorted = sortedCopy(latencies);
  const sortedLags = sortedCopy(lags);
  return {
    rate,
    sent: total,
    ok: latencies.length,
    errors,
    achieved: latencies.length / elapsed,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    lagP50: quantile(sortedLags, 0.5),
    lagP99: quantile(sortedLags, 0.99),
    ...(gatewayPid ? { gatewayCpuUs: (cpu1 - cpu0) / total } : {}),
  };
}

/** Every rate, every target (order rotated per rate), direct first in the comparisons. */
export async function openLoop(
  topo: Topology,
  options: OpenLoopOptions,
  targets: readonly TargetName[],
): Promise<OpenLoopResult> {
  const runs: OpenLoopResult["runs"] = {};
  const added: OpenLoopResult["added"] = {};
  for (const [i, rate] of options.rates.entries()) {
    const here: Partial<Record<TargetName, OpenLoopRun>> = {};
    for (const target of rotate(targets, i)) {
      const spec = topo.request(target, "fast", false);
      const pid = target === "direct" ? undefined : topo.gateways[target]?.proc.pid;
      await fixedRate(spec, rate, options.warmupSeconds, options.timeoutMs);
      here[target] = await fixedRate(spec, rate, options.seconds, options.timeoutMs, pid);
    }
    runs[rate] = here;
    const direct = here.direct;
    const diff: Partial<Record<TargetName, { p50: number; p99: number; p999: number }>> = {};
    for (const target of targets) {
      const run = here[target];
      if (target === "direct" || !run || !direct) continue;
      diff[target] = {
        p50: run.p50 - direct.p50,
        p99: run.p99 - direct.p99,
        p999: run.p999 - direct.p999,
      };
    }
    added[rate] = diff;
  }
  return { options, runs, added };
}
