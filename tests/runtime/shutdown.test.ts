/**
 * Graceful shutdown with real `nexus serve` processes on Bun and Deno: in-flight streams finish,
 * late requests get 503 with Retry-After, streams still running at the drain deadline end with
 * one in-stream error event, the exit code is 0, and a second signal exits at once with 130.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type MockBackend, sseEvents, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type NexusProcess, startNexus, waitUntilRoutable } from "../helpers/processes.ts";

let mock: MockBackend;
const dir = mkdtempSync(join(tmpdir(), "nexus-shutdown-"));

beforeAll(async () => {
  mock = await startMockBackend({ models: [{ id: "m" }], chunks: 20, chunkGapMs: 50 });
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, shutdownSeconds: number): string {
  const path = join(dir, `${name}.toml`);
  writeFileSync(
    path,
    `[server]\nshutdown_timeout_seconds = ${shutdownSeconds}\n\n[[backends]]\nname = "mock"\nurl = "${mock.url}"\ntype = "generic"\n`,
  );
  return path;
}

const streamBody = JSON.stringify({
  model: "m",
  messages: [{ role: "user", content: "hi" }],
  stream: true,
});

/** The body comes back wrapped: an async function returning a bare promise would await it. */
async function openStream(nexus: NexusProcess): Promise<{ text: Promise<string> }> {
  const streamsBefore = mock.mock.activeStreams();
  const response = await fetch(`${nexus.url}/v1/chat/completions`, {
    method: "POST",
    body: streamBody,
  });
  expect(response.status).toBe(200);
  const text = response.text();
  await waitFor(
    () => mock.mock.activeStreams() > streamsBefore,
    "the stream to be open at the backend",
  );
  return { text };
}

for (const runtime of ["bun", "deno"] as const) {
  describe(`shutdown of a real ${runtime} process`, () => {
    test("lets an in-flight stream finish, refuses new requests with 503, exits 0", async () => {
      const nexus = await startNexus(runtime, [
        "-c",
        config(`drain-${runtime}`, 10),
        "--no-discovery",
      ]);
      await waitUntilRoutable(nexus.url, "m");
      const stream = await openStream(nexus);
      const exited = nexus.stop("SIGTERM");
      await waitFor(() => nexus.output().includes("Shutting down"), "the shutdown to begin");
      const late = await fetch(`${nexus.url}/v1/chat/completions`, {
        method: "POST",
        body: streamBody,
      });
      expect(late.status).toBe(503);
      expect(late.headers.get("retry-after")).toBe("5");
      expect((await late.json()).error.code).toBe("service_unavailable");
      const text = await stream.text;
      expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
      expect(text).not.toContain('"error"');
      expect(await exited).toBe(0);
      expect(nexus.output()).toContain("Stopped");
    }, 30_000);

    test(
      "ends streams still running at the deadline with one in-stream error event, exits 0",
      async () => {
        mock.mock.setOptions({ chunks: 400 });
        try {
          const nexus = await startNexus(runtime, [
            "-c",
            config(`deadline-${runtime}`, 0.3),
            "--no-discovery",
          ]);
          await waitUntilRoutable(nexus.url, "m");
          const stream = await openStream(nexus);
          const exited = nexus.stop("SIGTERM");
          const events = sseEvents(await stream.text);
          const last = JSON.parse(events[events.length - 1]!.slice("data: ".length));
          expect(last.error.code).toBe("service_unavailable");
          expect(last.error.message).toContain("shutting down");
          expect(events.filter((e) => e.includes('"error"'))).toHaveLength(1);
          expect(await exited).toBe(0);
          await waitFor(
            () => mock.mock.activeStreams() === 0,
            "the backend stream to be cancelled",
          );
        } finally {
          mock.mock.setOptions({ chunks: 20 });
        }
      },
      30_000,
    );

    test(
      "ends every stream still running at the deadline (several at once), exits 0",
      async () => {
        mock.mock.setOptions({ chunks: 400 });
        try {
          const nexus = await startNexus(runtime, [
            "-c",
            config(`deadline-several-${runtime}`, 0.3),
            "--no-discovery",
          ]);
          await waitUntilRoutable(nexus.url, "m");
          const streams = [];
          for (let i = 0; i < 4; i++) streams.push(await openStream(nexus));
          const exited = nexus.stop("SIGTERM");
          for (const stream of streams) {
            const events = sseEvents(await stream.text);
            const last = JSON.parse(events[events.length - 1]!.slice("data: ".length));
            expect(last.error.message).toContain("shutting down");
          }
          expect(await exited).toBe(0);
          expect(nexus.output()).not.toContain("Uncaught");
        } finally {
          mock.mock.setOptions({ chunks: 20 });
        }
      },
      30_000,
    );

    test("a second signal exits at once with 130", async () => {
      mock.mock.setOptions({ chunks: 400 });
      try {
        const nexus = await startNexus(runtime, [
          "-c",
          config(`force-${runtime}`, 60),
          "--no-discovery",
        ]);
        await waitUntilRoutable(nexus.url, "m");
        const stream = await openStream(nexus);
        // The forced exit cuts this stream: expect that, rather than an unhandled rejection.
        const cut = stream.text.catch(() => "");
        const exited = nexus.stop("SIGTERM");
        await waitFor(() => nexus.output().includes("Shutting down"), "the shutdown to begin");
        process.kill(nexus.child.pid!, "SIGINT");
        expect(await exited).toBe(130);
        await cut;
      } finally {
        mock.mock.setOptions({ chunks: 20 });
      }
    }, 30_000);
  });
}
