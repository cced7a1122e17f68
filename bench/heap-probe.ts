/**
 * Preloaded into a Nexus process by bench/heap-start.ts (`bun --preload`): after
 * NEXUS_HEAP_PROBE_MS, a full collection, then `bun:jsc` heapStats written as one JSON line
 * to NEXUS_HEAP_PROBE_OUT, and the process exits. Bun only.
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";

const jsc = await import("bun:jsc");
const out = process.env.NEXUS_HEAP_PROBE_OUT;
if (out) {
  setTimeout(() => {
    jsc.fullGC();
    const stats = jsc.heapStats();
    writeFileSync(
      out,
      JSON.stringify({
        cells: stats.objectCount,
        bytes: stats.heapSize,
        types: stats.objectTypeCounts,
      }) + "\n",
    );
    process.exit(0);
  }, Number(process.env.NEXUS_HEAP_PROBE_MS ?? 2000));
}
