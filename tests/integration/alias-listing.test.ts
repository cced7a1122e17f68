/**
 * An alias whose target is a name without a tag (`"gpt-4o" = "llama3.2"`) reaches Ollama's
 * `llama3.2:latest` like any request for `llama3.2` does, so the model lists every client picks
 * from (`/v1/models` for Open WebUI's OpenAI connection, `/api/tags` for its Ollama one) show it
 * too: a model picker that hides a name the gateway serves leaves the user guessing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { Ollama } from "ollama";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let mock: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  mock = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.2:latest" }] });
  gateway = await startGateway(
    [{ name: "ollie", url: mock.url, type: "ollama", models: ["llama3.2:latest"] }],
    { routing: { aliases: { "gpt-4o": "llama3.2", "gpt-4": "llama3.2:latest" } } },
  );
});

afterAll(async () => {
  await gateway?.close();
  await mock?.close();
});

describe("an alias of a name without a tag", () => {
  test("is listed by /v1/models, as the model a request for it reaches", async () => {
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    const rows = (await openai.models.list()).data.map((m) => [
      m.id,
      (m as unknown as { alias_of?: string }).alias_of,
    ]);
    expect(rows).toEqual([
      ["gpt-4", "llama3.2:latest"],
      ["gpt-4o", "llama3.2:latest"],
      ["llama3.2:latest", undefined],
    ]);
  });

  test("is listed by /api/tags", async () => {
    const { models } = await new Ollama({ host: gateway.url }).list();
    const rows = models.map((m) => [m.name, (m as unknown as { alias_of?: string }).alias_of]);
    expect(rows).toEqual([
      ["gpt-4", "llama3.2:latest"],
      ["gpt-4o", "llama3.2:latest"],
      ["llama3.2:latest", undefined],
    ]);
  });

  test("and a request for it is served by that model", async () => {
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    const answer = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.model).toBe("llama3.2:latest");
  });
});
