/**
 * Preloaded into a Nexus process by bench/heap-start.ts (`bun --preload`): after
 * NEXUS_HEAP_PROBE_MS, a full collection, then `bun:jsc` heapStats written as one JSON line
 * to NEXUS_HEAP_PROBE_OUT, and the process exits. With NEXUS_HEAP_PROBE_ON=SIGUSR2
 * (bench/stream-heap-serve.ts), a line is appended each time the process gets that signal
 * instead, and it goes on. Bun only.
 * @module
 */
import { appendFileSync, writeFileSync } from "node:fs";
import process from "node:process";

const jsc = await import("bun:jsc");
const out = process.env.NEXUS_HEAP_PROBE_OUT;
const on = process.env.NEXUS_HEAP_PROBE_ON;
/** The heap after a full collection, as one JSON line. */
function counted(): string {
  jsc.fullGC();
  const stats = jsc.heapStats();
  return JSON.stringify({
    cells: stats.objectCount,
    bytes: stats.heapSize,
    types: stats.objectTypeCounts,
  }) + "\n";
}
if (out && on) {
  process.on(on, () => appendFileSync(out, counted()));
} else if (out) {
  setTimeout(() => {
    writeFileSync(out, counted());
    process.exit(0);
  }, Number(process.env.NEXUS_HEAP_PROBE_MS ?? 2000));
}
