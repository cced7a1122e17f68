/**
 * An error nothing caught (a bug) is still answered in the dialect of the route it hit: a 500 in
 * Ollama's `{"error": …}` on `/api/chat`, in Anthropic's envelope on `/v1/messages`. It used to
 * be OpenAI's envelope everywhere, which the `ollama` client cannot read as an error message.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway([
    { name: "ollie", url: "http://127.0.0.1:9", type: "ollama", models: ["llama3.2:latest"] },
  ]);
  // Stands for any bug in the pipeline: routing throws.
  gateway.gateway.router.select = () => {
    throw new Error("a bug");
  };
});

afterAll(() => gateway?.close());

const BODY = JSON.stringify({
  model: "llama3.2",
  max_tokens: 5,
  stream: false,
  messages: [{ role: "user", content: "hi" }],
});

async function post(path: string) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: BODY,
  });
  return { status: response.status, body: await response.json() };
}

describe("an unexpected error", () => {
  test("Ollama's routes: 500 with {error: message}, which the ollama client raises", async () => {
    expect(await post("/api/chat")).toEqual({
      status: 500,
      body: { error: "Internal server error" },
    });
    const client = new Ollama({ host: gateway.url });
    const error = await client.chat({ model: "llama3.2", messages: [] }).catch((e) => e);
    expect(error.message).toBe("Internal server error");
  });

  test("Ollama's other routes (/api/tags, no front door): 500 with {error: message}", async () => {
    const { router } = gateway.gateway;
    const aliasNames = router.aliasNames;
    router.aliasNames = () => {
      throw new Error("a bug");
    };
    try {
      const response = await fetch(`${gateway.url}/api/tags`);
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 500,
        body: { error: "Internal server error" },
      });
    } finally {
      router.aliasNames = aliasNames;
    }
  });

  test("Anthropic's routes: 500 in Anthropic's envelope", async () => {
    expect(await post("/v1/messages")).toEqual({
      status: 500,
      body: { type: "error", error: { type: "api_error", message: "Internal server error" } },
    });
  });

  test("OpenAI's routes: 500 in OpenAI's envelope; the bug is logged", async () => {
    const { status, body } = await post("/v1/chat/completions");
    expect(status).toBe(500);
    expect(body.error).toMatchObject({ message: "Internal server error", type: "server_error" });
    expect(gateway.logs.some((line) => line.includes("unhandled error"))).toBe(true);
  });
});
