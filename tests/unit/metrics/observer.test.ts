/**
 * The observe hook on hand-made chat events with a manual clock: what is recorded when, under
 * which error type, how overhead is computed, and the log line in both formats.
 */
import { describe, expect, test } from "bun:test";
import type { ExchangeEvent } from "../../../src/exchange/mod.ts";
import { failure } from "../../../src/lib/failures.ts";
import { Logger, type LogLevel } from "../../../src/lib/logger.ts";
import { createObservability } from "../../../src/metrics/mod.ts";
import { type ProxyOutcome, ResponseTap, type StreamEnd } from "../../../src/proxy/mod.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { parseSamples, sampleValue } from "../../helpers/prometheus.ts";

function setup(level: LogLevel = "info", format: "json" | "pretty" = "json") {
  const clock = new FakeClock();
  const registry = new Registry();
  const backend = registry.add({
    name: "gpu",
    url: "http://gpu:1",
    type: "ollama",
    priority: 50,
    source: "static",
  });
  const lines: string[] = [];
  const logger = new Logger({
    level,
    format,
    write: (line) => lines.push(line),
    now: () => clock.now(),
  });
  const observability = createObservability({ registry, clock, logger, startedAt: clock.now() });
  const samples = async () => parseSamples(await observability.metricsText());
  return { clock, backend, lines, observability, samples };
}

type Setup = ReturnType<typeof setup>;

/** A routed request to `gpu` that started now; the test moves the clock before observing. */
function routed(
  s: Setup,
  outcome: Partial<ProxyOutcome> = {},
  options: { stream?: boolean; body?: string } = {},
) {
  const tap = new ResponseTap();
  if (options.body !== undefined) tap.setBody(new TextEncoder().encode(options.body));
  if (options.stream) tap.streaming = true;
  let resolve!: (end: StreamEnd) => void;
  const done = new Promise<StreamEnd>((r) => (resolve = r));
  const fullOutcome: ProxyOutcome = {
    ok: true,
    backend: s.backend,
    model: "m",
    status: 200,
    routeReason: "capability-match",
    attempts: [],
    ttfbMs: 2,
    upstreamMs: 2,
    queueWaitMs: 0,
    ...outcome,
  };
  const event: ExchangeEvent = {
    requestId: "req-1",
    endpoint: "chat",
    receivedAt: s.clock.monotonic(),
    requestedModel: "m",
    stream: options.stream ?? false,
    status: fullOutcome.status,
    result: {
      commit: fullOutcome.failure ? undefined : {
        ok: true,
        backend: s.backend,
        status: fullOutcome.status,
        contentType: "application/json",
        retryAfter: null,
        body: new Uint8Array(),
        ttfbMs: 2,
      },
      candidate: undefined,
      outcome: fullOutcome,
      done,
      tap,
    },
    ...(fullOutcome.failure ? { failure: fullOutcome.failure } : {}),
  };
  return { event, end: resolve };
}

const gpu = { model: "m", backend: "gpu" };

describe("observeExchange()", () => {
  test("records a non-stream request at once; overhead leaves out the time waiting on backends", async () => {
    const s = setup();
    const { event } = routed(s, { upstreamMs: 2 }, {
      body: '{"usage":{"prompt_tokens":5,"completion_tokens":7}}',
    });
    s.clock.advance(3);
    s.observability.observeExchange(event);
    const samples = await s.samples();
    expect(
      sampleValue(samples, "nexus_requests_total", { ...gpu, endpoint: "chat", status: "200" }),
    ).toBe(1);
    expect(sampleValue(samples, "nexus_request_duration_seconds_sum", { ...gpu, endpoint: "chat" }))
      .toBe(0.003);
    expect(sampleValue(samples, "nexus_time_to_first_byte_seconds_sum", gpu)).toBe(0.002);
    expect(sampleValue(samples, "nexus_gateway_overhead_seconds_sum")).toBe(0.001);
    expect(sampleValue(samples, "nexus_gateway_overhead_seconds_bucket", { le: "0.001" })).toBe(1);
    expect(sampleValue(samples, "nexus_tokens_total", { ...gpu, type: "prompt" })).toBe(5);
    expect(sampleValue(samples, "nexus_tokens_total", { ...gpu, type: "completion" })).toBe(7);
  });

  test("records a stream when its done resolves, with the duration up to its end", async () => {
    const s = setup();
    const { event, end } = routed(s, {}, { stream: true });
    s.clock.advance(3);
    s.observability.observeExchange(event);
    expect(
      sampleValue(await s.samples(), "nexus_requests_total", {
        ...gpu,
        endpoint: "chat",
        status: "200",
      }),
    )
      .toBeUndefined();
    s.clock.advance(500);
    end("complete");
    await Promise.resolve();
    const samples = await s.samples();
    expect(
      sampleValue(samples, "nexus_requests_total", { ...gpu, endpoint: "chat", status: "200" }),
    ).toBe(1);
    expect(sampleValue(samples, "nexus_request_duration_seconds_sum", { ...gpu, endpoint: "chat" }))
      .toBe(0.503);
    expect(sampleValue(samples, "nexus_gateway_overhead_seconds_sum")).toBe(0.001);
    expect(sampleValue(samples, "nexus_stream_chunks_total", gpu)).toBe(0);
  });

  test("classifies every way a request can fail", async () => {
    const s = setup();
    const base = { requestId: "r", endpoint: "chat" as const, receivedAt: 0, stream: false };
    const events: ExchangeEvent[] = [
      { ...base, requestedModel: undefined, status: 400, failure: failure("invalid_request", "") },
      { ...base, requestedModel: undefined, status: 413, failure: failure("body_too_large", "") },
      { ...base, requestedModel: "ghost", status: 404, failure: failure("model_not_found", "") },
      { ...base, requestedModel: "m", status: 503, failure: failure("no_capable_backend", "") },
      routed(s, { ok: false, status: 504, failure: failure("upstream_timeout", "") }).event,
      routed(s, { ok: false, status: 499, failure: failure("client_closed", "") }).event,
      { ...routed(s, { ok: false, status: 429 }).event, status: 429 },
      routed(s, {
        ok: false,
        status: 503,
        attempts: [{ ok: false, backend: s.backend, kind: "status", status: 503, message: "" }],
        failure: failure("upstream_unavailable", "", { retryAfter: "9" }),
      }).event,
      routed(s, {
        ok: false,
        status: 503,
        attempts: [{ ok: false, backend: s.backend, kind: "shutdown", message: "" }],
        failure: failure("shutting_down", ""),
      }).event,
    ];
    for (const event of events) s.observability.observeExchange(event);
    for (const end of ["timeout", "shutdown", "upstream_error"] as const) {
      const cut = routed(s, {}, { stream: true });
      s.observability.observeExchange(cut.event);
      cut.end(end);
    }
    await Promise.resolve();
    const errors = (await s.samples()).filter((x) => x.name === "nexus_errors_total")
      .map((x) => `${x.labels.error_type} ${x.labels.model} ${x.value}`).sort();
    expect(errors).toEqual([
      "client_closed m 1",
      "invalid_request none 2",
      "model_not_found ghost 1",
      "no_healthy_backend m 1",
      "shutdown m 2",
      "timeout m 2",
      "upstream_error m 3",
    ]);
    expect(s.observability.statsSnapshot().requests).toEqual({ total: 12, success: 0, errors: 12 });
  });

  test("a refusal with no error type (a key refused, an internal error) is an error in /v1/stats", async () => {
    const s = setup();
    const base = { requestId: "r", endpoint: "chat" as const, receivedAt: 0, stream: false };
    for (
      const event of [
        { ...base, requestedModel: undefined, status: 401, failure: failure("unauthorized", "") },
        { ...base, requestedModel: undefined, status: 429, failure: failure("auth_throttled", "") },
        { ...base, requestedModel: "m", status: 403, failure: failure("forbidden", "") },
        { ...base, requestedModel: "m", status: 500, failure: failure("internal", "") },
        routed(s).event,
      ]
    ) s.observability.observeExchange(event);
    await Promise.resolve();
    // They were counted as successes: 5 refused requests read "success": 5.
    expect(s.observability.statsSnapshot().requests).toEqual({ total: 5, success: 1, errors: 4 });
    expect(s.observability.statsSnapshot().models).toMatchObject([{ name: "m", errors: 2 }]);
    // nexus_errors_total keeps its error types: these have none.
    expect((await s.samples()).filter((x) => x.name === "nexus_errors_total")).toEqual([]);
  });

  test("counts a fallback from the model asked for to the one served", async () => {
    const s = setup();
    const { event } = routed(s, { routeReason: "fallback", model: "small" });
    s.observability.observeExchange({ ...event, requestedModel: "big" });
    const samples = await s.samples();
    expect(sampleValue(samples, "nexus_fallbacks_total", { from_model: "big", to_model: "small" }))
      .toBe(1);
  });
});

describe("request log line", () => {
  test("json: one parseable line with the request's fields", () => {
    const s = setup("info", "json");
    const { event } = routed(s);
    s.clock.advance(3);
    s.observability.observeExchange(event);
    s.observability.flush();
    expect(s.lines).toHaveLength(1);
    expect(JSON.parse(s.lines[0]!)).toEqual({
      timestamp: "2026-11-27T12:00:00.003Z",
      level: "info",
      message: "request",
      request_id: "req-1",
      endpoint: "chat",
      model: "m",
      resolved_model: "m",
      backend: "gpu",
      status: 200,
      stream: false,
      duration_ms: 3,
      ttfb_ms: 2,
      route_reason: "capability-match",
      attempts: 1,
    });
  });

  test("pretty: key=value pairs on one line", () => {
    const s = setup("info", "pretty");
    const { event } = routed(s);
    s.observability.observeExchange(event);
    s.observability.flush();
    expect(s.lines[0]).toBe(
      "2026-11-27T12:00:00.000Z INFO  request request_id=req-1 endpoint=chat model=m resolved_model=m backend=gpu " +
        "status=200 stream=false duration_ms=0 ttfb_ms=2 route_reason=capability-match attempts=1\n",
    );
  });

  test("is not written below info, while metrics are still recorded", () => {
    const s = setup("warn");
    s.observability.observeExchange(routed(s).event);
    s.observability.flush();
    expect(s.lines).toEqual([]);
    expect(s.observability.statsSnapshot().requests.total).toBe(1);
  });

  test("lines are written in one batch at most 10 ms after their requests; metrics at once", () => {
    const s = setup("info", "json");
    s.observability.observeExchange(routed(s).event);
    s.clock.advance(4);
    s.observability.observeExchange(routed(s).event);
    // Counted the moment the answer is out; the log lines wait for their batch.
    expect(s.observability.statsSnapshot().requests.total).toBe(2);
    expect(s.lines).toEqual([]);
    s.clock.advance(5);
    expect(s.lines).toEqual([]);
    s.clock.advance(1);
    expect(s.lines.map((line) => JSON.parse(line).timestamp)).toEqual([
      "2026-11-27T12:00:00.010Z",
      "2026-11-27T12:00:00.010Z",
    ]);
    // The next request starts the next batch.
    s.observability.observeExchange(routed(s).event);
    s.clock.advance(10);
    expect(s.lines).toHaveLength(3);
  });

  test("a 5xx, or a stream a backend cut, is logged at warn; 2xx and 4xx at info", async () => {
    const s = setup("info");
    s.observability.observeExchange(routed(s).event);
    s.observability.observeExchange({ ...routed(s, { status: 404 }).event, status: 404 });
    s.observability.observeExchange(
      routed(s, { ok: false, status: 502, failure: failure("upstream_failed", "x") }).event,
    );
    const cut = routed(s, {}, { stream: true });
    s.observability.observeExchange(cut.event);
    cut.end("upstream_error");
    await Promise.resolve();
    s.observability.flush();
    expect(s.lines.map((line) => JSON.parse(line).level)).toEqual(["info", "info", "warn", "warn"]);
  });

  test("a full queue or a queue timeout is warn in every dialect, a key's own limit info", () => {
    const s = setup("info");
    const refused = (
      endpoint: ExchangeEvent["endpoint"],
      status: number,
      kind: "queue_full" | "queue_timeout" | "rate_limited",
      stream = false,
    ): ExchangeEvent => ({
      requestId: `${endpoint}-${status}`,
      endpoint,
      receivedAt: s.clock.monotonic(),
      requestedModel: "m",
      stream,
      status,
      failure: failure(kind, "x"),
    });
    // The same full queue as each dialect answers it, and a stream held with keep-alives (200)
    // that then waited too long.
    s.observability.observeExchange(refused("chat", 429, "queue_full"));
    s.observability.observeExchange(refused("messages", 529, "queue_full"));
    s.observability.observeExchange(refused("ollama_chat", 503, "queue_full"));
    s.observability.observeExchange(refused("chat", 200, "queue_timeout", true));
    s.observability.observeExchange(refused("chat", 429, "rate_limited"));
    s.observability.flush();
    expect(s.lines.map((line) => JSON.parse(line).level)).toEqual([
      "warn",
      "warn",
      "warn",
      "warn",
      "info",
    ]);
  });
});
