/**
 * `bun tests/mock/cli.ts [flags]` (or `deno run -A tests/mock/cli.ts`): serves the mock as its own
 * process, for the benchmark harness, the soak test and the network tests. Prints
 * `mock-upstream listening http://HOST:PORT` once listening, and `abort <path> <ms>` on stderr
 * whenever a chat client goes away (ms on the `performance.timeOrigin + now()` clock).
 * @module
 */
import { parseArgs } from "node:util";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { createMockUpstream } from "./mod.ts";
import type { MockFlavor, MockOptions } from "./types.ts";

const FLAVORS: readonly MockFlavor[] = ["ollama", "vllm", "llamacpp", "lmstudio", "openai"];

const USAGE = `Usage: mock-upstream [--port 0] [--host 127.0.0.1] [--flavor ${FLAVORS.join("|")}]
  [--latency MS] [--ttft MS] [--chunks N] [--gap MS] [--text TEXT] [--api-key KEY]
  [--models id,id,...] [--tool-arguments JSON] [--tool-chunks N]
  [--stall-model ID] [--stall-ms MS]
`;

const NUMBER_FLAGS = {
  latency: "latencyMs",
  ttft: "ttftMs",
  chunks: "chunks",
  gap: "chunkGapMs",
  "tool-chunks": "toolChunks",
  "stall-ms": "stallMs",
};

/** How often the CLI forgets recorded requests: a long benchmark would otherwise pile them up. */
const FORGET_EVERY_MS = 1000;

export async function runMockCli(): Promise<void> {
  const runtime = await loadRuntime();
  const fail = (message: string): never => {
    runtime.writeStderr(`mock-upstream: ${message}\n${USAGE}`);
    return runtime.exit(2);
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...runtime.args],
      strict: true,
      options: {
        port: { type: "string", default: "0" },
        host: { type: "string", default: "127.0.0.1" },
        flavor: { type: "string", default: "openai" },
        latency: { type: "string" },
        ttft: { type: "string" },
        chunks: { type: "string" },
        gap: { type: "string" },
        text: { type: "string" },
        "api-key": { type: "string" },
        models: { type: "string" },
        "tool-arguments": { type: "string" },
        "tool-chunks": { type: "string" },
        "stall-model": { type: "string" },
        "stall-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return fail((error as Error).message);
  }
  if (values.help) {
    runtime.writeStdout(USAGE);
    return runtime.exit(0);
  }
  const flavor = values.flavor as MockFlavor;
  if (!FLAVORS.includes(flavor)) fail(`unknown flavor "${flavor}"`);
  const options: MockOptions = { flavor };
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const raw = values[flag];
    if (typeof raw !== "string") continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) fail(`--${flag} must be a number >= 0, got "${raw}"`);
    (options as Record<string, number>)[key] = value;
  }
  if (typeof values.text === "string") options.text = values.text;
  if (typeof values["api-key"] === "string") options.apiKey = values["api-key"];
  if (typeof values["tool-arguments"] === "string") {
    options.toolArguments = values["tool-arguments"];
  }
  if (typeof values["stall-model"] === "string") options.stallModel = values["stall-model"];
  if (typeof values.models === "string") {
    options.models = values.models.split(",").filter(Boolean).map((id) => ({ id }));
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port "${values.port}"`);

  const mock = createMockUpstream(options);
  const host = String(values.host);
  const server = await runtime.serve(mock.fetch, { hostname: host, port });
  runtime.writeStdout(`mock-upstream listening http://${host}:${server.port}\n`);

  const forget = setInterval(() => mock.requests.splice(0), FORGET_EVERY_MS);
  void (async () => {
    for (;;) {
      const rec = await mock.nextAbort();
      runtime.writeStderr(`abort ${rec.path} ${rec.abortedAt!.toFixed(3)}\n`);
    }
  })();
  let stopping = false;
  const stop = () => {
    if (stopping) return runtime.exit(130);
    stopping = true;
    clearInterval(forget);
    mock.shutdown();
    void server.stop(true).finally(() => runtime.exit(0));
  };
  runtime.onSignal("SIGINT", stop);
  runtime.onSignal("SIGTERM", stop);
}

if (import.meta.main) await runMockCli();
