/**
 * Closed loop at c=64 with wrk (Debian's `wrk`, one thread, pinned to the load CPU): requests/s
 * and latency percentiles per target, in rotating rounds; ratios and differences are taken
 * within each round and their median reported. The CPU time the gateway and the mock spent per
 * request (from /proc) is recorded too: it does not depend on how the CPUs are shared.
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { timeCommand } from "./procs.ts";
import { TMP } from "./paths.ts";
import { rotate } from "./sequential.ts";
import { median } from "./stats.ts";
import { LOAD_CPU, type MockName, type TargetName, type Topology } from "./topology.ts";

export interface ClosedLoopOptions {
  readonly mock: MockName;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
}

export interface WrkRun {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly errors: number;
  /** CPU time (user + system) per request, µs: the gateway's (none for direct) and the mock's. */
  readonly gatewayCpuUs?: number;
  readonly mockCpuUs: number;
}

export interface ClosedLoopResult {
  readonly options: ClosedLoopOptions;
  readonly runs: Partial<Record<TargetName, WrkRun[]>>;
  readonly median: Partial<
    Record<
      TargetName,
      { rps: number; p50: number; p99: number; gatewayCpuUs?: number; mockCpuUs: number }
    >
  >;
  /** Per gateway: median over rounds of (gateway / direct) and (gateway − direct). */
  readonly relative: Partial<
    Record<TargetName, { rpsRatio: number; addedP50: number; addedP99: number }>
  >;
}

export function wrkAvailable(): boolean {
  return spawnSync("wrk", ["-v"], { stdio: "ignore" }).error === undefined;
}

/** wrk's Lua: the request, and a summary line in JSON (latency in µs). */
export function luaScript(body: string, headers: Record<string, string>): string {
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    ...Object.entries(headers).map(([k, v]) =>
      `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`
    ),
    "done = function(summary, latency, requests)",
    "  local e = summary.errors",
    '  io.write(string.format("WRKJSON {\\"requests\\":%d,\\"duration_us\\":%d,' +
    '\\"errors\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d}\\n",',
    "    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,",
    "    latency:percentile(50), latency:percentile(99)))",
    "end",
  ];
  return lines.join("\n") + "\n";
}

const TICKS_PER_SECOND = Number(
  spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim() || 100,
);

/** User + system CPU time of a process so far, µs (NaN when /proc cannot tell). */
export function cpuTimeUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

export async function wrk(
  url: string,
  script: string,
  connections: number,
  seconds: number,
  pids: { gateway?: number; mock: number },
): Promise<WrkRun> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", script, url];
  const gateway0 = pids.gateway ? cpuTimeUs(pids.gateway) : 0;
  const mock0 = cpuTimeUs(pids.mock);
  const result = await timeCommand("wrk", args, {
    cpu: LOAD_CPU,
    timeoutMs: (seconds + 30) * 1000,
  });
  const gateway1 = pids.gateway ? cpuTimeUs(pids.gateway) : 0;
  const mock1 = cpuTimeUs(pids.mock);
  const line = /WRKJSON (\{.*\})/.exec(result.stdout);
  if (!line) throw new Error(`wrk printed no summary (exit ${result.code}):\n${result.stdout}`);
  const raw = JSON.parse(line[1]!) as Record<string, number>;
  return {
    rps: raw.requests! / (raw.duration_us! / 1e6),
    p50: raw.p50_us! / 1000,
    p99: raw.p99_us! / 1000,
    requests: raw.requests!,
    errors: raw.errors!,
    ...(pids.gateway ? { gatewayCpuUs: (gateway1 - gateway0) / raw.requests! } : {}),
    mockCpuUs: (mock1 - mock0) / raw.requests!,
  };
}

export async function closedLoop(
  topo: Topology,
  options: ClosedLoopOptions,
): Promise<ClosedLoopResult> {
  const scripts = new Map<TargetName, { url: string; script: string }>();
  const pidsOf = (target: TargetName) => ({
    gateway: target === "direct" ? undefined : topo.gateways[target]!.proc.pid,
    mock: topo.mocks[options.mock].proc.pid,
  });
  for (const target of topo.targets) {
    const spec = topo.request(target, options.mock, false);
    const script = `${TMP}wrk-${target}-${options.mock}.lua`;
    writeFileSync(script, luaScript(spec.body, spec.headers));
    scripts.set(target, { url: spec.url, script });
    await wrk(spec.url, script, options.connections, options.warmupSeconds, pidsOf(target));
  }
  const runs: Partial<Record<TargetName, WrkRun[]>> = {};
  for (const target of topo.targets) runs[target] = [];
  const perRound: Partial<Record<TargetName, WrkRun>>[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const results: Partial<Record<TargetName, WrkRun>> = {};
    for (const target of rotate(topo.targets, round)) {
      const { url, script } = scripts.get(target)!;
      results[target] = await wrk(
        url,
        script,
        options.connections,
        options.seconds,
        pidsOf(target),
      );
      runs[target]!.push(results[target]!);
    }
    perRound.push(results);
  }
  const medians: ClosedLoopResult["median"] = {};
  for (const target of topo.targets) {
    const list = runs[target]!;
    medians[target] = {
      rps: median(list.map((r) => r.rps)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      ...(target === "direct" ? {} : { gatewayCpuUs: median(list.map((r) => r.gatewayCpuUs!)) }),
      mockCpuUs: median(list.map((r) => r.mockCpuUs)),
    };
  }
  const relative: ClosedLoopResult["relative"] = {};
  for (const target of topo.targets) {
    if (target === "direct") continue;
    relative[target] = {
      rpsRatio: median(perRound.map((r) => r[target]!.rps / r.direct!.rps)),
      addedP50: median(perRound.map((r) => r[target]!.p50 - r.direct!.p50)),
      addedP99: median(perRound.map((r) => r[target]!.p99 - r.direct!.p99)),
    };
  }
  return { options, runs, median: medians, relative };
}
