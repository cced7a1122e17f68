/**
 * Keys echoed back (issue 14, item 6): a backend that dumps the request's headers into its error
 * body must not get its API key — or the client's own credential — into the client's 502, into
 * `last_error` on /v1/backends, into a log line, or into a passed-through error body.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type HostileBackend, startHostileBackend } from "../helpers/hostile-backend.ts";
import { TEST_SECRETS } from "../helpers/secrets.ts";

const CHAT = "/v1/chat/completions";
const BACKEND_KEY = TEST_SECRETS.backendKey;
const CLIENT_KEY = TEST_SECRETS.clientKey;
const ADMIN_TOKEN = TEST_SECRETS.adminToken;
let echo: HostileBackend;
let forwarding: HostileBackend;
let gateway: RunningGateway;
const seen: string[] = [];

beforeAll(async () => {
  echo = await startHostileBackend({ [CHAT]: { kind: "echo-headers", status: 500 } });
  forwarding = await startHostileBackend({ [CHAT]: { kind: "echo-headers", status: 503 } });
  gateway = await startGateway(
    [
      { name: "keyed", url: echo.url, api_key_env: "ECHO_KEY", models: ["keyed-model"] },
      { name: "fwd", url: forwarding.url, forward_client_auth: true, models: ["fwd-model"] },
    ],
    // Its backends fail on purpose, again and again: no circuit breaker keeps them out.
    { server: { admin_token: ADMIN_TOKEN }, health_check: { breaker_failures: 0 } },
    { env: { ECHO_KEY: BACKEND_KEY } },
  );
});

afterAll(async () => {
  await gateway.close();
  await echo.close();
  await forwarding.close();
});

async function collect(path: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(`${gateway.url}${path}`, init);
  seen.push(
    `${response.status} ${JSON.stringify([...response.headers])} ${await response.clone().text()}`,
  );
  return response;
}

const chat = (model: string, stream = false) =>
  collect(CHAT, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${CLIENT_KEY}` },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
  });

describe("a backend that echoes the request's headers into its errors", () => {
  test("did receive the keys (the test is real)", async () => {
    await chat("keyed-model");
    await chat("fwd-model");
    expect(echo.requests.at(-1)!.headers.authorization).toBe(`Bearer ${BACKEND_KEY}`);
    expect(forwarding.requests.at(-1)!.headers.authorization).toBe(`Bearer ${CLIENT_KEY}`);
  });

  test("the client's 502 carries no key, stream or not", async () => {
    for (const stream of [false, true]) {
      for (const model of ["keyed-model", "fwd-model"]) {
        const response = await chat(model, stream);
        expect(response.status).toBeGreaterThanOrEqual(500);
        const text = await response.text();
        expect(text).toContain("[redacted]");
        expect(text).not.toContain(BACKEND_KEY);
        expect(text).not.toContain(CLIENT_KEY);
      }
    }
  });

  test("last_error on /v1/backends and the logs carry no key", async () => {
    const list = await (await collect("/v1/backends")).text();
    expect(list).toContain("[redacted]");
    for (const text of [list, ...gateway.logs]) {
      expect(text).not.toContain(BACKEND_KEY);
      expect(text).not.toContain(CLIENT_KEY);
    }
  });

  test("a 4xx body passed through to the client has the configured key removed", async () => {
    echo.set(CHAT, { kind: "echo-headers", status: 401, json: true });
    const response = await chat("keyed-model");
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).toContain("[redacted]");
    expect(text).not.toContain(BACKEND_KEY);
  });

  test("nothing any response here said held a secret", () => {
    expect(seen.length).toBe(8);
    for (const text of seen) {
      for (const secret of [BACKEND_KEY, CLIENT_KEY, ADMIN_TOKEN]) {
        expect(text).not.toContain(secret);
      }
    }
  });
});
