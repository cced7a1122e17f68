/**
 * Health checks that never hurt a backend (issue 16), against a mock that serves like
 * llama-server: 3 HTTP worker threads, each held by one connection for as long as it stays open
 * (keep-alive 5 s), and one slot for completions.
 *
 * - Probing every second leaves no connection idle and never holds more than one: a direct
 *   client always finds a free worker (asserted on the mechanism, plus a generous bound: it never
 *   waits for a keep-alive timeout). The latency figures are in bench/probe-hygiene.ts.
 * - The chat path keeps no more connections to the backend than it has slots.
 * - Busy is not down: three streams hold every worker, the probe times out, and the backend is
 *   `busy` and routable while bytes flow; without progress the timeout counts as a failure.
 * - Requests failing while probes pass are reported, not wiped by the next passing probe.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createMockUpstream, type MockUpstream } from "../mock/mod.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import {
  type ConnectionRecord,
  startThreadPoolServer,
  type ThreadPoolServer,
  withSlots,
} from "../mock/thread-pool-server.ts";

const MODEL = "phi-3.gguf";
const KEEP_ALIVE_MS = 5000;
const DIRECT = "x-direct-client";

let server: ThreadPoolServer | undefined;
let mock: MockUpstream | undefined;
let gateway: RunningGateway | undefined;

afterEach(async () => {
  gateway?.gateway.stop();
  await gateway?.close();
  mock?.shutdown();
  await server?.close();
  gateway = server = mock = undefined;
});

/** llama-server with 3 HTTP threads and 1 slot, as on a ≤ 4-core mini PC. */
async function startLlamaServer(
  options: Parameters<typeof createMockUpstream>[0] = {},
  keepAliveMs = KEEP_ALIVE_MS,
) {
  mock = createMockUpstream({
    flavor: "llamacpp",
    models: [{ id: MODEL, context_length: 4096 }],
    ...options,
  });
  server = await startThreadPoolServer({
    threads: 3,
    keepAliveMs,
    handler: withSlots(mock.fetch, 1),
  });
  return server;
}

/** A completion straight to the backend, on a connection of its own (like curl). */
async function directRequest(llama: ThreadPoolServer): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${llama.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", connection: "close", [DIRECT]: "1" },
    body: chatBody(false),
    signal: AbortSignal.timeout(3 * KEEP_ALIVE_MS),
  });
  expect(response.status).toBe(200);
  await response.text();
  return performance.now() - started;
}

const chatBody = (stream: boolean) =>
  JSON.stringify({ model: MODEL, stream, messages: [{ role: "user", content: "hi" }] });

/** Direct clients mark their requests; the mark is visible even on a connection still queued. */
const fromNexus = (c: ConnectionRecord) => !c.preview.toLowerCase().includes(`${DIRECT}:`);

/** The most connections of `records` open at the same moment. */
function mostOpenAtOnce(records: readonly ConnectionRecord[]): number {
  const events = records.flatMap((c) =>
    [
      [c.acceptedAt, 1],
      [c.closedAt ?? Infinity, -1],
    ] as const
  ).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, change] of events) most = Math.max(most, open += change);
  return most;
}

describe("probe connection hygiene", () => {
  test(
    "probing every second leaves no idle connection, and a direct client never waits",
    async () => {
      const llama = await startLlamaServer({ latencyMs: 5 });
      gateway = await startGateway([{ name: "llama", url: llama.url, type: "llamacpp" }], {
        health_check: { interval_seconds: 1, timeout_seconds: 2 },
      });
      await gateway.gateway.start();
      const healthProbes = () =>
        llama.connections.filter((c) => fromNexus(c) && c.requests[0]?.path === "/health").length;
      const durations: number[] = [];
      // Direct requests one after another, across at least three more probe rounds.
      while (healthProbes() < 4) durations.push(await directRequest(llama));
      gateway.gateway.stop();
      const nexus = llama.connections.filter(fromNexus);
      await waitFor(
        () => nexus.every((c) => c.closedAt !== undefined),
        "probe connections to close",
      );

      const direct = llama.connections.filter((c) => !fromNexus(c));
      expect(direct.length).toBe(durations.length);
      // A free worker was there for every direct client, the moment it connected.
      expect(direct.filter((c) => c.waited)).toEqual([]);
      // Nexus held at most one connection at a time and none was left to the keep-alive timeout.
      expect(mostOpenAtOnce(nexus)).toBe(1);
      expect(nexus.filter((c) => c.closedBy === "keep-alive-timeout")).toEqual([]);
      // Generous (a loaded 2-core machine): no direct client waited for an idle socket to expire.
      expect(Math.max(...durations)).toBeLessThan(KEEP_ALIVE_MS);
    },
    30_000,
  );
});

describe("chat path keep-alive", () => {
  test("keeps at most as many connections to a llama.cpp backend as it has slots", async () => {
    // Bun and Deno keep one idle connection per request that ever ran at once (for minutes);
    // admission sends a backend no more requests at once than its slots, which bounds them. A
    // keep-alive longer than the test: only Nexus closing them would free the workers.
    const llama = await startLlamaServer({ latencyMs: 5 }, 60_000);
    gateway = await startGateway([{ name: "llama", url: llama.url, type: "llamacpp" }]);
    await gateway.gateway.health.runRound();
    expect(gateway.gateway.registry.get("llama")!.slots).toBe(1);
    const mark = llama.connections.length;
    await Promise.all([0, 1, 2].map(async () => {
      const response = await fetch(`${gateway!.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody(false),
      });
      expect(response.status).toBe(200);
      await response.text();
    }));
    const chat = llama.connections.slice(mark).filter(fromNexus);
    expect(chat.filter((c) => c.closedAt === undefined).length).toBeLessThanOrEqual(1);
    expect(mostOpenAtOnce(chat)).toBe(1);
    await directRequest(llama);
    expect(llama.connections.at(-1)!.waited).toBe(false);
  });
});

describe("busy is not down", () => {
  async function startBusy() {
    const llama = await startLlamaServer({ chunks: 50 });
    const clock = new FakeClock();
    // max_concurrent 3: Nexus sends three streams to the one-slot server, which queues two of
    // them itself (as llama-server does) — the three connections hold all three threads.
    const backend = { name: "llama", url: llama.url, type: "llamacpp", max_concurrent: 3 };
    gateway = await startGateway([backend], {
      health_check: { interval_seconds: 30, timeout_seconds: 5, failure_threshold: 1 },
      server: { sse_keepalive_seconds: 0, idle_timeout_seconds: 3600 },
    }, { clock });
    await gateway.gateway.health.runRound();
    expect(gateway.gateway.registry.get("llama")!.status).toBe("healthy");
    // The first stream sends two chunks and then thinks; the next two wait for the one slot.
    mock!.setFault({ kind: "hang-mid-stream", afterChunks: 2 });
    const streams = [0, 1, 2].map(() =>
      fetch(`${gateway!.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody(true),
      })
    );
    const first = await Promise.race(streams);
    expect(first.status).toBe(200);
    const reader = first.body!.getReader();
    await reader.read();
    await waitFor(() => llama.served() === 3, "three streams to hold every worker");
    return { llama, clock, streams };
  }

  /** One probe round whose probe waits for a worker until its deadline passes. */
  async function timedOutRound(clock: FakeClock) {
    const round = gateway!.gateway.health.runRound();
    clock.advance(5000);
    await round;
  }

  test(
    "a probe that times out while streams make progress marks the backend busy, and it stays routable",
    async () => {
      const { clock } = await startBusy();
      await timedOutRound(clock);
      const backend = gateway!.gateway.registry.get("llama")!;
      expect(backend.status).toBe("busy");
      expect(backend.last_error).toBe("timed out");
      const listed = await (await fetch(`${gateway!.url}/v1/backends`)).json();
      expect(listed.data[0].status).toBe("busy");
      const metrics = await (await fetch(`${gateway!.url}/metrics`)).text();
      expect(metrics).toContain('nexus_backends{status="busy"} 1');
      expect(gateway!.logs.some((line) => line.includes('"message":"backend busy"'))).toBe(true);
      // A new request is routed to the busy backend, not refused: its slots are all in use, so
      // it waits in Nexus's queue for one.
      const fourth = fetch(`${gateway!.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody(false),
      });
      fourth.catch(() => {});
      const queued = waitFor(
        () => gateway!.gateway.admission.waiting === 1,
        "the request to queue",
      );
      const outcome = await Promise.race([
        queued.then(() => "queued"),
        fourth.then((response) => `answered ${response.status}`),
      ]);
      expect(outcome).toBe("queued");
    },
    30_000,
  );

  test("without progress in the last interval, a timed-out probe counts as a failure", async () => {
    const { clock } = await startBusy();
    await timedOutRound(clock);
    expect(gateway!.gateway.registry.get("llama")!.status).toBe("busy");
    // The stream has been silent since: more than an interval plus a probe deadline passes.
    clock.advance(31_000);
    await timedOutRound(clock);
    expect(gateway!.gateway.registry.get("llama")!.status).toBe("unhealthy");
  }, 30_000);
});

describe("requests failing while probes pass", () => {
  test("stay reported: last_error keeps the request's error and one warning is logged", async () => {
    const backend = await startMockBackend({ flavor: "llamacpp", models: [{ id: MODEL }] });
    try {
      gateway = await startGateway([{ name: "llama", url: backend.url, type: "llamacpp" }]);
      await gateway.gateway.health.runRound();
      backend.mock.setFault({ kind: "status", status: 500, body: '{"error":"model crashed"}' });
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody(false),
      });
      expect(response.status).toBe(502);
      await response.text();
      await gateway.gateway.health.runRound();
      await gateway.gateway.health.runRound();
      const listed = (await (await fetch(`${gateway.url}/v1/backends`)).json()).data[0];
      expect(listed.status).toBe("healthy");
      expect(listed.errors).toBe(1);
      expect(listed.last_error).toContain("HTTP 500");
      const warnings = gateway.logs.filter((line) =>
        line.includes("backend requests failing while health checks pass")
      );
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toContain('"failed_requests":1');
    } finally {
      await backend.close();
    }
  });
});
