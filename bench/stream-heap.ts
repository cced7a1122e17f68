/**
 * What one stream keeps alive while it streams: N streams are opened on the gateway's fetch
 * handler in process (the in-process bench's gateway, bench/hot-path-upstream.ts), each upstream
 * stalled after its first event; once every client has read its first chunk, a full collection
 * and JSC's heap counted by type (`bun:jsc` heapStats) against the same count before, per
 * stream. Then the upstreams go on, every stream is read to its end, and the heap is counted
 * again (what is left is the bench's log lines and the dashboard's history, not streams). What
 * a stream keeps is what each young-generation collection finds live, and promotes, for every
 * stream in flight (specs/023-performance-floor/walkthrough.md, "Seventh round");
 * bench/stream-heap-serve.ts counts the same in a running `nexus serve`, the runtime's objects
 * of a served and fetched stream included. Bun only; deterministic within a few cells.
 *
 *   bun bench/stream-heap.ts [--root DIR]... [--contract] [--streams 64] [--top 40]
 *     [--case stream|responses-stream|...] [--messages N] [--prompt-bytes B] [--snapshot]
 *
 * `--contract`: the contract floor's handler (bench/hot-path-floors.ts) instead of a Nexus.
 * `--case`: the request (a stream case of bench/hot-path-upstream.ts); the stalled upstream
 * answers with the text stream whatever the case.
 * `--messages N --prompt-bytes B`: the body as a conversation of N messages, B bytes of content
 * in all (a chat client sends the whole history with every turn).
 * `--snapshot`: also heap snapshots (`Bun.generateHeapSnapshot`) before and with the streams in
 * flight: per stream, the cells by class (constructor names) and the edges that hold them
 * (holder class and field).
 * @module
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { TMP } from "./e2e/paths.ts";
import { contractHandler, type Handler } from "./hot-path-floors.ts";
import { CASES, MODEL, nexusFrom, TEXT_STREAM, upstream } from "./hot-path-upstream.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true, default: [] },
    contract: { type: "boolean", default: false },
    streams: { type: "string", default: "64" },
    "prompt-bytes": { type: "string", default: "0" },
    messages: { type: "string", default: "0" },
    top: { type: "string", default: "40" },
    case: { type: "string", default: "stream" },
    snapshot: { type: "boolean", default: false },
  },
});
const jsc = await import("bun:jsc");
mkdirSync(TMP, { recursive: true });
const N = Number(values.streams);
const c = CASES.find((each) => each.name === values.case && each.events !== undefined);
if (c === undefined) throw new Error(`--case: a stream case of bench/hot-path-upstream.ts`);
const body = padded(c.body, Number(values["prompt-bytes"]), Number(values.messages));
const bytes = String(new TextEncoder().encode(body).length);

/**
 * The case's body as a conversation of `messages` turns (when more than it has) whose contents
 * together are about `size` bytes (when given).
 */
function padded(text: string, size: number, messages: number): string {
  if (size <= 0 && messages <= 0) return text;
  const parsed = JSON.parse(text) as {
    messages?: { role: string; content: string }[];
    input?: string;
  };
  const turns = parsed.messages;
  if (turns === undefined) {
    if (size > 0) parsed.input = "lorem ipsum ".repeat(Math.ceil(size / 12)).slice(0, size);
    return JSON.stringify(parsed);
  }
  const last = turns[turns.length - 1]!;
  while (turns.length < messages) {
    turns.splice(turns.length - 1, 0, {
      role: turns.length % 2 === 0 ? "assistant" : "user",
      content: last.content,
    });
  }
  if (size > 0) {
    const each = Math.max(1, Math.floor(size / turns.length));
    for (const turn of turns) {
      turn.content = "lorem ipsum ".repeat(Math.ceil(each / 12)).slice(0, each);
    }
  }
  return JSON.stringify(parsed);
}

/** Released to let every stalled upstream go on. */
let release: () => void = () => {};
let gate = new Promise<void>((resolve) => (release = resolve));
let stalling = false;

/** The canned upstream, whose streams wait at `gate` after their first event while `stalling`. */
function stalled(input: string, init: RequestInit = {}): Promise<Response> {
  const answer = upstream(input, init);
  if (!stalling) return answer;
  return answer.then((response) => {
    if (response.headers.get("content-type") !== "text/event-stream") return response;
    let i = 0;
    const events = TEXT_STREAM;
    return new Response(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (i === 1) await gate;
          if (i < events.length) controller.enqueue(events[i++]!);
          else controller.close();
        },
        cancel() {},
      }, { highWaterMark: 0 }),
      { headers: response.headers },
    );
  });
}

/** A stream the client is reading, and its request (`nexus serve` keeps it to the end too). */
interface Open {
  readonly request: Request;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
}

async function open(handler: Handler): Promise<Open> {
  const request = new Request(`http://127.0.0.1:8000${c!.path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": bytes },
    body,
  });
  const response = await handler(request);
  if (response.status !== 200) throw new Error(`${c!.name}: ${response.status}`);
  const reader = response.body!.getReader();
  const first = await reader.read();
  if (first.done) throw new Error(`${c!.name}: empty stream`);
  return { request, reader };
}

async function drain({ reader }: Open): Promise<void> {
  while (!(await reader.read()).done);
}

/** The gateway's own timers (the log's batch, the late work) have run, and the heap is collected. */
async function settled(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    jsc.fullGC();
  }
}

type Counts = Record<string, number>;
const counted = () => {
  jsc.fullGC();
  const stats = jsc.heapStats();
  return {
    cells: stats.objectCount,
    bytes: stats.heapSize,
    types: { ...stats.objectTypeCounts } as Counts,
  };
};

/** JSC's heap snapshot: nodes and edges as flat arrays (`generateHeapSnapshot`). */
interface Snapshot {
  nodes: number[];
  nodeClassNames: string[];
  edges: number[];
  edgeTypes: string[];
  edgeNames: string[];
}
const NODE = 4; // id, size, class index, flags
const EDGE = 4; // from id, to id, type index, name or index

/** Bun's `generateHeapSnapshot("jsc")`: objects named by their constructor. */
const runtime = (globalThis as { Bun?: { generateHeapSnapshot(format: "jsc"): unknown } }).Bun;

function snapshot(): Snapshot {
  jsc.fullGC();
  return runtime!.generateHeapSnapshot("jsc") as Snapshot;
}

/**
 * A snapshot as counts: cells and bytes by class, and the edges that point at them by (holder
 * class, edge name). Node ids differ from one snapshot to the next, so two are compared as
 * counts, as heapStats is (and counted at once: a snapshot kept would be counted in the next).
 */
interface Tally {
  readonly cells: Map<string, number>;
  readonly size: Map<string, number>;
  readonly edges: Map<string, number>;
}

function tally(snap: Snapshot): Tally {
  const classOf = new Map<number, string>();
  const cells = new Map<string, number>();
  const size = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += NODE) {
    const cls = snap.nodeClassNames[snap.nodes[i + 2]!]!;
    classOf.set(snap.nodes[i]!, cls);
    cells.set(cls, (cells.get(cls) ?? 0) + 1);
    size.set(cls, (size.get(cls) ?? 0) + snap.nodes[i + 1]!);
  }
  const edges = new Map<string, number>();
  for (let i = 0; i < snap.edges.length; i += EDGE) {
    const type = snap.edgeTypes[snap.edges[i + 2]!];
    const data = snap.edges[i + 3]!;
    const name = type === "Property" || type === "Variable"
      ? snap.edgeNames[data]
      : type === "Index"
      ? "[i]"
      : "(internal)";
    const key = `${classOf.get(snap.edges[i + 1]!)} ← ${classOf.get(snap.edges[i]!)}.${name}`;
    edges.set(key, (edges.get(key) ?? 0) + 1);
  }
  return { cells, size, edges };
}

/**
 * A snapshot's tally written to a file and dropped: kept in memory, its strings would be in the
 * next snapshot.
 */
function kept(name: string): void {
  const { cells, size, edges } = tally(snapshot());
  const plain = (map: Map<string, number>) => Object.fromEntries(map);
  writeFileSync(
    `${TMP}stream-heap-${name}.json`,
    JSON.stringify({ cells: plain(cells), size: plain(size), edges: plain(edges) }),
  );
}

function load(name: string): Tally {
  const file = `${TMP}stream-heap-${name}.json`;
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<
    keyof Tally,
    Record<string, number>
  >;
  rmSync(file);
  const map = (record: Record<string, number>) => new Map(Object.entries(record));
  return { cells: map(json.cells), size: map(json.size), edges: map(json.edges) };
}

/** Per stream, what `b` holds more of than `a`. */
function snapshotDiff(a: Tally, b: Tally): string {
  const per = (x: Map<string, number>, y: Map<string, number>) =>
    [...new Set([...x.keys(), ...y.keys()])]
      .map((k) => [k, ((y.get(k) ?? 0) - (x.get(k) ?? 0)) / N] as const)
      .filter(([, n]) => Math.abs(n) >= 0.5)
      .sort((p, q) => q[1] - p[1]);
  const cells = per(a.cells, b.cells);
  const sizes = new Map(per(a.size, b.size));
  const total = cells.reduce((sum, [, n]) => sum + n, 0);
  const bytes = [...sizes.values()].reduce((sum, n) => sum + n, 0);
  const rows = cells.map(([cls, n]) =>
    `${n.toFixed(2).padStart(8)} ${String(Math.round(sizes.get(cls) ?? 0)).padStart(6)} B  ${cls}`
  );
  const edges = per(a.edges, b.edges).map(([key, n]) => `${n.toFixed(2).padStart(8)}  ${key}`);
  return `  snapshot: ${total.toFixed(1)} cells, ${
    Math.round(bytes)
  } bytes per stream, by class:\n` +
    rows.slice(0, Number(values.top)).join("\n") + "\n  edges per stream (held ← holder.edge):\n" +
    edges.join("\n") + "\n";
}

const targets = values.contract
  ? [{ name: "contract", handler: contractHandler(stalled) }]
  : await Promise.all(
    (values.root.length ? values.root : [new URL("../", import.meta.url).pathname]).map(
      async (root) => {
        const href = new URL(root.endsWith("/") ? root : `${root}/`, `file://${process.cwd()}/`)
          .href;
        return {
          name: root,
          handler: (await nexusFrom({ href, level: "info", fetch: stalled })).handler,
        };
      },
    ),
  );

for (const { name, handler } of targets) {
  // Warm, as a server that has run as many streams at once before: every lazily built structure
  // exists before the first count, and whatever the gateway keeps for the next streams is kept.
  for (let i = 0; i < 300; i++) await drain(await open(handler));
  for (let round = 0; round < 5; round++) {
    await Promise.all(Array.from({ length: N }, async () => drain(await open(handler))));
  }
  await settled();
  if (values.snapshot) kept("before");
  const before = counted();
  stalling = true;
  const readers: Open[] = [];
  for (let i = 0; i < N; i++) readers.push(await open(handler));
  const during = counted();
  if (values.snapshot) kept("during");
  release();
  await Promise.all(readers.map(drain));
  stalling = false;
  gate = new Promise<void>((resolve) => (release = resolve));
  await settled();
  const after = counted();
  const rows = Object.keys(during.types)
    .map((type) => [type, ((during.types[type] ?? 0) - (before.types[type] ?? 0)) / N] as const)
    .filter(([, per]) => Math.abs(per) >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  process.stdout.write(
    `${name} (${c.name}, body ${bytes} B, model ${MODEL}): ${
      ((during.cells - before.cells) / N).toFixed(1)
    } cells, ${Math.round((during.bytes - before.bytes) / N)} bytes per stream in flight; ` +
      `after the ${N} ended ${after.cells - before.cells} cells\n`,
  );
  for (const [type, per] of rows.slice(0, Number(values.top))) {
    process.stdout.write(`${per.toFixed(2).padStart(8)}  ${type}\n`);
  }
  if (values.snapshot) process.stdout.write(snapshotDiff(load("before"), load("during")));
}
process.exit(0);
