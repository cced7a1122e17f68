/**
 * The top frames of a V8/JSC `.cpuprofile` (Bun's `--cpu-prof`, Deno through the inspector):
 * self samples per function, and inclusive samples (the function or anything it called), as a
 * share of the samples taken while the process was busy (idle and program frames left out).
 *
 *   bun bench/prof-top.ts FILE.cpuprofile [--top 25] [--filter src/]
 *
 * Counted by samples, not by the time deltas between them: a sampling profiler charges the time
 * a thread slept to the first frame after it woke (see bench/RESULTS.md, "Profiles lie about
 * idle time").
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: number[];
  readonly hitCount?: number;
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples?: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "25" },
    filter: { type: "string" },
    callers: { type: "string" },
    /** Charge each sample to the nearest frame whose file contains this text (e.g. `src/`). */
    owner: { type: "string" },
  },
});
const file = positionals[0];
if (!file) {
  process.stderr.write("usage: bun bench/prof-top.ts FILE.cpuprofile [--top N] [--filter TEXT]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) parent.set(child, node.id);
}

const hits = new Map<number, number>();
if (profile.samples) { for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1); }
else for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);

const IDLE = new Set(["(idle)", "(program)", "(garbage collector)"]);
const label = (f: CallFrame) => {
  const where = f.url
    ? `${f.url.replace(/^.*\/(src|node_modules)\//, "$1/")}:${f.lineNumber + 1}`
    : "";
  return `${f.functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
};

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
let gc = 0;
for (const [id, count] of hits) {
  if (count === 0) continue;
  const node = byId.get(id)!;
  const name = node.callFrame.functionName;
  if (name === "(garbage collector)") gc += count;
  if (IDLE.has(name) && name !== "(garbage collector)") continue;
  busy += count;
  const key = label(node.callFrame);
  self.set(key, (self.get(key) ?? 0) + count);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    if (frame.functionName === "(root)") break;
    const k = label(frame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + count);
  }
}

const top = Number(values.top);
const show = (title: string, table: Map<string, number>) => {
  process.stdout.write(`\n${title} (of ${busy} busy samples; GC ${gc})\n`);
  const rows = [...table].filter(([k]) => !values.filter || k.includes(values.filter))
    .sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, count] of rows) {
    process.stdout.write(`${((100 * count) / busy).toFixed(1).padStart(5)} %  ${key}\n`);
  }
};
show("self", self);
show("inclusive", inclusive);

// --owner TEXT: each sample charged to the nearest frame of a file containing TEXT (with the
// runtime's native work it called directly: a Response built, a fetch started …).
if (values.owner) {
  const owned = new Map<string, number>();
  for (const [id, count] of hits) {
    const node = byId.get(id)!;
    if (count === 0 || IDLE.has(node.callFrame.functionName)) continue;
    let key = "(outside)";
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url.includes(values.owner)) {
        key = label(frame);
        break;
      }
    }
    owned.set(key, (owned.get(key) ?? 0) + count);
  }
  show(`owned by ${values.owner}`, owned);
}

// --callers NAME: who the samples whose own frame is NAME were called from (two levels up).
if (values.callers) {
  const callers = new Map<string, number>();
  for (const [id, count] of hits) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName !== values.callers || count === 0) continue;
    const up = parent.get(id);
    const up2 = up === undefined ? undefined : parent.get(up);
    const key = [up, up2].map((at) => at === undefined ? "-" : label(byId.get(at)!.callFrame))
      .join("  <  ");
    callers.set(key, (callers.get(key) ?? 0) + count);
  }
  show(`callers of ${values.callers}`, callers);
}
