/**
 * Cold start of the compiled binary: exec → first 200 on /health (the server answers while its
 * first health round runs), and the wall time of `nexus --help`. The baseline is the cost of
 * starting any process from this harness (`/bin/true`, pinned the same way).
 * @module
 */
import { sleep } from "./client.ts";
import { spawnProc, timeCommand } from "./procs.ts";
import { summarize, type Summary } from "./stats.ts";
import { cleanEnv, freePort, nexusCommand, type NexusMode, SERVER_CPU } from "./topology.ts";
import { TMP } from "./paths.ts";

export interface ColdStartResult {
  readonly runs: number;
  readonly mode: NexusMode;
  readonly health: Summary;
  readonly help: Summary;
  readonly version: Summary;
  readonly spawnBaseline: Summary;
}

const HEALTH_DEADLINE_MS = 5000;

async function timeToHealth(mode: NexusMode, config: string): Promise<number> {
  const port = await freePort();
  const [command, args] = nexusCommand(mode, ["serve", "-c", config, "-p", String(port)]);
  const started = performance.now();
  const proc = spawnProc("nexus-cold", command, args, {
    cpu: SERVER_CPU,
    env: cleanEnv(),
    cwd: TMP,
  });
  try {
    while (performance.now() - started < HEALTH_DEADLINE_MS) {
      const status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
      if (status === 200) return performance.now() - started;
      await sleep(1);
    }
    throw new Error(`no 200 on /health within ${HEALTH_DEADLINE_MS} ms:\n${proc.output()}`);
  } finally {
    await proc.stop();
  }
}

async function timeRuns(runs: number, command: string, args: string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await timeCommand(command, args, { cpu: SERVER_CPU });
    if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.code}`);
    times.push(result.ms);
  }
  return times;
}

export async function coldStart(
  mode: NexusMode,
  config: string,
  runs: number,
): Promise<ColdStartResult> {
  const [command, base] = nexusCommand(mode, []);
  await timeRuns(2, command, [...base, "--version"]); // page cache warm-up
  const health: number[] = [];
  for (let i = 0; i < runs; i++) health.push(await timeToHealth(mode, config));
  const help = await timeRuns(runs, command, [...base, "--help"]);
  const version = await timeRuns(runs, command, [...base, "--version"]);
  const spawnBaseline = await timeRuns(runs, "true", []);
  return {
    runs,
    mode,
    health: summarize(health),
    help: summarize(help),
    version: summarize(version),
    spawnBaseline: summarize(spawnBaseline),
  };
}
