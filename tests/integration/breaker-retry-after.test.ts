/**
 * The 503 a client gets while the only backend's circuit breaker is open says, in every dialect,
 * when the breaker lets a trial request through: the `openai` and Anthropic SDKs wait
 * `Retry-After` before they retry, and the health-check interval (the default for other 503s)
 * would send them back into the open breaker. The cool-down runs on a fake clock: no waiting.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FakeClock } from "../helpers/fake-clock.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";

const INTERVAL_SECONDS = 7;
const COOLDOWN_SECONDS = 30;

let flaky: MockBackend;
let gateway: RunningGateway;
let clock: FakeClock;

beforeAll(async () => {
  flaky = await startMockBackend({ models: [{ id: "m" }] });
  clock = new FakeClock();
  gateway = await startGateway([{ name: "flaky", url: flaky.url, models: ["m"] }], {
    routing: { max_retries: 0 },
    health_check: {
      interval_seconds: INTERVAL_SECONDS,
      breaker_failures: 1,
      breaker_window: 1,
      breaker_cooldown_seconds: COOLDOWN_SECONDS,
    },
  }, { clock });
});

afterAll(async () => {
  gateway.gateway.stop();
  await gateway.close();
  await flaky.close();
});

const post = (path: string, body: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const messages = [{ role: "user", content: "hi" }];
const openai = () => post("/v1/chat/completions", { model: "m", messages });
const anthropic = () => post("/v1/messages", { model: "m", max_tokens: 16, messages });
const ollama = () => post("/api/chat", { model: "m", messages, stream: false });

describe("Retry-After while the breaker is open", () => {
  test("is the cool-down left, in the OpenAI, Anthropic and Ollama envelopes", async () => {
    flaky.mock.setFault({ kind: "status", status: 500 });
    expect((await openai()).status).not.toBe(200);
    // The breaker is open; the backend itself is fine again (probes keep it healthy).
    flaky.mock.setFault({ kind: "none" });
    expect(gateway.gateway.registry.get("flaky")!.breaker.state).toBe("open");

    const first = await openai();
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe(String(COOLDOWN_SECONDS));
    expect((await first.json()).error.code).toBe("service_unavailable");

    clock.advance(12_500);
    const claude = await anthropic();
    expect(claude.headers.get("retry-after")).toBe("18");
    expect(await claude.json()).toMatchObject({
      type: "error",
      error: { type: "overloaded_error" },
    });
    const local = await ollama();
    expect(local.status).toBe(503);
    expect(local.headers.get("retry-after")).toBe("18");
    expect(typeof (await local.json()).error).toBe("string");
    const route = await (await fetch(`${gateway.url}/v1/route?model=m`)).json();
    expect(route.decision.retry_after_seconds).toBe(18);
  });

  test("after the cool-down the trial request goes through", async () => {
    clock.advance(COOLDOWN_SECONDS * 1000);
    expect(gateway.gateway.registry.get("flaky")!.breaker.state).toBe("half_open");
    expect((await openai()).status).toBe(200);
  });

  test("a refusal for another cause keeps the health-check interval", async () => {
    gateway.gateway.registry.setStatus("flaky", "unhealthy");
    const refused = await openai();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe(String(INTERVAL_SECONDS));
    gateway.gateway.registry.setStatus("flaky", "healthy");
  });
});
