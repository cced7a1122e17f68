/**
 * Metrics, stats and request logs after a known sequence of requests through a real gateway in
 * front of a real mock backend: a success, a stream with usage, an unknown model, an upstream
 * 500 and a client that leaves mid-stream. Every counter and histogram count is exact.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Stats } from "../../src/metrics/mod.ts";
import { type MockBackend, sseEvents, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { needs } from "../helpers/needs.ts";
import {
  parseSamples,
  PROMTOOL,
  promtoolCheck,
  type Sample,
  sampleValue,
} from "../helpers/prometheus.ts";
import { TEST_SECRETS } from "../helpers/secrets.ts";

const SECRET = TEST_SECRETS.observedBackend;
const PROMPT = "PROMPT-MARKER tell me a story";
const REPLY = "COMPLETION-MARKER once upon a time there was a gateway";

let backend: MockBackend;
let gateway: RunningGateway;
let metricsText: string;
let samples: Sample[];
let stats: Stats;
const usage = { prompt: 0, completion: 0 };
const requestLines: Array<Record<string, unknown>> = [];

function chat(
  model: string,
  extra: Record<string, unknown> = {},
  headers = {},
  signal?: AbortSignal,
) {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: PROMPT }], ...extra }),
    ...(signal ? { signal } : {}),
  });
}

async function abortMidStream(): Promise<void> {
  backend.mock.setFault({ kind: "hang-mid-stream", afterChunks: 2 });
  const controller = new AbortController();
  const response = await chat("m", { stream: true }, {}, controller.signal);
  const reader = response.body!.getReader();
  let text = "";
  while (sseEvents(text).length < 2 || !text.endsWith("\n\n")) {
    text += new TextDecoder().decode((await reader.read()).value);
  }
  controller.abort();
  await backend.mock.nextAbort();
  backend.mock.setFault({ kind: "none" });
}

async function runSequence(): Promise<void> {
  const success = await chat("m", {}, { "x-request-id": "obs-success-1" });
  expect(success.headers.get("x-request-id")).toBe("obs-success-1");
  const body = await success.json();
  usage.prompt += body.usage.prompt_tokens;
  usage.completion += body.usage.completion_tokens;

  const stream = await chat("m", { stream: true, stream_options: { include_usage: true } });
  const events = sseEvents(await stream.text());
  const last = JSON.parse(events[events.length - 2]!.slice("data: ".length));
  usage.prompt += last.usage.prompt_tokens;
  usage.completion += last.usage.completion_tokens;

  expect((await chat("nope")).status).toBe(404);

  backend.mock.setFault({ kind: "status", status: 500, body: '{"error":{"message":"boom"}}' });
  expect((await chat("m")).status).toBe(502);
  backend.mock.setFault({ kind: "none" });

  await abortMidStream();
}

beforeAll(async () => {
  backend = await startMockBackend({ models: [{ id: "m" }], chunks: 4, text: REPLY });
  gateway = await startGateway(
    [{ name: "gpu", url: backend.url, models: ["m"], api_key_env: "GPU_KEY" }],
    {},
    { env: { GPU_KEY: SECRET } },
  );
  await gateway.gateway.health.check(gateway.gateway.registry.get("gpu")!);
  await runSequence();
  const { observability, registry } = gateway.gateway;
  await waitFor(
    () => observability.statsSnapshot().requests.total === 5 && registry.get("gpu")!.pending === 0,
    "all five requests to be recorded",
  );
  const response = await fetch(`${gateway.url}/metrics`);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  metricsText = await response.text();
  samples = parseSamples(metricsText);
  stats = await (await fetch(`${gateway.url}/v1/stats`)).json();
  for (const line of gateway.logs) {
    const record = JSON.parse(line);
    if (record.message === "request") requestLines.push(record);
  }
});

afterAll(async () => {
  await gateway.close();
  await backend.close();
});

const gpu = { model: "m", backend: "gpu" };

describe("GET /metrics", () => {
  test("counts every request once by model, backend and status (streams included)", () => {
    expect(
      sampleValue(samples, "nexus_requests_total", { ...gpu, endpoint: "chat", status: "200" }),
    ).toBe(3);
    expect(
      sampleValue(samples, "nexus_requests_total", { ...gpu, endpoint: "chat", status: "502" }),
    ).toBe(1);
    expect(sampleValue(samples, "nexus_requests_total", {
      model: "nope",
      backend: "none",
      endpoint: "chat",
      status: "404",
    })).toBe(1);
    const total = samples.filter((s) => s.name === "nexus_requests_total")
      .reduce((sum, s) => sum + s.value, 0);
    expect(total).toBe(5);
  });

  test("counts each failure under one error type", () => {
    const errors = samples.filter((s) => s.name === "nexus_errors_total");
    expect(errors.map((s) => [s.labels.error_type, s.labels.model, s.value]).sort()).toEqual([
      ["client_closed", "m", 1],
      ["model_not_found", "nope", 1],
      ["upstream_error", "m", 1],
    ]);
  });

  test("observes durations, time to first byte and overhead once per request", () => {
    expect(
      sampleValue(samples, "nexus_request_duration_seconds_count", { ...gpu, endpoint: "chat" }),
    ).toBe(4);
    expect(sampleValue(samples, "nexus_request_duration_seconds_count", {
      model: "nope",
      backend: "none",
      endpoint: "chat",
    })).toBe(1);
    // The 502 never got a first byte from the backend.
    expect(sampleValue(samples, "nexus_time_to_first_byte_seconds_count", gpu)).toBe(3);
    expect(sampleValue(samples, "nexus_gateway_overhead_seconds_count")).toBe(5);
    expect(sampleValue(samples, "nexus_gateway_overhead_seconds_bucket", { le: "+Inf" })).toBe(5);
    expect(sampleValue(samples, "nexus_backend_latency_seconds_count", { backend: "gpu" }))
      .toBe(1);
  });

  test("adds up tokens from the non-stream body and the stream's final usage chunk", () => {
    expect(usage.prompt).toBeGreaterThan(0);
    expect(sampleValue(samples, "nexus_tokens_total", { ...gpu, type: "prompt" }))
      .toBe(usage.prompt);
    expect(sampleValue(samples, "nexus_tokens_total", { ...gpu, type: "completion" }))
      .toBe(usage.completion);
  });

  test("counts relayed stream events: 8 in the full stream, 2 before the client left", () => {
    // role, 4 content chunks, finish, usage, [DONE]; then the cut stream's first two.
    expect(sampleValue(samples, "nexus_stream_chunks_total", gpu)).toBe(10);
  });

  test("reports the fleet as it is at scrape time", () => {
    expect(sampleValue(samples, "nexus_backends", { status: "healthy" })).toBe(1);
    expect(sampleValue(samples, "nexus_backends", { status: "unhealthy" })).toBe(0);
    expect(sampleValue(samples, "nexus_backends", { status: "unknown" })).toBe(0);
    expect(sampleValue(samples, "nexus_backends_healthy")).toBe(1);
    expect(sampleValue(samples, "nexus_models_available")).toBe(1);
    expect(sampleValue(samples, "nexus_pending_requests", { backend: "gpu" })).toBe(0);
    expect(metricsText).not.toContain("nexus_backends_total");
  });

  test("has a HELP and TYPE line for every metric of REFERENCE.md A7", () => {
    for (
      const name of [
        "nexus_requests_total",
        "nexus_errors_total",
        "nexus_fallbacks_total",
        "nexus_request_duration_seconds",
        "nexus_time_to_first_byte_seconds",
        "nexus_tokens_total",
        "nexus_backend_latency_seconds",
        "nexus_backends",
        "nexus_backends_healthy",
        "nexus_models_available",
        "nexus_pending_requests",
        "nexus_gateway_overhead_seconds",
        "nexus_stream_chunks_total",
      ]
    ) {
      expect(metricsText).toContain(`# HELP ${name} `);
      expect(metricsText).toContain(`# TYPE ${name} `);
    }
    expect(metricsText).not.toMatch(/^(process|nodejs)_/m);
  });

  needs(PROMTOOL).test("passes promtool check metrics", async () => {
    const { code, output } = await promtoolCheck(metricsText);
    expect(output).toBe("");
    expect(code).toBe(0);
  });
});

describe("GET /v1/stats", () => {
  test("totals match the sequence", () => {
    expect(stats.requests).toEqual({ total: 5, success: 2, errors: 3 });
    expect(stats.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  test("per backend: attempts, errors, pending, latency average and time to first byte", () => {
    expect(stats.backends).toHaveLength(1);
    const [entry] = stats.backends;
    expect(entry).toMatchObject({
      name: "gpu",
      status: "healthy",
      requests: 4,
      errors: 1,
      pending: 0,
    });
    expect(entry!.average_latency_ms).toBeGreaterThan(0);
    expect(entry!.average_ttfb_ms).toBeGreaterThan(0);
  });

  test("per model: requests, errors, duration and tokens", () => {
    expect(stats.models.map((m) => m.name)).toEqual(["m", "nope"]);
    const [m, nope] = stats.models;
    expect(m).toMatchObject({
      requests: 4,
      errors: 2,
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
    });
    expect(m!.average_duration_ms).toBeGreaterThan(0);
    expect(nope).toMatchObject({ requests: 1, errors: 1, prompt_tokens: 0, completion_tokens: 0 });
  });
});

describe("request log lines", () => {
  test("one JSON line per request with an RFC 3339 timestamp", () => {
    expect(requestLines).toHaveLength(5);
    for (const line of requestLines) {
      // The 502 is something an operator should see: warn; the rest is routine.
      expect(line.level).toBe((line.status as number) >= 500 ? "warn" : "info");
      expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof line.request_id).toBe("string");
      expect(typeof line.duration_ms).toBe("number");
    }
  });

  test("the success line carries routing, timing and token fields", () => {
    const line = requestLines.find((l) => l.request_id === "obs-success-1");
    expect(line).toMatchObject({
      model: "m",
      resolved_model: "m",
      backend: "gpu",
      status: 200,
      stream: false,
      route_reason: "capability-match",
      attempts: 1,
    });
    expect(typeof line!.ttfb_ms).toBe("number");
    expect(line!.prompt_tokens).toBeGreaterThan(0);
    expect(line!.completion_tokens).toBeGreaterThan(0);
  });

  test("failures say how they ended and which backends failed", () => {
    const byError = (error: string) => requestLines.find((l) => l.error === error);
    expect(byError("model_not_found")).toMatchObject({ model: "nope", status: 404, attempts: 0 });
    expect(byError("upstream_error")).toMatchObject({
      status: 502,
      attempts: 1,
      failed_backends: ["gpu"],
    });
    expect(byError("client_closed")).toMatchObject({
      stream: true,
      status: 200,
      stream_end: "client_closed",
    });
    expect(requestLines.filter((l) => l.stream_end === "complete")).toHaveLength(1);
  });
});

describe("what observability never shows", () => {
  test("no API key in metrics, stats or logs", () => {
    expect(metricsText).not.toContain(SECRET);
    expect(JSON.stringify(stats)).not.toContain(SECRET);
    expect(gateway.logs.join("")).not.toContain(SECRET);
  });

  test("no prompt or completion text in logs or metrics", () => {
    for (const text of [gateway.logs.join(""), metricsText, JSON.stringify(stats)]) {
      expect(text).not.toContain("PROMPT-MARKER");
      expect(text).not.toContain("COMPLETION-MARKER");
    }
  });
});
