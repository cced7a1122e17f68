/**
 * What one stream keeps alive while it streams, in a running `nexus serve` (or the bare
 * pass-through): bench/stream-heap.ts's count, with the runtime's own objects of a served and
 * fetched stream in it (Bun's request, response and upstream fetch). Each gateway runs with
 * bench/heap-signal.ts preloaded, which counts its heap after a full collection each time it is
 * sent SIGUSR2: once after warm-up streams, once with N streams of the fast mock's stalling model
 * in flight (each read to its first event). The bytes are JSC's heap size, the memory the runtime
 * charges the collector for outside the heap ("extra") among them. Bun only.
 *
 *   bun bench/stream-heap-serve.ts --gateway bare --gateway base=/tmp/perf-base --gateway new=.
 *     [--streams 64] [--top 20] [--body FILE]   (`MODEL` in it replaced)
 *
 * Gateways as bench/gc-log.ts's: `bare`, `NAME=ROOT`, `NAME=script:PATH:FLAGS`.
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { BUN, ROOT, TMP } from "./e2e/paths.ts";
import { killAllNow } from "./e2e/procs.ts";
import { chatBody, freePort, STALL_MODEL, startMock, writeNexusConfig } from "./e2e/topology.ts";
import { parseGatewaySpec } from "./e2e/gateway-spec.ts";

const { values } = parseArgs({
  options: {
    gateway: { type: "string", multiple: true, default: [] },
    streams: { type: "string", default: "64" },
    top: { type: "string", default: "20" },
    body: { type: "string" },
  },
});
const N = Number(values.streams);
mkdirSync(TMP, { recursive: true });
const children: ReturnType<typeof spawn>[] = [];
// The mock and every gateway go with this process, however it ends.
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  killAllNow();
});
const mock = await startMock("fast");
const bodyOf = (model: string) =>
  values.body === undefined
    ? chatBody(model, true)
    : readFileSync(values.body, "utf8").replaceAll("MODEL", model);

/** A line of bench/heap-signal.ts: the heap after its full collection, by type. */
interface Counted {
  readonly after: {
    readonly cells: number;
    readonly heapSize: number;
    readonly extraMemory: number;
  };
  readonly types: Record<string, number>;
}

/** Opens a stream of `model` and reads its first chunk; the reader is kept open. */
async function open(url: string, model: string) {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: bodyOf(model),
  });
  if (response.status !== 200) throw new Error(`${model}: ${response.status}`);
  const reader = response.body!.getReader();
  await reader.read();
  return reader;
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  while (!(await reader.read()).done);
}

for (const spec of values.gateway) {
  const { name, passThrough, flags, root } = parseGatewaySpec(spec);
  const port = await freePort();
  const out = `${TMP}stream-heap-serve-${name}.jsonl`;
  rmSync(out, { force: true });
  const args = passThrough !== undefined
    ? [
      passThrough,
      "--port",
      String(port),
      "--map",
      `${mock.model}=${mock.url},${STALL_MODEL}=${mock.url}`,
    ]
    : [`${root}/src/main.ts`, "serve", "-c", writeNexusConfig({ fast: mock }, port, { name })];
  const child = spawn(BUN, ["--preload", `${ROOT}bench/heap-signal.ts`, ...args], {
    env: {
      ...process.env,
      NEXUS_HEAP_SIGNAL_OUT: out,
      BARE_FLAGS: flags,
    },
    stdio: "ignore",
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0;; i++) {
    const listed = await fetch(`${url}/v1/models`).then((r) => r.text()).catch(() => "");
    if (listed.includes(mock.model) || (root === undefined && listed !== "")) break;
    if (i > 300) throw new Error(`${name} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  /** Sends SIGUSR2 and waits for the probe's next line. */
  const count = async (): Promise<Counted> => {
    const lines = () => readFileSync(out, { encoding: "utf8", flag: "a+" }).split("\n");
    const before = lines().length;
    child.kill("SIGUSR2");
    for (let i = 0; lines().length === before; i++) {
      if (i > 200) throw new Error(`${name}: no heap count`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const all = lines().filter(Boolean);
    return JSON.parse(all[all.length - 1]!) as Counted;
  };
  // Warm, as a server that has run as many streams at once before.
  for (let i = 0; i < 200; i++) await drain(await open(url, mock.model));
  for (let round = 0; round < 5; round++) {
    await Promise.all(Array.from({ length: N }, async () => drain(await open(url, mock.model))));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const idle = await count();
  const readers = await Promise.all(Array.from({ length: N }, () => open(url, STALL_MODEL)));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const during = await count();
  for (const reader of readers) reader.cancel().catch(() => {});
  child.kill("SIGKILL");
  rmSync(out, { force: true });
  const rows = Object.keys(during.types)
    .map((type) => [type, ((during.types[type] ?? 0) - (idle.types[type] ?? 0)) / N] as const)
    .filter(([, per]) => Math.abs(per) >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top));
  const per = (f: (c: Counted) => number) => Math.round((f(during) - f(idle)) / N);
  process.stdout.write(
    `${name}: ${((during.after.cells - idle.after.cells) / N).toFixed(1)} cells, ${
      per((c) => c.after.heapSize)
    } bytes per stream in flight (${per((c) => c.after.extraMemory)} of them extra)\n  ` +
      rows.map(([type, per]) => `${type} ${per.toFixed(2)}`).join(", ") + "\n",
  );
}
process.exit(0);
