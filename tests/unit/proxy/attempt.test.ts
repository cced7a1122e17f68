/**
 * One `Attempt` against a scripted in-memory upstream on a FakeClock: every deadline (connect,
 * first byte, idle) fires exactly when the clock says, and the backend's pending count returns to
 * zero whatever happens. (Keep-alives before a slow first token: tests/unit/exchange/hold.test.ts.)
 */
import { describe, expect, test } from "bun:test";
import { chatEndpoint, openaiDialect } from "../../../src/dialects/mod.ts";
import { Attempt } from "../../../src/proxy/attempt.ts";
import type { AttemptCall, AttemptSpec } from "../../../src/proxy/attempt-types.ts";
import { ResponseTap, type StreamEnd } from "../../../src/proxy/mod.ts";
import { type Backend, Registry } from "../../../src/registry/mod.ts";
import type { TcpProbeResult } from "../../../src/runtime/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { readAll, ScriptedFetch, settle } from "../../helpers/scripted-fetch.ts";

const DEADLINES = { firstByteMs: 10_000, idleMs: 3_000, keepAliveMs: 1_000, connectMs: 500 };

interface Setup {
  readonly clock: FakeClock;
  readonly upstream: ScriptedFetch;
  readonly registry: Registry;
  readonly backend: Backend;
  readonly ends: StreamEnd[];
  readonly client: AbortController;
  /** An attempt with the call it sends. */
  attempt(options?: { stream?: boolean; tcpProbe?: () => Promise<TcpProbeResult> }): {
    run(): ReturnType<Attempt["run"]>;
  };
}

function setup(): Setup {
  const clock = new FakeClock();
  const upstream = new ScriptedFetch();
  const registry = new Registry();
  const backend = registry.add({
    name: "gpu",
    url: "http://gpu.test:8000",
    type: "vllm",
    priority: 50,
    source: "static",
  }, { status: "healthy", models: [{ id: "m", capabilities: {} }] });
  const ends: StreamEnd[] = [];
  const client = new AbortController();
  return {
    clock,
    upstream,
    registry,
    backend,
    ends,
    client,
    attempt(options = {}) {
      const text = JSON.stringify({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        stream: options.stream ?? false,
      });
      const parsed = chatEndpoint.parse(JSON.parse(text), text);
      if ("kind" in parsed) throw new TypeError(parsed.message);
      const call: AttemptCall = {
        plan: chatEndpoint.plan(parsed, { backend, model: "m" }),
        headers: {},
      };
      const spec: AttemptSpec = {
        backend,
        dialect: openaiDialect,
        requestSignal: client.signal,
        deadlines: DEADLINES,
        tap: new ResponseTap(),
        onStreamEnd: (end) => ends.push(end),
        // As admission does: the slot is taken before the attempt, given back when it is over.
        release: (failed) => registry.endRequest(backend, failed),
      };
      registry.beginRequest(backend);
      const attempt = new Attempt({
        fetch: upstream.fetch,
        clock,
        registry,
        ...(options.tcpProbe ? { tcpProbe: (_h, _p, _t) => options.tcpProbe!() } : {}),
      }, spec);
      return { run: () => attempt.run(call) };
    },
  };
}

describe("Attempt, non-stream", () => {
  test("commits the backend's answer and returns the pending count to zero", async () => {
    const s = setup();
    const running = s.attempt().run();
    const exchange = await s.upstream.exchange();
    expect(s.backend.pending).toBe(1);
    expect(exchange.url).toBe("http://gpu.test:8000/v1/chat/completions");
    exchange.respondWhole(200, '{"ok":true}');
    const result = await running;
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(new TextDecoder().decode(result.body as Uint8Array)).toBe('{"ok":true}');
    expect(s.backend.pending).toBe(0);
    expect(s.backend.errors).toBe(0);
  });

  test("fails with the first-byte deadline exactly when it passes", async () => {
    const s = setup();
    const running = s.attempt().run();
    const exchange = await s.upstream.exchange();
    s.clock.advance(DEADLINES.firstByteMs - 1);
    await settle();
    expect(exchange.signal.aborted).toBe(false);
    s.clock.advance(1);
    const result = await running;
    expect(result).toMatchObject({
      ok: false,
      kind: "timeout",
      message: "no response within 10 s",
    });
    expect(exchange.signal.aborted).toBe(true);
    expect(s.backend.pending).toBe(0);
    expect(s.backend.errors).toBe(1);
    expect(s.backend.last_error).toBe("no response within 10 s");
  });

  test("a 5xx is a failure with its status and Retry-After, so the forwarder can fail over", async () => {
    const s = setup();
    const running = s.attempt().run();
    (await s.upstream.exchange()).respondWhole(503, "busy", { "retry-after": "7" });
    expect(await running).toMatchObject({
      ok: false,
      kind: "status",
      status: 503,
      retryAfter: "7",
      message: "HTTP 503: busy",
    });
    expect(s.backend.pending).toBe(0);
  });

  test("a 200 whose JSON does not parse fails over instead of reaching the client", async () => {
    const s = setup();
    const running = s.attempt().run();
    (await s.upstream.exchange()).respondWhole(200, "{not json");
    expect(await running).toMatchObject({ ok: false, kind: "invalid_response" });
  });
});

describe("Attempt, connect watchdog", () => {
  test("nothing listening: fails over after connect_timeout, not after the first-byte deadline", async () => {
    const s = setup();
    const running = s.attempt({ tcpProbe: () => Promise.resolve("refused") }).run();
    await s.upstream.exchange();
    s.clock.advance(DEADLINES.connectMs);
    expect(await running).toMatchObject({
      ok: false,
      kind: "network",
      message: "connection refused",
    });
    expect(s.backend.pending).toBe(0);
  });

  test("a live port keeps waiting for the first byte (a model still loading)", async () => {
    const s = setup();
    let probes = 0;
    const running = s.attempt({
      tcpProbe: () => {
        probes++;
        return Promise.resolve("open");
      },
    }).run();
    const exchange = await s.upstream.exchange();
    s.clock.advance(DEADLINES.connectMs);
    await settle();
    expect(probes).toBe(1);
    expect(exchange.signal.aborted).toBe(false);
    exchange.respondWhole(200, "{}");
    expect((await running).ok).toBe(true);
  });

  test("a live port still gets its first-byte deadline, counted from the send", async () => {
    const s = setup();
    const running = s.attempt({ tcpProbe: () => Promise.resolve("open") }).run();
    const exchange = await s.upstream.exchange();
    s.clock.advance(DEADLINES.connectMs);
    await settle();
    s.clock.advance(DEADLINES.firstByteMs - DEADLINES.connectMs - 1);
    expect(exchange.signal.aborted).toBe(false);
    s.clock.advance(1);
    expect(await running).toMatchObject({ ok: false, kind: "timeout" });
    expect(s.backend.pending).toBe(0);
  });

  test("headers before the connect deadline: no probe, and the first chunk keeps its deadline", async () => {
    const s = setup();
    let probes = 0;
    const running = s.attempt({
      stream: true,
      tcpProbe: () => {
        probes++;
        return Promise.resolve("refused");
      },
    }).run();
    const exchange = await s.upstream.exchange();
    exchange.respond();
    await settle();
    s.clock.advance(DEADLINES.connectMs);
    await settle();
    expect(probes).toBe(0);
    s.clock.advance(DEADLINES.firstByteMs - DEADLINES.connectMs - 1);
    expect(exchange.signal.aborted).toBe(false);
    s.clock.advance(1);
    expect(await running).toMatchObject({ ok: false, kind: "timeout" });
  });
});

describe("Attempt, stream", () => {
  test("relays the upstream's bytes as they are and ends complete", async () => {
    const s = setup();
    const running = s.attempt({ stream: true }).run();
    const exchange = await s.upstream.exchange();
    exchange.respond();
    exchange.push('data: {"a":1}\n\n');
    const result = await running;
    if (!result.ok) throw new TypeError(result.message);
    expect(result.status).toBe(200);
    const body = readAll(result.body as ReadableStream<Uint8Array>);
    exchange.push("data: [DONE]\n\n");
    exchange.end();
    expect((await body).text).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
    expect(s.ends).toEqual(["complete"]);
    expect(s.backend.pending).toBe(0);
  });

  test("headers without a first chunk: the first-byte deadline fails the attempt over", async () => {
    const s = setup();
    const running = s.attempt({ stream: true }).run();
    const exchange = await s.upstream.exchange();
    exchange.respond();
    s.clock.advance(DEADLINES.firstByteMs);
    expect(await running).toMatchObject({ ok: false, kind: "timeout" });
    expect(exchange.signal.aborted).toBe(true);
    expect(s.backend.pending).toBe(0);
  });

  test("the idle deadline cuts a stream that goes silent, finishing its half-written event", async () => {
    const s = setup();
    const running = s.attempt({ stream: true }).run();
    const exchange = await s.upstream.exchange();
    exchange.respond();
    exchange.push('data: {"a":1}\n\ndata: {"b"');
    const result = await running;
    if (!result.ok) throw new TypeError(result.message);
    const body = readAll(result.body as ReadableStream<Uint8Array>);
    s.clock.advance(DEADLINES.idleMs - 1);
    await settle();
    expect(exchange.signal.aborted).toBe(false);
    s.clock.advance(1);
    const { text } = await body;
    expect(text.startsWith('data: {"a":1}\n\ndata: {"b"\n\ndata: {"error":')).toBe(true);
    expect(text).toContain("silent for more than 3 s");
    expect(exchange.signal.aborted).toBe(true);
    expect(s.ends).toEqual(["timeout"]);
    expect(s.backend.pending).toBe(0);
  });

  test("chunks re-arm the idle deadline: a stream that keeps talking is never cut", async () => {
    const s = setup();
    const running = s.attempt({ stream: true }).run();
    const exchange = await s.upstream.exchange();
    exchange.respond();
    exchange.push("data: 0\n\n");
    const result = await running;
    if (!result.ok) throw new TypeError(result.message);
    const body = readAll(result.body as ReadableStream<Uint8Array>);
    for (let i = 1; i <= 5; i++) {
      s.clock.advance(DEADLINES.idleMs - 100);
      await settle();
      exchange.push(`data: ${i}\n\n`);
      await settle();
    }
    exchange.end();
    expect((await body).text).not.toContain("error");
    expect(s.ends).toEqual(["complete"]);
  });

  test("a client that leaves cancels the upstream and frees the backend", async () => {
    const s = setup();
    const running = s.attempt({ stream: true }).run();
    const exchange = await s.upstream.exchange();
    exchange.respond();
    exchange.push("data: 1\n\n");
    const result = await running;
    if (!result.ok) throw new TypeError(result.message);
    const reader = (result.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel("client gone");
    s.client.abort();
    await settle();
    expect(exchange.signal.aborted).toBe(true);
    expect(s.ends).toEqual(["client_closed"]);
    expect(s.backend.pending).toBe(0);
    expect(s.backend.errors).toBe(0);
  });

  test("a backend that breaks the stream mid-way gets one in-stream error, no hang", async () => {
    const s = setup();
    const running = s.attempt({ stream: true }).run();
    const exchange = await s.upstream.exchange();
    exchange.respond();
    exchange.push("data: 1\n\n");
    const result = await running;
    if (!result.ok) throw new TypeError(result.message);
    const body = readAll(result.body as ReadableStream<Uint8Array>);
    exchange.fail();
    const { text, error } = await body;
    expect(error).toBeUndefined();
    expect(text).toMatch(/^data: 1\n\ndata: \{"error":\{"message":"Backend gpu failed: /);
    expect(s.ends).toEqual(["upstream_error"]);
    expect(s.backend.errors).toBe(1);
  });
});
