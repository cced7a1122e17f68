/**
 * Preloaded into a gateway by bench/memory-rounds.ts (`bun --preload`, or compiled in front of
 * src/main.ts for a probe binary): on SIGUSR2 it appends one JSON line to NEXUS_HEAP_SIGNAL_OUT
 * with the process's memory as found — RSS and the JSC heap — then the same after a full
 * collection, with the live cells by type. The gateway keeps running, so the
 * heap can be read after every round of traffic. Bun only; benchmarks only, never in src/.
 * @module
 */
import { appendFileSync } from "node:fs";
import process from "node:process";

const jsc = await import("bun:jsc");
const out = process.env.NEXUS_HEAP_SIGNAL_OUT;

function snapshot() {
  const heap = jsc.heapStats();
  const usage = process.memoryUsage();
  return {
    rss: usage.rss,
    heapSize: heap.heapSize,
    heapCapacity: heap.heapCapacity,
    extraMemory: heap.extraMemorySize,
    cells: heap.objectCount,
    protectedCells: heap.protectedObjectCount,
    arrayBuffers: usage.arrayBuffers,
  };
}

if (out) {
  process.on("SIGUSR2", () => {
    const before = snapshot();
    jsc.fullGC();
    const after = snapshot();
    appendFileSync(
      out,
      JSON.stringify({ before, after, types: jsc.heapStats().objectTypeCounts }) + "\n",
    );
  });
}
