/**
 * A mock LLM server on a real loopback socket (port 0), served by the runtime adapter so the
 * same test runs under `bun test` and `deno test`.
 */
import { createMockUpstream } from "../mock/mod.ts";
import type { MockOptions, MockUpstream } from "../mock/mod.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";

export interface MockBackend {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  readonly mock: MockUpstream;
  /** Ends open streams and hanging answers, then stops the server at once. */
  close(): Promise<void>;
}

export async function startMockBackend(options?: MockOptions): Promise<MockBackend> {
  const runtime = await loadRuntime();
  const mock = createMockUpstream(options);
  const server = await runtime.serve(mock.fetch, { hostname: "127.0.0.1", port: 0 });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    mock,
    async close() {
      // Deno's shutdown waits for open responses: end them first.
      mock.shutdown();
      await server.stop(true);
    },
  };
}

/**
 * Polls `condition` every few ms until it holds: for "the mock has received the request" and
 * similar facts that have no event. Throws after `timeoutMs` naming what it waited for.
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Splits an SSE body into its events (the text between blank lines), in order. */
export function sseEvents(text: string): string[] {
  return text.split("\n\n").filter((event) => event !== "");
}
