/**
 * The live heap of a started `nexus serve`: each root's gateway (one backend, no discovery)
 * runs with bench/heap-probe.ts preloaded, which after start-up makes a full collection and
 * counts what is left by type (`bun:jsc` heapStats). What every full collection of a running
 * gateway marks (specs/023-performance-floor/walkthrough.md, "Sixth round, heap"). Bun only;
 * deterministic within a few dozen cells.
 *
 *   bun bench/heap-start.ts --root /tmp/perf-base --root . [--top 12] [--ms 2000]
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { BUN, ROOT, TMP } from "./e2e/paths.ts";
import { freePort } from "./e2e/topology.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true, default: [] },
    top: { type: "string", default: "12" },
    ms: { type: "string", default: "2000" },
  },
});
const roots = values.root.length > 0 ? values.root : [ROOT];
mkdirSync(TMP, { recursive: true });
const config = `${TMP}heap-start.toml`;
const out = `${TMP}heap-start.json`;

for (const root of roots) {
  const dir = root.endsWith("/") ? root : `${root}/`;
  // One backend that never answers: the heap of start-up, not of traffic.
  writeFileSync(
    config,
    `[server]\nhost = "127.0.0.1"\nport = ${await freePort()}\n[discovery]\nenabled = false\n` +
      `[[backends]]\nname = "heap"\nurl = "http://127.0.0.1:9"\ntype = "generic"\n`,
  );
  rmSync(out, { force: true });
  const run = spawnSync(
    BUN,
    ["--preload", `${ROOT}bench/heap-probe.ts`, `${dir}src/main.ts`, "serve", "-c", config],
    {
      env: { ...process.env, NEXUS_HEAP_PROBE_OUT: out, NEXUS_HEAP_PROBE_MS: values.ms },
      stdio: "ignore",
      timeout: 30_000,
    },
  );
  if (run.status !== 0) throw new Error(`${root}: exit ${run.status ?? run.signal}`);
  const { cells, bytes, types } = JSON.parse(readFileSync(out, "utf8")) as {
    cells: number;
    bytes: number;
    types: Record<string, number>;
  };
  const top = Object.entries(types).sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  process.stdout.write(
    `${root}: ${cells} cells, ${(bytes / 1e6).toFixed(2)} MB\n  ` +
      top.map(([type, n]) => `${type} ${n}`).join(", ") + "\n",
  );
}
