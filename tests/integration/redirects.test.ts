/**
 * Redirects from backends are never followed (issue 14, item 2). A backend answering 303 to an
 * internal URL must not make Nexus fetch it for the client (server-side request forgery); a 307
 * to Nexus's own `/v1/backends` must not add a backend from the client's body (the call would
 * come from loopback). A 3xx is the backend's error: 502 naming it, and failover as for a 5xx.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type HostileBackend, startHostileBackend } from "../helpers/hostile-backend.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";

const CHAT = "/v1/chat/completions";
let internal: HostileBackend;
let redirecting: HostileBackend;
let healthy: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  // The "internal" service a redirect points at: it must never be asked anything.
  internal = await startHostileBackend({
    "/secret": { kind: "json", body: { secret: "internal-only-data" } },
    "/v1/models": { kind: "models", count: 1 },
  });
  redirecting = await startHostileBackend({
    [CHAT]: { kind: "redirect", status: 303, location: `${internal.url}/secret` },
    "/v1/models": { kind: "redirect", status: 302, location: `${internal.url}/v1/models` },
  });
  healthy = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([
    {
      name: "evil",
      url: redirecting.url,
      type: "generic",
      priority: 0,
      models: ["m", "only-evil"],
    },
    { name: "good", url: healthy.url, priority: 90, models: ["m"] },
  ], {
    // Its backends fail on purpose, again and again: no circuit breaker keeps them out.
    health_check: { breaker_failures: 0 },
    routing: { strategy: "priority_only" },
  });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([internal.close(), redirecting.close(), healthy.close()]);
});

const chat = (model: string, stream = false) =>
  fetch(`${gateway.url}${CHAT}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
  });

describe("a backend that redirects", () => {
  test("303 to an internal URL: not followed; the next backend answers", async () => {
    for (const stream of [false, true]) {
      const response = await chat("m", stream);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-nexus-backend")).toBe("good");
      expect(response.headers.get("x-nexus-route-reason")).toBe("failover");
      expect(await response.text()).not.toContain("internal-only-data");
    }
    expect(internal.requests.filter((r) => r.path === "/secret")).toEqual([]);
  });

  test("when it is the only backend: 502 naming the redirect", async () => {
    const response = await chat("only-evil");
    expect(response.status).toBe(502);
    const { error } = await response.json();
    expect(error.message).toContain("evil");
    expect(error.message).toContain("HTTP 303");
    expect(error.message).toContain("redirect");
    expect(internal.requests.filter((r) => r.path === "/secret")).toEqual([]);
  });

  test("307 to Nexus's own admin API: no backend is added", async () => {
    redirecting.set(CHAT, {
      kind: "redirect",
      status: 307,
      location: `${gateway.url}/v1/backends`,
    });
    const before = gateway.gateway.registry.size;
    const response = await fetch(`${gateway.url}${CHAT}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "only-evil",
        messages: [{ role: "user", content: "hi" }],
        url: internal.url,
        type: "vllm",
      }),
    });
    expect(response.status).toBe(502);
    expect(gateway.gateway.registry.size).toBe(before);
    expect(gateway.gateway.registry.findByUrl(internal.url)).toBeUndefined();
  });

  test("a redirecting probe is a failed probe, and the target is never asked", async () => {
    gateway.gateway.registry.setStatus("evil", "unknown");
    await gateway.gateway.health.check(gateway.gateway.registry.get("evil")!);
    const evil = gateway.gateway.registry.get("evil")!;
    expect(evil.status).toBe("unhealthy");
    expect(evil.last_error).toContain("302");
    expect(internal.requests.filter((r) => r.path === "/v1/models")).toEqual([]);
  });
});

describe("the runtime's upstream fetch", () => {
  test("returns a 3xx as it is instead of following it", async () => {
    const runtime = await loadRuntime();
    const response = await runtime.fetch(`${redirecting.url}/v1/models`, { method: "GET" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${internal.url}/v1/models`);
    await response.body?.cancel();
    expect(internal.requests.filter((r) => r.path === "/v1/models")).toEqual([]);
  });
});
