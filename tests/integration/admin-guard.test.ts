/**
 * Admin changes cannot be made by a web page (issue 14, items 3 and 13): a cross-site form or
 * fetch from a browser on the Nexus host (no JSON content type, a foreign Origin) and a
 * DNS-rebinding page (a foreign Host name resolving to 127.0.0.1) are refused, while the CLI,
 * curl and Nexus's own pages still work. The admin token is compared in constant time and its
 * scheme is case-insensitive. Real HTTP on loopback, with raw sockets where fetch cannot set
 * Host or Origin.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { constantTimeEqual } from "../../src/lib/secrets.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { rawExchange } from "../helpers/raw-http.ts";
import { TEST_SECRETS } from "../helpers/secrets.ts";

const ADMIN_TOKEN = TEST_SECRETS.adminToken;
let gateway: RunningGateway;
let port: number;

beforeAll(async () => {
  gateway = await startGateway([], {
    server: { admin_token: ADMIN_TOKEN, allowed_hosts: ["nexus.lan"] },
  });
  port = Number(new URL(gateway.url).port);
});
afterAll(() => gateway.close());

let added = 0;
/** An add request as raw HTTP, so Host, Origin and Content-Type are exactly what we say. */
async function add(headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const body = JSON.stringify({
    url: `http://127.0.0.1:${40000 + added++}`,
    type: "generic",
    name: `b${added}`,
  });
  const lines = [
    "POST /v1/backends HTTP/1.1",
    ...Object.entries({ host: `127.0.0.1:${port}`, ...headers })
      .filter(([, value]) => value !== "")
      .map(([name, value]) => `${name}: ${value}`),
    `content-length: ${body.length}`,
    "",
    body,
  ];
  const result = await rawExchange(port, lines.join("\r\n"));
  return { status: result.statuses[0]!, text: result.text };
}

describe("cross-site requests", () => {
  test("text/plain (a form or a no-cors fetch) is refused with 415", async () => {
    const before = gateway.gateway.registry.size;
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]) {
      const result = await add({ "content-type": type });
      expect(result.status).toBe(415);
      expect(result.text).toContain("Content-Type: application/json");
    }
    expect((await add({ "content-type": "" })).status).toBe(415);
    expect(gateway.gateway.registry.size).toBe(before);
  });

  test("a foreign Origin is refused with 403; Nexus's own origin is fine", async () => {
    const foreign = await add({
      "content-type": "application/json",
      origin: "http://evil.example",
    });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toContain("another origin");
    expect((await add({ "content-type": "application/json", origin: "null" })).status).toBe(403);
    const own = await add({
      "content-type": "application/json",
      origin: `http://127.0.0.1:${port}`,
    });
    expect(own.status).toBe(201);
  });

  test("DELETE with a foreign Origin is refused too", async () => {
    const result = await rawExchange(
      port,
      `DELETE /v1/backends/anything HTTP/1.1\r\nhost: localhost:${port}\r\norigin: http://evil.example\r\n\r\n`,
    );
    expect(result.statuses[0]).toBe(403);
  });
});

describe("DNS rebinding: the Host header", () => {
  test("a foreign name is refused; IP literals, localhost and allowed_hosts are accepted", async () => {
    const rebound = await add({ host: `evil.example:${port}`, "content-type": "application/json" });
    expect(rebound.status).toBe(403);
    expect(rebound.text).toContain("server.allowed_hosts");
    for (const host of [`localhost:${port}`, `[::1]:${port}`, "127.0.0.1", `nexus.lan:${port}`]) {
      expect((await add({ host, "content-type": "application/json" })).status).toBe(201);
    }
  });
});

describe("the admin token", () => {
  const remote = (authorization?: string) =>
    gateway.gateway.fetch(
      new Request("http://127.0.0.1/v1/backends/nope", {
        method: "DELETE",
        headers: authorization ? { authorization } : {},
      }),
      { remoteAddress: "192.168.1.50" },
    );

  test("the Bearer scheme is accepted in any case", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      // 404: past the guard, the backend simply does not exist.
      expect((await remote(`${scheme} ${ADMIN_TOKEN}`)).status).toBe(404);
    }
  });

  test("a wrong, partial or missing token is refused", async () => {
    for (
      const value of [`Bearer ${ADMIN_TOKEN.slice(0, -1)}`, `Bearer ${ADMIN_TOKEN}x`, "Basic x"]
    ) {
      expect((await remote(value)).status).toBe(401);
    }
    expect((await remote()).status).toBe(401);
  });

  test("constantTimeEqual compares whole values", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abd", "abc")).toBe(false);
    expect(constantTimeEqual("ab", "abc")).toBe(false);
    expect(constantTimeEqual("abcd", "abc")).toBe(false);
    expect(constantTimeEqual("", "abc")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("é", "é")).toBe(true);
  });
});
