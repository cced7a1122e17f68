/**
 * CORS for browser-only chat UIs: preflights on the inference routes answer 204 with the allowed
 * methods and headers for configured origins only; answers carry the CORS headers and expose the
 * X-Nexus-* headers; management routes never take part, reads included.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { validateConfig } from "../../src/config/mod.ts";

const ALLOWED = "http://chat.lan:3000";
let mock: MockBackend;
let gateway: RunningGateway;
let open: RunningGateway;
let off: RunningGateway;

beforeAll(async () => {
  mock = await startMockBackend({ models: [{ id: "m" }] });
  const backends = [{ name: "b", url: mock.url, models: ["m"] }];
  gateway = await startGateway(backends, { server: { cors_origins: [ALLOWED] } });
  open = await startGateway([{ ...backends[0]!, name: "b2" }], { server: { cors_origins: "*" } });
  off = await startGateway([{ ...backends[0]!, name: "b3" }]);
});

afterAll(async () => {
  await Promise.all([gateway.close(), open.close(), off.close()]);
  await mock.close();
});

function preflight(url: string, path: string, origin: string, method = "POST") {
  return fetch(`${url}${path}`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "authorization, content-type",
    },
  });
}

const chat = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });

describe("CORS on the inference routes", () => {
  test("a preflight from an allowed origin: 204 with methods, headers and max-age", async () => {
    const response = await preflight(gateway.url, "/v1/chat/completions", ALLOWED);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
    const allowed = response.headers.get("access-control-allow-headers")!.split(", ");
    for (
      const name of [
        "authorization",
        "content-type",
        "x-api-key",
        "anthropic-version",
        "x-request-id",
      ]
    ) {
      expect(allowed).toContain(name);
    }
    expect(response.headers.get("vary")).toBe("Origin");
    // As every answer: the request id (and for an origin not allowed too).
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await preflight(gateway.url, "/v1/chat/completions", "http://evil.example");
    expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("the answer itself carries the origin and exposes X-Nexus-* and X-Request-Id", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { origin: ALLOWED, "content-type": "application/json" },
      body: chat,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const exposed = response.headers.get("access-control-expose-headers")!.split(", ");
    expect(exposed).toContain("x-nexus-backend");
    expect(exposed).toContain("x-request-id");
    await response.text();
  });

  test("errors carry them too, so a browser can read what went wrong", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { origin: ALLOWED },
      body: "{nope",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  });

  test("the model list answers preflights for GET", async () => {
    const response = await preflight(gateway.url, "/v1/models", ALLOWED, "GET");
    expect(response.headers.get("access-control-allow-methods")).toBe("GET, OPTIONS");
    const list = await fetch(`${gateway.url}/v1/models`, { headers: { origin: ALLOWED } });
    expect(list.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  });

  test("another origin gets no CORS headers, so its browser refuses the call", async () => {
    const response = await preflight(gateway.url, "/v1/chat/completions", "http://evil.test");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { origin: "http://evil.test" },
      body: chat,
    });
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    await answer.text();
  });

  test('"*" allows every origin without echoing it', async () => {
    const response = await preflight(open.url, "/v1/embeddings", "http://anything.test");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("vary")).toBeNull();
  });

  test("without cors_origins a preflight is a plain 405 and no header is added", async () => {
    const response = await preflight(off.url, "/v1/chat/completions", ALLOWED);
    expect(response.status).toBe(405);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("management routes never take part in CORS", () => {
  for (
    const [method, path] of [
      ["GET", "/v1/backends"],
      ["POST", "/v1/backends"],
      ["GET", "/health"],
      ["GET", "/v1/stats"],
    ]
  ) {
    test(`${method} ${path}`, async () => {
      const pre = await preflight(gateway.url, path!, ALLOWED, method);
      expect(pre.headers.get("access-control-allow-origin")).toBeNull();
      const response = await fetch(`${gateway.url}${path}`, {
        method: "GET",
        headers: { origin: ALLOWED },
      });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      await response.text();
    });
  }
});

describe("[server] cors_origins", () => {
  test("rejects a value that is not an origin, naming the key", () => {
    expect(() => validateConfig({ server: { cors_origins: ["chat.lan"] } })).toThrow(
      /server\.cors_origins\[0\]: must be "\*" or an origin/,
    );
    expect(() => validateConfig({ server: { cors_origins: ["http://chat.lan/path"] } })).toThrow();
    expect(
      validateConfig({ server: { cors_origins: ["http://chat.lan:3000"] } }).config.server
        .cors_origins,
    )
      .toEqual(["http://chat.lan:3000"]);
  });
});
