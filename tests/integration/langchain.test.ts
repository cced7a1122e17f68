/**
 * LangChain (`@langchain/openai` on `@langchain/core`), unchanged, against a started Nexus in
 * front of a chat-completions mock: ChatOpenAI on chat completions and with `useResponsesApi`
 * (the Responses API, translated by Nexus) invokes, streams with usage, and runs a bound tool
 * through a second turn; OpenAIEmbeddings embeds documents and a query through an alias; and the
 * failures an app meets: an unknown model, a full queue (429) and a backend's 503 with
 * Retry-After, a backend dying mid-stream, and the app aborting.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { type AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import OpenAI from "openai";
import { z } from "zod";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type FailureFleet, startFailureFleet } from "../helpers/sdk-failure-fleet.ts";
import { gate } from "../helpers/needs.ts";
import { recordTimeouts, rejection } from "../helpers/timer-log.ts";
import { estimateTokens, TOOL_ARGUMENTS } from "../mock/chat.ts";

const TEXT = "Nexus routed this answer to the model that could serve it.";
let backend: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  backend = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "llama3.1:8b" }, { id: "nomic-embed-text" }],
    text: TEXT,
    chunks: 5,
  });
  gateway = await startGateway([{
    name: "ollama",
    url: backend.url,
    type: "ollama",
    models: [
      "llama3.1:8b",
      { id: "nomic-embed-text", capabilities: { embeddings: true, completion: false } },
    ],
  }], {
    routing: {
      aliases: { "gpt-4o-mini": "llama3.1:8b", "text-embedding-3-small": "nomic-embed-text" },
      max_retries: 0,
    },
  });
});

afterAll(async () => {
  await gateway.close();
  await backend.close();
});

const connection = () => ({
  apiKey: "sk-app",
  configuration: { baseURL: `${gateway.url}/v1` },
  maxRetries: 0,
});

const weather = tool(({ location }) => Promise.resolve(`Sunny, 21 °C in ${location}`), {
  name: "weather",
  description: "Weather for a city",
  schema: z.object({ location: z.string() }),
});

function lastSent() {
  const body = backend.mock.chatRequests().at(-1)!.body as { model: string; messages: unknown[] };
  return { body, promptTokens: estimateTokens(JSON.stringify(body.messages)) };
}

async function collect(chunks: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const all: AIMessageChunk[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

const merged = (chunks: AIMessageChunk[]) => chunks.reduce((sum, chunk) => sum.concat(chunk));

for (const useResponsesApi of [false, true]) {
  const name = useResponsesApi ? "the Responses API (useResponsesApi)" : "chat completions";
  describe(`LangChain ChatOpenAI on ${name}`, () => {
    const model = (id = "llama3.1:8b") =>
      new ChatOpenAI({ model: id, useResponsesApi, ...connection() });

    test("invoke: the backend's text and usage", async () => {
      const answer = await model().invoke("Hello?");
      expect(answer.text).toBe(TEXT);
      expect(answer.usage_metadata).toMatchObject({
        input_tokens: lastSent().promptTokens,
        output_tokens: estimateTokens(TEXT),
        total_tokens: lastSent().promptTokens + estimateTokens(TEXT),
      });
    });

    test("stream: chunks make the text, the merged message has the usage", async () => {
      const chunks = await collect(await model().stream("Hello?"));
      expect(chunks.filter((c) => c.text !== "").length).toBeGreaterThan(1);
      const message = merged(chunks);
      expect(message.text).toBe(TEXT);
      expect(message.usage_metadata?.input_tokens).toBe(lastSent().promptTokens);
      expect(message.usage_metadata?.output_tokens).toBe(estimateTokens(TEXT));
    });

    test("bindTools: the tool call comes back, its result goes in the next turn", async () => {
      const bound = model().bindTools([weather]);
      const question = new HumanMessage("Weather in Paris?");
      const call = await bound.invoke([question]);
      expect(call.tool_calls).toHaveLength(1);
      expect(call.tool_calls![0]).toMatchObject({ name: "weather", args: { location: "Paris" } });
      const result = await weather.invoke(call.tool_calls![0]!);
      const answer = await bound.invoke([question, call, result]);
      expect(answer.text).toBe(TEXT);
      const [assistant, toolMessage] = lastSent().body.messages.slice(-2) as Array<
        Record<string, unknown>
      >;
      const calls = assistant!.tool_calls as Array<{ id: string; function: unknown }>;
      expect(calls[0]!.function).toEqual({ name: "weather", arguments: TOOL_ARGUMENTS });
      expect(toolMessage).toMatchObject({
        role: "tool",
        tool_call_id: calls[0]!.id,
        content: "Sunny, 21 °C in Paris",
      });
      expect(answer.usage_metadata?.total_tokens).toBeGreaterThan(0);
    });

    test("a streamed tool call arrives whole, with usage", async () => {
      const chunks = await collect(await model().bindTools([weather]).stream("Weather in Paris?"));
      const message = merged(chunks);
      expect(message.tool_calls).toHaveLength(1);
      expect(message.tool_calls![0]).toMatchObject({
        name: "weather",
        args: { location: "Paris" },
      });
      expect(message.usage_metadata?.output_tokens).toBe(estimateTokens(TOOL_ARGUMENTS));
    });

    test("an alias: the backend receives the model it stands for", async () => {
      expect((await model("gpt-4o-mini").invoke("Hello?")).text).toBe(TEXT);
      expect(lastSent().body.model).toBe("llama3.1:8b");
    });
  });
}

describe("LangChain OpenAIEmbeddings", () => {
  test("embedDocuments and embedQuery through an alias", async () => {
    const embeddings = new OpenAIEmbeddings({ model: "text-embedding-3-small", ...connection() });
    const vectors = await embeddings.embedDocuments(["first", "second", "third"]);
    expect(vectors).toHaveLength(3);
    expect(vectors.every((vector) => vector.length === 8)).toBe(true);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(await embeddings.embedQuery("a query")).toHaveLength(8);
    const request = backend.mock.requests.filter((r) => r.path === "/v1/embeddings").at(-1)!;
    expect((request.body as { model: string }).model).toBe("nomic-embed-text");
  });
});

describe("failures a LangChain app meets", () => {
  let flaky: MockBackend;
  let slow: MockBackend;
  let edge: RunningGateway;
  let fleet: FailureFleet;

  beforeAll(async () => {
    fleet = await startFailureFleet(TEXT);
    ({ flaky, slow, edge } = fleet);
  });

  afterAll(() => fleet.close());

  const chat = (model: string, maxRetries = 0, useResponsesApi = false) =>
    new ChatOpenAI({
      model,
      apiKey: "sk-app",
      configuration: { baseURL: `${edge.url}/v1` },
      maxRetries,
      useResponsesApi,
    });

  test("an unknown model: the openai SDK's NotFoundError with OpenAI's body, not retried", async () => {
    for (const useResponsesApi of [false, true]) {
      const { outcome, delays } = await recordTimeouts(() =>
        chat("nope", 2, useResponsesApi).invoke("Hello?")
      );
      const error = rejection(outcome) as InstanceType<typeof OpenAI.NotFoundError>;
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.status).toBe(404);
      expect(error.error).toMatchObject({
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      });
      expect(error.message).toContain('Model "nope" not found. Available models:');
      expect((error as unknown as { lc_error_code?: string }).lc_error_code)
        .toBe("MODEL_NOT_FOUND");
      // LangChain's retry backoff (1 to 2 s first) never started.
      expect(delays.some((ms) => ms >= 1000 && ms <= 2000)).toBe(false);
    }
  });

  test("a full queue: 429 with Retry-After 3; LangChain waits it before its retry", async () => {
    flaky.mock.setFault({ kind: "hang-before-headers" });
    const holder = new AbortController();
    const held = fetch(`${edge.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hold" }] }),
      signal: holder.signal,
    }).catch(() => undefined);
    try {
      await waitFor(() => edge.gateway.registry.get("flaky")!.pending === 1, "the slot held");
      const arrivals = edge.gateway.admission.arrivals;
      const { outcome, delays } = await recordTimeouts(() => chat("m", 1).invoke("Hello?"));
      const error = rejection(outcome) as InstanceType<typeof OpenAI.RateLimitError>;
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(error.headers.get("retry-after")).toBe("3");
      expect(error.error).toMatchObject({ code: "rate_limit_exceeded" });
      // Its own backoff would be 1 to 2 s: it waited the Retry-After instead.
      expect(delays).toContain(3000);
      expect(edge.gateway.admission.arrivals - arrivals).toBe(2);
    } finally {
      holder.abort();
      await held;
      flaky.mock.setFault({ kind: "none" });
      await waitFor(() => edge.gateway.registry.get("flaky")!.pending === 0, "the slot free");
    }
  }, 30_000);

  test(
    "a backend's 503 with Retry-After: retried on LangChain's own backoff, not Retry-After",
    async () => {
      flaky.mock.setFault({
        kind: "status",
        status: 503,
        body: JSON.stringify({ error: { message: "Loading model", type: "unavailable_error" } }),
        headers: { "retry-after": "3" },
      });
      try {
        const before = flaky.mock.chatRequests().length;
        const { outcome, delays } = await recordTimeouts(() => chat("m", 1).invoke("Hello?"));
        const error = rejection(outcome) as InstanceType<typeof OpenAI.InternalServerError>;
        expect(error).toBeInstanceOf(OpenAI.InternalServerError);
        expect(error.status).toBe(503);
        expect(error.headers.get("retry-after")).toBe("3");
        expect(error.message).toContain("Loading model");
        expect(flaky.mock.chatRequests().length - before).toBe(2);
        expect(delays).not.toContain(3000);
        expect(delays.some((ms) => ms >= 1000 && ms <= 2000)).toBe(true);
      } finally {
        flaky.mock.setFault({ kind: "none" });
      }
    },
    30_000,
  );

  test("a backend that dies mid-stream: the stream throws the gateway's error", async () => {
    flaky.mock.setFault({ kind: "close-mid-stream", afterChunks: 3 });
    try {
      for (const useResponsesApi of [false, true]) {
        let text = "";
        const failed = await (async () => {
          for await (const chunk of await chat("m", 0, useResponsesApi).stream("Hello?")) {
            text += chunk.text;
          }
        })().then(() => undefined, (error: unknown) => error);
        expect(failed).toBeInstanceOf(OpenAI.APIError);
        expect((failed as Error).message).toContain("Backend flaky failed");
        expect(text.length).toBeGreaterThan(0);
        expect(TEXT.startsWith(text) && text !== TEXT).toBe(true);
      }
    } finally {
      flaky.mock.setFault({ kind: "none" });
    }
  });

  test("an abort mid-stream cancels the backend's request", async () => {
    for (const useResponsesApi of [false, true]) {
      const controller = new AbortController();
      const stream = await chat("slow", 0, useResponsesApi).stream("Hello?", {
        signal: controller.signal,
      });
      const failed = await (async () => {
        for await (const chunk of stream) if (chunk.text !== "") controller.abort();
      })().then(() => undefined, (error: unknown) => error);
      expect((failed as Error).name).toBe("AbortError");
      expect((await slow.mock.nextAbort()).abortedAt).toBeDefined();
      await waitFor(() => edge.gateway.registry.get("slow")!.pending === 0, "pending back to 0");
    }
  });

  // The openai SDK's requests (its x-stainless-* headers) are over 512 bytes: Deno.serve misses a
  // client that leaves before the response head then (tests/integration/disconnect.test.ts).
  const beyondDenoFirstRead = gate(
    "Deno" in globalThis
      ? { mode: "skip", reason: "Deno.serve misses it: see bench/deno-abort-repro.ts" }
      : { mode: "run" },
  );

  beyondDenoFirstRead.test("an abort before the first byte cancels the backend's request", async () => {
    slow.mock.setFault({ kind: "hang-before-headers" });
    try {
      for (const useResponsesApi of [false, true]) {
        const controller = new AbortController();
        const before = slow.mock.chatRequests().length;
        const call = chat("slow", 0, useResponsesApi).invoke("Hello?", {
          signal: controller.signal,
        })
          .then(() => undefined, (error: unknown) => error);
        await waitFor(() => slow.mock.chatRequests().length > before, "the request upstream");
        controller.abort();
        expect(((await call) as Error).name).toBe("AbortError");
        expect((await slow.mock.nextAbort()).abortedAt).toBeDefined();
        await waitFor(() => edge.gateway.registry.get("slow")!.pending === 0, "pending back to 0");
      }
    } finally {
      slow.mock.setFault({ kind: "none" });
    }
  });
});
