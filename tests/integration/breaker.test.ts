/**
 * The circuit breaker through a real gateway: a backend whose requests fail (3 of its last 5
 * here) gets no traffic while its breaker is open — requests go to the other backend at once,
 * without trying it — and `/v1/backends`, the metrics and the log say so; after the cool-down one
 * trial request goes to it (single flight), and its success closes the breaker.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";

let flaky: MockBackend;
let steady: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  flaky = await startMockBackend({ models: [{ id: "m" }] });
  steady = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([
    { name: "flaky", url: flaky.url, priority: 1, models: ["m"] },
    { name: "steady", url: steady.url, priority: 2, models: ["m"] },
  ], {
    routing: { strategy: "priority_only", max_retries: 1 },
    health_check: { breaker_failures: 3, breaker_window: 5, breaker_cooldown_seconds: 0.3 },
  });
});

afterAll(async () => {
  await gateway.close();
  await flaky.close();
  await steady.close();
});

const chat = () =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });

const breakerOf = async (name: string) => {
  const { data } = await (await fetch(`${gateway.url}/v1/backends`)).json();
  return data.find((b: { name: string }) => b.name === name).breaker;
};

describe("circuit breaker", () => {
  test("three failures of five open it: no traffic to the backend, and everyone can see why", async () => {
    flaky.mock.setFault({ kind: "status", status: 500 });
    for (let i = 0; i < 3; i++) {
      const response = await chat();
      // Failed over: the client never noticed.
      expect(response.status).toBe(200);
      expect(response.headers.get("x-nexus-backend")).toBe("steady");
    }
    expect(await breakerOf("flaky")).toBe("open");
    const tried = flaky.mock.chatRequests().length;
    const response = await chat();
    expect(response.headers.get("x-nexus-route-reason")).toBe("capability-match");
    expect(flaky.mock.chatRequests().length).toBe(tried);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('nexus_backend_breaker_state{backend="flaky",state="open"} 1');
    expect(metrics).toContain('nexus_breaker_opens_total{backend="flaky"} 1');
    expect(gateway.logs.some((line) => line.includes('"backend circuit breaker open"'))).toBe(
      true,
    );
    const route = await (await fetch(`${gateway.url}/v1/route?model=m`)).json();
    expect(route.excluded[0].reason).toContain("circuit breaker open");
  });

  test("after the cool-down one trial goes to it (single flight); its success closes it", async () => {
    flaky.mock.setFault({ kind: "slow-first-byte", ms: 300 });
    await waitFor(
      () => gateway.gateway.registry.get("flaky")!.breaker.state === "half_open",
      "half-open",
    );
    const tried = flaky.mock.chatRequests().length;
    const answers = await Promise.all([chat(), chat(), chat()]);
    const served = answers.map((r) => r.headers.get("x-nexus-backend")).sort();
    // One trial at the half-open backend; the others went on to the other one meanwhile.
    expect(served).toEqual(["flaky", "steady", "steady"]);
    expect(flaky.mock.chatRequests().length - tried).toBe(1);
    expect(await breakerOf("flaky")).toBe("closed");
    flaky.mock.setFault({ kind: "none" });
    expect((await chat()).headers.get("x-nexus-backend")).toBe("flaky");
  });
});
