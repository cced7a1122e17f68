/**
 * `[auth] mode = "keys"` end to end, in process (no Redis): the openai, anthropic and ollama
 * clients work with a key and get 401 in their own envelope without one; the admin API; model
 * lists per key; per-key limits (429 with Retry-After and x-ratelimit-*); usage in the admin
 * API, /v1/stats and /metrics; brute-force throttling. Every output of the file is scanned for
 * the generated keys at the end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { memoryFiles } from "../../src/state/mod.ts";

let openaiMock: MockBackend;
let ollamaMock: MockBackend;
let gateway: RunningGateway;
/** Every key this file created: none may appear in any output but its creation answer. */
const keys: string[] = [];
/** Every response body and header seen (creation answers excepted), for the final scan. */
const seen: string[] = [];
const files = new Map<string, string>();

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${gateway.url}${path}`, init);
  seen.push(
    `${response.status} ${JSON.stringify([...response.headers])} ${await response.clone().text()}`,
  );
  return response;
}

async function createKey(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/keys`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  const created = await response.json() as { key: string; name: string };
  expect(created.key).toMatch(/^nx-[A-Za-z0-9_-]{32}$/);
  keys.push(created.key);
  return created.key;
}

const chat = (key: string | undefined, model = "llama3:8b", extra: Record<string, string> = {}) =>
  call("/v1/chat/completions", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...extra,
    },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello there" }] }),
  });

beforeAll(async () => {
  openaiMock = await startMockBackend({ models: [{ id: "llama3:8b" }, { id: "qwen:7b" }] });
  ollamaMock = await startMockBackend({ flavor: "ollama", models: [{ id: "gemma:2b" }] });
  gateway = await startGateway(
    [
      { name: "vllm", url: openaiMock.url, type: "vllm", models: ["llama3:8b", "qwen:7b"] },
      {
        name: "ollama",
        url: ollamaMock.url,
        type: "ollama",
        models: ["gemma:2b"],
        forward_client_auth: true,
      },
    ],
    // Loopback is one address for every test here: the brute-force rule has its own gateway.
    {
      auth: { mode: "keys", failures_per_minute: 1000 },
      routing: { aliases: { "gpt-4": "llama3:8b" } },
    },
    { files: memoryFiles(files), keysFile: "/keys/nexus-keys.json" },
  );
});

afterAll(async () => {
  await gateway.close();
  await gateway.gateway.stop();
  await openaiMock.close();
  await ollamaMock.close();
});

describe("without a key", () => {
  test("every front door answers 401 in its own dialect, before reading the body", async () => {
    const openai = await chat(undefined);
    expect(openai.status).toBe(401);
    expect((await openai.json()).error).toMatchObject({
      type: "authentication_error",
      code: "unauthorized",
    });
    const anthropic = await call("/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "sk-ant-not-a-nexus-key" },
      body: "{}",
    });
    expect(anthropic.status).toBe(401);
    expect(await anthropic.json()).toMatchObject({
      type: "error",
      error: { type: "authentication_error" },
    });
    const ollama = await call("/api/chat", { method: "POST", body: "not even json" });
    expect(ollama.status).toBe(401);
    expect(Object.keys(await ollama.json())).toEqual(["error"]);
  });

  test("model lists and Ollama's model routes need a key; liveness and /health do not", async () => {
    expect((await call("/v1/models")).status).toBe(401);
    expect((await call("/v1/models/llama3:8b")).status).toBe(401);
    expect((await call("/api/tags")).status).toBe(401);
    expect((await call("/api/ps")).status).toBe(401);
    expect((await call("/api/version")).status).toBe(200);
    expect((await call("/")).status).toBe(200);
    expect((await call("/health")).status).toBe(200);
  });

  test("an unknown key and a revoked key get exactly the same answer", async () => {
    const key = await createKey({ name: "short-lived" });
    expect((await chat(key)).status).toBe(200);
    const revoked = await call("/v1/keys/short-lived", { method: "DELETE" });
    expect(revoked.status).toBe(200);
    expect((await revoked.json()).status).toBe("revoked");
    const afterRevoke = await chat(key);
    const unknown = await chat(`nx-${"A".repeat(32)}`);
    expect(afterRevoke.status).toBe(401);
    expect(await afterRevoke.text()).toBe(await unknown.text());
  });
});

describe("with a key", () => {
  let key: string;
  beforeAll(async () => {
    key = await createKey({ name: "alice" });
  });

  test("the openai client chats, lists models and streams", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: "llama3:8b",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.choices[0]!.message.content).toBeTruthy();
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain("gemma:2b");
    expect((await client.models.retrieve("gemma:2b")).id).toBe("gemma:2b");
    const stream = await client.chat.completions.create({
      model: "llama3:8b",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text.length).toBeGreaterThan(0);
  });

  test("the openai client without a key gets AuthenticationError", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    const error = await client.chat.completions.create({
      model: "llama3:8b",
      messages: [{ role: "user", content: "hi" }],
    }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test("the anthropic client works with the key in x-api-key, and fails without", async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 });
    const message = await client.messages.create({
      model: "llama3:8b",
      max_tokens: 32,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(message.content.length).toBeGreaterThan(0);
    const wrong = new Anthropic({ baseURL: gateway.url, apiKey: "sk-ant-x", maxRetries: 0 });
    const error = await wrong.messages.create({
      model: "llama3:8b",
      max_tokens: 32,
      messages: [{ role: "user", content: "hi" }],
    }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
  });

  test("the ollama client works with the key as its bearer, and fails without", async () => {
    const client = new Ollama({ host: gateway.url, headers: { Authorization: `Bearer ${key}` } });
    const answer = await client.chat({
      model: "gemma:2b",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.message.content.length).toBeGreaterThan(0);
    expect((await client.list()).models.length).toBeGreaterThan(0);
    const anonymous = new Ollama({ host: gateway.url });
    const error = await anonymous.chat({
      model: "gemma:2b",
      messages: [{ role: "user", content: "hi" }],
    }).catch((e) => e);
    expect((error as { status_code?: number }).status_code).toBe(401);
  });

  test("the key never reaches a backend, even one with forward_client_auth", () => {
    for (const request of [...openaiMock.mock.requests, ...ollamaMock.mock.requests]) {
      const headers = JSON.stringify(request.headers);
      for (const k of keys) expect(headers).not.toContain(k);
    }
    expect(ollamaMock.mock.requests.some((r) => r.path === "/api/chat")).toBe(true);
  });

  test("the admin API lists keys without the key or its hash", async () => {
    const list = await call("/v1/keys");
    expect(list.status).toBe(200);
    const body = await list.json() as { data: Array<Record<string, unknown>> };
    const alice = body.data.find((k) => k.name === "alice")!;
    expect(alice).toMatchObject({ status: "active", rpm: null, models: null });
    expect(JSON.stringify(body)).not.toContain("sha256:");
  });

  test("/health shows the fleet to a key holder or an admin, only the verdict to others", async () => {
    const health = async (headers: Record<string, string> = {}) => {
      const response = await gateway.gateway.fetch(
        new Request("http://nexus.test/health", { headers }),
        { remoteAddress: "192.0.2.7" },
      );
      return await response.json();
    };
    const anonymous = await health();
    expect(Object.keys(anonymous).sort()).toEqual(["status", "uptime_seconds", "version"]);
    const unknown = await health({ authorization: `Bearer nx-${"B".repeat(32)}` });
    expect(unknown.backends).toBeUndefined();
    const holder = await health({ authorization: `Bearer ${key}` });
    expect(holder.backends.total).toBe(2);
    const local = await (await call("/health")).json();
    expect(local.backends.total).toBe(2);
  });

  test("the keys file holds hashes only, with mode 0600", () => {
    const text = files.get("/keys/nexus-keys.json")!;
    expect(text).toContain('"name": "alice"');
    expect(text).toMatch(/"hash": "sha256:[0-9a-f]{64}"/);
    for (const k of keys) expect(text).not.toContain(k);
  });
});

describe("limits", () => {
  test("requests per minute: 429 with Retry-After and x-ratelimit-* in each dialect", async () => {
    const key = await createKey({ name: "rpm-2", rpm: 2 });
    const first = await chat(key);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect(first.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(\.\d+)?s$/);
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect((await refused.json()).error).toMatchObject({
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
    });
    const anthropic = await call("/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({
        model: "llama3:8b",
        max_tokens: 8,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(anthropic.status).toBe(429);
    expect((await anthropic.json()).error.type).toBe("rate_limit_error");
    const ollama = await call("/api/chat", {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "gemma:2b", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(ollama.status).toBe(429);
    expect(ollama.headers.get("retry-after")).not.toBeNull();
  });

  test("tokens per minute: the prompt estimate is charged first, the usage settles it", async () => {
    const key = await createKey({ name: "tpm-100", tpm: 100 });
    const long = "word ".repeat(200); // ~250 tokens by the estimate: more than the bucket
    const send = () =>
      call("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "llama3:8b", messages: [{ role: "user", content: long }] }),
      });
    // A full bucket lets one oversized request through; the debt refuses the next.
    const first = await send();
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("100");
    expect(first.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
    const second = await send();
    expect(second.status).toBe(429);
    expect((await second.json()).error.message).toContain("100 tokens per minute");
  });

  test("concurrency: a second request while one runs gets 429 at once, not a queue", async () => {
    const key = await createKey({ name: "one-at-a-time", concurrency: 1 });
    openaiMock.mock.setOptions({ latencyMs: 300 });
    try {
      const slow = chat(key);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await chat(key);
      expect(second.status).toBe(429);
      expect((await second.json()).error.message).toContain("1 requests at once");
      expect((await slow).status).toBe(200);
    } finally {
      openaiMock.mock.setOptions({ latencyMs: 0 });
    }
    // The slot is free again once the first has ended.
    expect((await chat(key)).status).toBe(200);
  });

  test("models: a key limited to globs may use those (aliases resolved first), 403 otherwise", async () => {
    const key = await createKey({ name: "llama-only", models: ["llama3*"] });
    expect((await chat(key, "llama3:8b")).status).toBe(200);
    expect((await chat(key, "gpt-4")).status).toBe(200);
    const refused = await chat(key, "qwen:7b");
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.type).toBe("permission_error");
  });

  test("models: the listings show a key with globs the models it may use, aliases included", async () => {
    const key = await createKey({ name: "llama-lister", models: ["llama3*"] });
    const auth = { authorization: `Bearer ${key}` };
    const openai = await (await call("/v1/models", { headers: auth })).json() as {
      data: Array<{ id: string }>;
    };
    // gpt-4 is an alias of llama3:8b: a request for it would be let through, so it is listed.
    expect(openai.data.map((model) => model.id).sort()).toEqual(["gpt-4", "llama3:8b"]);
    const tags = await (await call("/api/tags", { headers: auth })).json() as {
      models: Array<{ name: string }>;
    };
    expect(tags.models.map((model) => model.name).sort()).toEqual(["gpt-4", "llama3:8b"]);
    // A key without globs sees every model.
    const open = await createKey({ name: "every-model" });
    const all = await (await call("/v1/models", {
      headers: { authorization: `Bearer ${open}` },
    })).json() as { data: Array<{ id: string }> };
    expect(all.data.map((model) => model.id)).toEqual(
      expect.arrayContaining(["gemma:2b", "llama3:8b", "qwen:7b"]),
    );
  });
});

describe("usage", () => {
  test("per key, model and day in the admin API, /v1/stats and /metrics", async () => {
    const key = await createKey({ name: "counted" });
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key, "qwen:7b")).status).toBe(200);
    const usage = await (await call("/v1/keys/usage?name=counted&since=1d")).json() as {
      source: string;
      data: Array<Record<string, unknown>>;
    };
    expect(usage.source).toBe("local");
    expect(usage.data.map((row) => row.model).sort()).toEqual(["llama3:8b", "qwen:7b"]);
    for (const row of usage.data) {
      expect(row).toMatchObject({ key: "counted", requests: 1, errors: 0 });
      expect(row.prompt_tokens as number).toBeGreaterThan(0);
      expect(row.completion_tokens as number).toBeGreaterThan(0);
    }
    const stats = await (await call("/v1/stats")).json() as {
      keys: Array<{ name: string; requests: number; models: Record<string, unknown> }>;
    };
    const counted = stats.keys.find((k) => k.name === "counted")!;
    expect(counted.requests).toBe(2);
    expect(Object.keys(counted.models).sort()).toEqual(["llama3:8b", "qwen:7b"]);
    const metrics = await (await call("/metrics")).text();
    expect(metrics).toMatch(
      /nexus_key_requests_total\{key="counted",model="llama3:8b",status="200"\} 1/,
    );
    expect(metrics).toMatch(
      /nexus_key_tokens_total\{key="counted",model="qwen:7b",type="prompt"\}/,
    );
  });

  test("the request log names the key, never the key itself", () => {
    const lines = gateway.logs.filter((line) => line.includes('"key":"counted"'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });
});

describe("brute force", () => {
  /** A gateway of its own (its throttle counts from zero) with one key created on it. */
  async function throttledGateway(failuresPerMinute: number, keyName: string) {
    const strict = await startGateway(
      [{ name: "vllm", url: openaiMock.url, type: "vllm", models: ["llama3:8b"] }],
      { auth: { mode: "keys", failures_per_minute: failuresPerMinute } },
      { files: memoryFiles(), keysFile: `/${keyName}/keys.json` },
    );
    const created = await (await fetch(`${strict.url}/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: keyName }),
    })).json() as { key: string };
    keys.push(created.key);
    return { strict, created };
  }

  test("requests without any key are refused, not counted: the address's right key still works", async () => {
    const { strict, created } = await throttledGateway(2, "forgetful");
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${strict.url}/v1/models`);
        seen.push(await response.text());
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      const right = await fetch(`${strict.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${created.key}` },
        body: JSON.stringify({ model: "llama3:8b", messages: [{ role: "user", content: "x" }] }),
      });
      seen.push(await right.text());
      expect(right.status).toBe(200);
      // A wrong scheme is a presented credential: it counts.
      const basic: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${strict.url}/v1/models`, {
          headers: { authorization: "Basic Z3Vlc3M6Z3Vlc3M=" },
        });
        seen.push(await response.text());
        basic.push(response.status);
      }
      expect(basic).toEqual([401, 401, 429]);
      seen.push(...strict.logs);
    } finally {
      await strict.close();
      await strict.gateway.stop();
    }
  });

  test("an address failing N times a minute gets 429 before any key is looked at", async () => {
    const { strict, created } = await throttledGateway(5, "patient");
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const response = await fetch(`${strict.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer nx-guess-${i}` },
          body: "{}",
        });
        seen.push(await response.text());
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
      // The right key waits too, or the throttle would still answer every guess.
      const right = await fetch(`${strict.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${created.key}` },
        body: JSON.stringify({ model: "llama3:8b", messages: [{ role: "user", content: "x" }] }),
      });
      expect(right.status).toBe(429);
      expect(Number(right.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await right.json()).error.message).toContain("Too many failed authentications");
      // One warning a minute per address, however many failures.
      const warnings = strict.logs.filter((line) => line.includes("authentication failed"));
      expect(warnings.length).toBe(1);
      seen.push(...strict.logs);
    } finally {
      await strict.close();
      await strict.gateway.stop();
    }
  });
});

describe("no key leaks", () => {
  test("no generated key in any response, log line, metric, stats entry or /v1/route output", async () => {
    seen.push(await (await fetch(`${gateway.url}/metrics`)).text());
    seen.push(await (await fetch(`${gateway.url}/v1/stats`)).text());
    seen.push(await (await fetch(`${gateway.url}/v1/route?model=llama3:8b`)).text());
    seen.push(await (await fetch(`${gateway.url}/v1/keys/usage`)).text());
    const everything = [...seen, ...gateway.logs].join("\n");
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(everything).not.toContain(key);
    for (const key of keys) expect(everything).not.toContain(key.slice(3));
  });
});
