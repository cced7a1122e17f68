/**
 * Routing over HTTP: a real gateway on loopback in front of real mock upstreams, driven by the
 * official `openai` SDK where a client's view matters (failover, fallback) and by fetch where
 * the error body is the point.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";

const text = [{ role: "user" as const, content: "Hello there" }];
const withImage = [{
  role: "user" as const,
  content: [
    { type: "text" as const, text: "What is in this picture?" },
    { type: "image_url" as const, image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
  ],
}];

/** A loopback port nothing listens on: start a server, note its port, stop it. */
async function closedPortUrl(): Promise<string> {
  const runtime = await loadRuntime();
  const server = await runtime.serve(() => new Response("gone"), {
    hostname: "127.0.0.1",
    port: 0,
  });
  await server.stop(true);
  return `http://127.0.0.1:${server.port}`;
}

function post(gateway: RunningGateway, path: string, body: unknown): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("routing through a running gateway", () => {
  let live: MockBackend;
  let eyes: MockBackend;
  let gateway: RunningGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const served = (...ids: string[]) => ({ models: ids.map((id) => ({ id })) });
    live = await startMockBackend(served("m-failover", "small", "m-vision", "m-blind"));
    eyes = await startMockBackend(served("m-vision"));
    const dead = await closedPortUrl();
    gateway = await startGateway([
      // Preferred by priority, but nothing listens there.
      { name: "dead", url: dead, priority: 0, models: ["m-failover", "dead-only"] },
      {
        name: "live",
        url: live.url,
        priority: 50,
        models: [
          "m-failover",
          "small",
          { id: "m-vision", capabilities: { vision: false } },
          { id: "m-blind", capabilities: { vision: false } },
        ],
      },
      {
        name: "eyes",
        url: eyes.url,
        priority: 90,
        models: [{ id: "m-vision", capabilities: { vision: true } }],
      },
      {
        name: "down",
        url: "http://127.0.0.1:9",
        status: "unhealthy",
        models: ["big", "m-blind"],
      },
    ], {
      routing: {
        aliases: { "gpt-4": "m-vision" },
        fallbacks: { big: ["small"], "dead-only": ["small"] },
      },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway.close();
    await live.close();
    await eyes.close();
  });

  test("fails over to the next backend when the first refuses connections", async () => {
    const before = live.mock.chatRequests().length;
    const { data, response } = await client.chat.completions
      .create({ model: "m-failover", messages: text })
      .withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(response.headers.get("x-nexus-backend")).toBe("live");
    expect(response.headers.get("x-nexus-route-reason")).toBe("failover");
    expect(response.headers.get("x-nexus-fallback-model")).toBeNull();
    expect(live.mock.chatRequests().length).toBe(before + 1);
  });

  test("routes a vision request only to the vision-capable backend", async () => {
    const plain = await client.chat.completions.create({ model: "m-vision", messages: text })
      .withResponse();
    expect(plain.response.headers.get("x-nexus-backend")).toBe("live");
    const before = eyes.mock.chatRequests().length;
    const picture = await client.chat.completions.create({ model: "m-vision", messages: withImage })
      .withResponse();
    expect(picture.response.headers.get("x-nexus-backend")).toBe("eyes");
    expect(picture.response.headers.get("x-nexus-route-reason")).toBe("capability-match");
    expect(eyes.mock.chatRequests().length).toBe(before + 1);
  });

  test("sends the resolved model name when an alias is requested", async () => {
    const { response } = await client.chat.completions.create({ model: "gpt-4", messages: text })
      .withResponse();
    expect(response.headers.get("x-nexus-backend")).toBe("live");
    const received = live.mock.chatRequests().at(-1)!.body as { model: string };
    expect(received.model).toBe("m-vision");
  });

  test("an alias or fallback rewrites only the model: every other byte reaches the backend as sent", async () => {
    // Re-serialised, the seed (past 2^53) lost digits and 1e309 became null.
    const sent = (model: string) =>
      `{ "seed": 9223372036854775807, "max_tokens" : 1e309,\n "model":"${model}" , ` +
      `"messages": [{"role": "user", "content": "hi \\u00e9"}], "temperature": 1.0 }`;
    for (const [asked, served] of [["gpt-4", "m-vision"], ["big", "small"]]) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: sent(asked),
      });
      expect(response.status).toBe(200);
      await response.text();
      expect(live.mock.chatRequests().at(-1)!.bodyText).toBe(sent(served));
    }
  });

  test("serves a fallback model when the primary has no usable backend", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "big", messages: text })
      .withResponse();
    expect(data.model).toBe("small");
    expect(response.headers.get("x-nexus-backend")).toBe("live");
    expect(response.headers.get("x-nexus-route-reason")).toBe("fallback");
    expect(response.headers.get("x-nexus-fallback-model")).toBe("small");
    const received = live.mock.chatRequests().at(-1)!.body as { model: string };
    expect(received.model).toBe("small");
  });

  test("fails over from a refusing primary into its fallback chain", async () => {
    const { response } = await client.chat.completions
      .create({ model: "dead-only", messages: text })
      .withResponse();
    expect(response.headers.get("x-nexus-backend")).toBe("live");
    expect(response.headers.get("x-nexus-route-reason")).toBe("fallback");
    expect(response.headers.get("x-nexus-fallback-model")).toBe("small");
  });

  test("answers 503 with Retry-After and a context naming every exclusion", async () => {
    const response = await post(gateway, "/v1/chat/completions", {
      model: "m-blind",
      messages: withImage,
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("30");
    // A backend that is down may come back: the SDKs may retry.
    expect(response.headers.get("x-should-retry")).toBeNull();
    const { error } = await response.json();
    expect(error.code).toBe("service_unavailable");
    expect(error.type).toBe("server_error");
    expect(error.message).toBe(
      'No backend can serve model "m-blind" right now: ' +
        "live: no vision support; down: status unhealthy",
    );
    expect(error.context).toEqual({
      model: "m-blind",
      required: {
        operation: "chat",
        vision: true,
        tools: false,
        json_mode: false,
        estimated_tokens: 6,
        fim: false,
      },
      excluded: [
        { backend: "live", model: "m-blind", reason: "no vision support" },
        { backend: "down", model: "m-blind", reason: "status unhealthy" },
      ],
      fallbacks_tried: [],
    });
  });

  test("answers 404 listing available models and aliases for an unknown model", async () => {
    const response = await post(gateway, "/v1/chat/completions", { model: "nope", messages: text });
    expect(response.status).toBe(404);
    const { error } = await response.json();
    expect(error).toMatchObject({ code: "model_not_found", param: "model" });
    expect(error.message).toBe(
      'Model "nope" not found. Available models: dead-only, gpt-4, m-blind, m-failover, ' +
        "m-vision, small",
    );
  });

  test("GET /v1/route explains the decision for a model, alias path included", async () => {
    const before = live.mock.chatRequests().length + eyes.mock.chatRequests().length;
    const response = await fetch(`${gateway.url}/v1/route?model=gpt-4`);
    expect(response.status).toBe(200);
    const explained = await response.json();
    expect(explained).toMatchObject({
      object: "nexus.route",
      requested: "gpt-4",
      model: "m-vision",
      alias_path: ["gpt-4", "m-vision"],
      strategy: "smart",
      requirements: { vision: false, tools: false, json_mode: false, estimated_tokens: 0 },
      excluded: [],
      decision: { ok: true, backend: "live", model: "m-vision", route_reason: "capability-match" },
    });
    const names = explained.candidates.map((c: { backend: string }) => c.backend);
    expect(names).toEqual(["live", "eyes"]);
    expect(explained.candidates[1].components.priority).toBe(10);
    const after = live.mock.chatRequests().length + eyes.mock.chatRequests().length;
    expect(after).toBe(before);
  });

  test("POST /v1/route reads the requirements from a chat request body", async () => {
    const response = await post(gateway, "/v1/route", { model: "m-vision", messages: withImage });
    expect(response.status).toBe(200);
    const explained = await response.json();
    expect(explained.requirements.vision).toBe(true);
    expect(explained.candidates.map((c: { backend: string }) => c.backend)).toEqual(["eyes"]);
    expect(explained.excluded).toEqual([
      { backend: "live", model: "m-vision", reason: "no vision support" },
    ]);
  });

  test("GET /v1/route shows the fallback path and a rejection inside the explanation", async () => {
    const fallback = await (await fetch(`${gateway.url}/v1/route?model=big`)).json();
    expect(fallback.fallbacks).toEqual([{ name: "small", model: "small", outcome: "used" }]);
    expect(fallback.decision).toEqual({
      ok: true,
      backend: "live",
      model: "small",
      route_reason: "fallback",
    });
    const unknown = await fetch(`${gateway.url}/v1/route?model=nope`);
    expect(unknown.status).toBe(200);
    expect((await unknown.json()).decision).toMatchObject({
      ok: false,
      status: 404,
      code: "model_not_found",
    });
  });

  test("GET /v1/route without a model is 400; another method is 405", async () => {
    const missing = await fetch(`${gateway.url}/v1/route`);
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatchObject({
      code: "invalid_request_error",
      param: "model",
    });
    const wrong = await fetch(`${gateway.url}/v1/route`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, POST");
    await wrong.body?.cancel();
  });
});

describe("a model no backend can ever serve as asked", () => {
  let blind: MockBackend;
  let gateway: RunningGateway;
  let calls = 0;
  /** Counts what the SDK sends, so a retry shows. */
  const counted: typeof fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    calls++;
    return fetch(input, init);
  }) as typeof fetch;

  beforeAll(async () => {
    blind = await startMockBackend({ models: [{ id: "m-text" }] });
    gateway = await startGateway([{
      name: "blind",
      url: blind.url,
      models: [{ id: "m-text", capabilities: { vision: false, tools: false } }],
    }]);
  });

  afterAll(async () => {
    await gateway.close();
    await blind.close();
  });

  test("503 keeps Retry-After and adds x-should-retry: false", async () => {
    const response = await post(gateway, "/v1/chat/completions", {
      model: "m-text",
      messages: withImage,
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("30");
    expect(response.headers.get("x-should-retry")).toBe("false");
    expect((await response.json()).error.message).toBe(
      'No backend can serve model "m-text" right now: blind: no vision support',
    );
  });

  test("the openai SDK, with its default retries, fails at once instead of waiting a minute", async () => {
    calls = 0;
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", fetch: counted });
    const error = await client.chat.completions.create({ model: "m-text", messages: withImage })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(calls).toBe(1);
    expect(blind.mock.chatRequests()).toEqual([]);
  });

  test("the Anthropic SDK, with its default retries, fails at once too", async () => {
    calls = 0;
    const client = new Anthropic({ baseURL: gateway.url, apiKey: "unused", fetch: counted });
    const error = await client.messages.create({
      model: "m-text",
      max_tokens: 16,
      tools: [{ name: "lookup", input_schema: { type: "object", properties: {} } }],
      messages: [{ role: "user", content: "Look it up" }],
    }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
    expect(String((error as Error).message)).toContain("blind: no tool support");
    expect(calls).toBe(1);
  });
});
