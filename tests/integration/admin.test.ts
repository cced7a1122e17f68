/**
 * The admin API: list, add, remove; conflicts; and who may change the backend list (loopback
 * peers always, others only with the admin token). Remote peers are simulated in process by
 * passing their address as the connection info — no traffic leaves loopback.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { validateConfig } from "../../src/config/mod.ts";
import { createGateway, type Gateway } from "../../src/gateway.ts";
import { silentLogger } from "../../src/lib/logger.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";

let mock: MockBackend;

beforeAll(async () => {
  mock = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3:8b" }] });
});
afterAll(() => mock.close());

function gatewayWith(config: Record<string, unknown>, detect?: string): Gateway {
  const { config: parsed } = validateConfig({ discovery: { enabled: false }, ...config });
  return createGateway({
    config: parsed,
    env: {},
    logger: silentLogger,
    detectType: () => Promise.resolve(detect as undefined),
  });
}

function call(
  gateway: Gateway,
  method: string,
  path: string,
  options: { body?: unknown; peer?: string; token?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const request = new Request(`http://nexus${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return gateway.fetch(request, { remoteAddress: options.peer ?? "127.0.0.1" });
}

describe("GET /v1/backends", () => {
  test("lists static backends with their state, never an API key", async () => {
    const gateway = gatewayWith({
      backends: [{
        name: "gpu",
        url: "http://10.9.9.9:11434",
        type: "ollama",
        priority: 10,
        api_key_env: "SECRET_KEY",
      }],
    });
    const response = await call(gateway, "GET", "/v1/backends");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      object: "list",
      data: [{
        name: "gpu",
        url: "http://10.9.9.9:11434",
        type: "ollama",
        status: "unknown",
        version: null,
        source: "static",
        priority: 10,
        pending: 0,
        slots: null,
        slots_in_use: 0,
        requests: 0,
        errors: 0,
        latency_ms: null,
        last_error: null,
        last_check: null,
        models: [],
        breaker: "closed",
        wake: null,
      }],
    });
    expect(JSON.stringify(body)).not.toContain("SECRET");
  });
});

describe("POST /v1/backends", () => {
  test("adds a backend: 201 with its object, name derived from the URL", async () => {
    const gateway = gatewayWith({});
    const response = await call(gateway, "POST", "/v1/backends", {
      body: { url: `${mock.url}/`, type: "ollama", priority: 5 },
    });
    expect(response.status).toBe(201);
    const added = await response.json();
    expect(added).toMatchObject({
      name: `127.0.0.1-${mock.port}`,
      url: mock.url,
      type: "ollama",
      priority: 5,
      source: "manual",
    });
    expect(gateway.registry.get(added.name)).toBeDefined();
  });

  test("detects the type when none is given", async () => {
    const gateway = gatewayWith({}, "ollama");
    const response = await call(gateway, "POST", "/v1/backends", {
      body: { url: mock.url, name: "found" },
    });
    expect(response.status).toBe(201);
    expect((await response.json()).type).toBe("ollama");
  });

  test("without a type, detects a real Ollama server and probes it at once so it becomes routable", async () => {
    const { config } = validateConfig({ discovery: { enabled: false } });
    const gateway = createGateway({ config, env: {}, logger: silentLogger });
    const response = await call(gateway, "POST", "/v1/backends", {
      body: { url: mock.url, name: "auto" },
    });
    expect(response.status).toBe(201);
    expect((await response.json()).type).toBe("ollama");
    await waitFor(
      () => gateway.registry.get("auto")?.status === "healthy",
      "the new backend's first probe",
    );
    expect(gateway.registry.backendsFor("llama3:8b").map((b) => b.name)).toEqual(["auto"]);
    gateway.stop();
  });

  test("refuses a URL where no LLM server answers when no type is given", async () => {
    const gateway = gatewayWith({});
    const response = await call(gateway, "POST", "/v1/backends", {
      body: { url: "http://127.0.0.1:1" },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain("Cannot detect the backend type");
  });

  test("409 for a duplicate name or URL", async () => {
    const gateway = gatewayWith({ backends: [{ name: "a", url: "http://10.0.0.1:1" }] });
    const sameName = await call(gateway, "POST", "/v1/backends", {
      body: { url: "http://10.0.0.2:1", name: "a", type: "vllm" },
    });
    expect(sameName.status).toBe(409);
    expect((await sameName.json()).error.code).toBe("conflict");
    const sameUrl = await call(gateway, "POST", "/v1/backends", {
      body: { url: "http://10.0.0.1:1/", type: "vllm" },
    });
    expect(sameUrl.status).toBe(409);
  });

  const invalid: Array<[string, unknown, string | null]> = [
    ["a missing url", {}, "url"],
    ["a non-http url", { url: "ftp://x" }, "url"],
    ["a bad name", { url: "http://x:1", name: "a b" }, "name"],
    ["an unknown type", { url: "http://x:1", type: "tgi" }, "type"],
    ["a priority out of range", { url: "http://x:1", type: "vllm", priority: 101 }, "priority"],
    ["a body that is not an object", [1], null],
  ];
  for (const [what, body, param] of invalid) {
    test(`400 for ${what}`, async () => {
      const response = await call(gatewayWith({}), "POST", "/v1/backends", { body });
      expect(response.status).toBe(400);
      expect((await response.json()).error.param).toBe(param);
    });
  }
});

describe("DELETE /v1/backends/{name}", () => {
  test("removes a backend and answers with its object", async () => {
    const gateway = gatewayWith({ backends: [{ name: "a", url: "http://10.0.0.1:1" }] });
    const response = await call(gateway, "DELETE", "/v1/backends/a");
    expect(response.status).toBe(200);
    expect((await response.json()).name).toBe("a");
    expect(gateway.registry.size).toBe(0);
  });

  test("404 for an unknown name", async () => {
    const response = await call(gatewayWith({}), "DELETE", "/v1/backends/ghost");
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe("not_found");
  });
});

describe("who may change backends", () => {
  const add = { url: "http://10.0.0.9:1", type: "vllm" };

  test("loopback peers, IPv4 and IPv6", async () => {
    for (const peer of ["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"]) {
      const gateway = gatewayWith({});
      expect((await call(gateway, "POST", "/v1/backends", { body: add, peer })).status).toBe(201);
    }
  });

  test("a remote peer is refused with 403 when no admin token is configured", async () => {
    const gateway = gatewayWith({});
    const response = await call(gateway, "POST", "/v1/backends", {
      body: add,
      peer: "192.168.1.20",
    });
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe("forbidden");
    expect((await call(gateway, "DELETE", "/v1/backends/x", { peer: "192.168.1.20" })).status).toBe(
      403,
    );
  });

  test("a remote peer needs the right token when one is configured", async () => {
    const gateway = gatewayWith({ server: { admin_token: "s3cret" } });
    const none = await call(gateway, "POST", "/v1/backends", { body: add, peer: "192.168.1.20" });
    expect(none.status).toBe(401);
    expect((await none.json()).error.type).toBe("authentication_error");
    const wrong = await call(gateway, "POST", "/v1/backends", {
      body: add,
      peer: "192.168.1.20",
      token: "guess",
    });
    expect(wrong.status).toBe(401);
    const right = await call(gateway, "POST", "/v1/backends", {
      body: add,
      peer: "192.168.1.20",
      token: "s3cret",
    });
    expect(right.status).toBe(201);
  });

  test("reading the list needs no token", async () => {
    const gateway = gatewayWith({ server: { admin_token: "s3cret" } });
    expect((await call(gateway, "GET", "/v1/backends", { peer: "192.168.1.20" })).status).toBe(200);
  });
});
