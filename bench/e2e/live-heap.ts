/**
 * Nexus's live JavaScript heap, read from a running gateway: the gateway runs with
 * bench/heap-signal.ts in front of it (preloaded under Bun, compiled in for a binary), and on
 * SIGUSR2 it makes a full collection and writes its heap by type. RSS alone is a poor witness of
 * a leak: a deliberate one keeping each stream's forwarding (~32 cells, ~3.4 KB a stream) raised
 * the live heap by 31k cells per round of 1,000 streams while the RSS floor moved 0.2 MiB in three
 * rounds (bench/RESULTS.md, "Memory over many rounds"). Bun only.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { sleep } from "./client.ts";
import { BUN, ROOT, TMP } from "./paths.ts";

export const HEAP_SIGNAL = `${ROOT}bench/heap-signal.ts`;

/** What heap-signal.ts writes: the heap as found, then after a full collection, by type. */
export interface HeapSnapshot {
  readonly rss: number;
  readonly heapSize: number;
  readonly cells: number;
}
export interface HeapProbe {
  readonly before: HeapSnapshot;
  readonly after: HeapSnapshot;
  readonly types: Record<string, number>;
}

/** The live heap after a full collection, as a benchmark row reports it. */
export interface LiveHeap {
  readonly cells: number;
  readonly mb: number;
}

/**
 * Compiles `entry` with the probe imported first into `out`, with the flags of scripts/build.ts
 * (`probe: false` compiles `entry` alone: the bare pass-through's binary).
 */
export function compileWithProbe(entry: string, out: string, probe = true): string {
  const wrapper = `${out}-entry.ts`;
  writeFileSync(wrapper, (probe ? `import "${HEAP_SIGNAL}";\n` : "") + `import "${entry}";\n`);
  const build = spawnSync(
    BUN,
    ["build", "--compile", "--minify", "--bytecode", "--format=esm", wrapper, "--outfile", out],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  rmSync(wrapper, { force: true });
  if (build.status !== 0) throw new Error(`bun build --compile ${entry} failed`);
  return out;
}

/** Where `compileNexusProbe` puts the probe binary (gitignored; removed by whoever built it). */
export const NEXUS_PROBE_BINARY = `${TMP}nexus-heap-probe`;

/** The probe binary of `root`'s Nexus (dist/nexus with heap-signal.ts in front). */
export function compileNexusProbe(root = ROOT): string {
  return compileWithProbe(`${root}src/main.ts`, NEXUS_PROBE_BINARY);
}

/** Signals the gateway's probe and waits for the line it appends to `out`. */
export async function probeHeap(pid: number, out: string): Promise<HeapProbe> {
  const lines = () => existsSync(out) ? readFileSync(out, "utf8").split("\n").filter(Boolean) : [];
  const seen = lines().length;
  process.kill(pid, "SIGUSR2");
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    await sleep(50);
    const now = lines();
    if (now.length > seen) return JSON.parse(now[now.length - 1]!) as HeapProbe;
  }
  throw new Error(`no heap probe from ${pid}`);
}

export function liveHeapOf(probe: HeapProbe): LiveHeap {
  return { cells: probe.after.cells, mb: probe.after.heapSize / 2 ** 20 };
}
