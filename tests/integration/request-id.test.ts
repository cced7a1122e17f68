/**
 * Every response carries an X-Request-Id — routed answers, every error path (400, 404 path,
 * 404 model, 405, 413, 500) and every other route — echoing the client's id when it is sane.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { memoryFiles } from "../../src/state/mod.ts";

let backend: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  backend = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([{ name: "gpu", url: backend.url, models: ["m"] }], {
    server: { max_body_bytes: 1024 },
  }, {
    detectType: () => Promise.reject(new Error("detection exploded")),
  });
});

afterAll(async () => {
  await gateway.close();
  await backend.close();
});

async function send(method: string, path: string, body?: string, headers = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body }),
  });
  await response.arrayBuffer();
  return response;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const chat = (model: string) =>
  JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] });

describe("X-Request-Id", () => {
  const cases: Array<[string, string, string, string | undefined, number]> = [
    ["a routed completion", "POST", "/v1/chat/completions", chat("m"), 200],
    ["a body that is not JSON (400)", "POST", "/v1/chat/completions", "{nope", 400],
    ["an unknown model (404)", "POST", "/v1/chat/completions", chat("nope"), 404],
    ["an unknown path (404)", "GET", "/v2/everything", undefined, 404],
    ["a wrong method (405)", "DELETE", "/v1/models", undefined, 405],
    ["a body over the limit (413)", "POST", "/v1/chat/completions", "x".repeat(2048), 413],
    ["an unhandled error (500)", "POST", "/v1/backends", '{"url":"http://127.0.0.1:9"}', 500],
    ["GET /health", "GET", "/health", undefined, 200],
    ["GET /v1/models", "GET", "/v1/models", undefined, 200],
    ["GET /v1/backends", "GET", "/v1/backends", undefined, 200],
    ["GET /metrics", "GET", "/metrics", undefined, 200],
    ["GET /v1/stats", "GET", "/v1/stats", undefined, 200],
  ];
  for (const [what, method, path, body, status] of cases) {
    test(`is set on ${what}`, async () => {
      const response = await send(method, path, body);
      expect(response.status).toBe(status);
      expect(response.headers.get("x-request-id")).toMatch(UUID);
    });
  }

  test("echoes a sane client id, on errors too", async () => {
    for (
      const [method, path, body] of [["GET", "/metrics"], ["GET", "/nowhere"], [
        "POST",
        "/v1/chat/completions",
        chat("nope"),
      ]]
    ) {
      const response = await send(method!, path!, body, { "x-request-id": "client.id-42" });
      expect(response.headers.get("x-request-id")).toBe("client.id-42");
    }
  });

  test("is set on the dashboard's redirect of a browser from /", async () => {
    const redirect = await fetch(`${gateway.url}/`, {
      headers: { accept: "text/html" },
      redirect: "manual",
    });
    await redirect.arrayBuffer();
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("x-request-id")).toMatch(UUID);
  });

  test("replaces an id that is not safe to echo", async () => {
    const response = await send("GET", "/health", undefined, { "x-request-id": "a b<script>" });
    expect(response.headers.get("x-request-id")).toMatch(UUID);
  });
});

describe("X-Request-Id in keys mode", () => {
  let keyed: RunningGateway;

  beforeAll(async () => {
    keyed = await startGateway([{ name: "gpu", url: backend.url, models: ["m"] }], {
      auth: { mode: "keys", metrics: "admin", failures_per_minute: 2 },
    }, { files: memoryFiles(new Map()), keysFile: "/keys/nexus-keys.json" });
  });

  afterAll(async () => {
    await keyed.close();
    await keyed.gateway.stop();
  });

  /** A request from another machine (loopback peers pass the admin rules). */
  function remote(path: string, peer: string, headers?: Record<string, string>) {
    return keyed.gateway.fetch(new Request(`http://192.0.2.1:8000${path}`, { headers }), {
      remoteAddress: peer,
    });
  }

  test("is set on the refusals of the routes that need a key, and when too many fail", async () => {
    const refusals: Array<[string, number]> = [
      ["/v1/models", 401],
      ["/api/tags", 401],
      ["/v1/backends", 401],
      ["/metrics", 403],
    ];
    for (const [index, [path, status]] of refusals.entries()) {
      // No key: refused, and not counted toward the address's throttle.
      const response = await remote(path, `192.0.2.${10 + index}`);
      expect(response.status).toBe(status);
      expect(response.headers.get("x-request-id")).toMatch(UUID);
    }
    // Two wrong keys from 192.0.2.8 use up its allowance: the third request is throttled.
    const guess = { authorization: "Bearer nx-wrong" };
    for (let i = 0; i < 2; i++) await remote("/v1/models", "192.0.2.8", guess);
    const throttled = await remote("/v1/models", "192.0.2.8", guess);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("x-request-id")).toMatch(UUID);
  });
});
