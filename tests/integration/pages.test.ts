/**
 * A page where an answer was expected (issue 14, item 7): a backend answering 200 `text/html`
 * (a captive portal, a reverse proxy's login page) or another `text/*` body is a broken backend:
 * the next candidate answers (`failover`), and when there is none the client gets 502 naming
 * what came back — never the page with a 200.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type HostileBackend, startHostileBackend } from "../helpers/hostile-backend.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";

const CHAT = "/v1/chat/completions";
let portal: HostileBackend;
let healthy: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  portal = await startHostileBackend({ [CHAT]: { kind: "page" } });
  healthy = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([
    { name: "portal", url: portal.url, priority: 0, models: ["m", "only-portal"] },
    { name: "good", url: healthy.url, priority: 90, models: ["m"] },
  ], {
    // Its backends fail on purpose, again and again: no circuit breaker keeps them out.
    health_check: { breaker_failures: 0 },
    routing: { strategy: "priority_only" },
  });
});

afterAll(async () => {
  await gateway.close();
  await portal.close();
  await healthy.close();
});

const chat = (model: string, stream: boolean) =>
  fetch(`${gateway.url}${CHAT}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
  });

describe("a backend answering 200 with a page", () => {
  for (
    const [label, contentType] of [
      ["text/html", "text/html; charset=utf-8"],
      ["text/plain", "text/plain"],
    ]
  ) {
    for (const stream of [false, true]) {
      test(`${label}, ${stream ? "stream" : "non-stream"}: the next backend answers`, async () => {
        portal.set(CHAT, { kind: "page", contentType });
        const response = await chat("m", stream);
        expect(response.status).toBe(200);
        expect(response.headers.get("x-nexus-backend")).toBe("good");
        expect(response.headers.get("x-nexus-route-reason")).toBe("failover");
        expect(await response.text()).not.toContain("log in to the Wi-Fi");
      });
    }
  }

  test("untyped and not JSON: the next backend answers", async () => {
    portal.set(CHAT, { kind: "page", contentType: "application/octet-stream", body: "<html>" });
    const response = await chat("m", false);
    expect(response.headers.get("x-nexus-backend")).toBe("good");
    await response.body?.cancel();
  });

  test("when it is the only backend: 502 naming the content type", async () => {
    portal.set(CHAT, { kind: "page" });
    for (const stream of [false, true]) {
      const response = await chat("only-portal", stream);
      expect(response.status).toBe(502);
      const { error } = await response.json();
      expect(error.message).toContain("portal");
      expect(error.message).toContain("text/html");
    }
  });
});
