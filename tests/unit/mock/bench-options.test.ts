/**
 * The mock's options for the benchmark's rows: tool-call streams with many argument deltas
 * (`toolArguments`, `toolChunks`), and a model whose streams stall mid-way (`stallModel`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockBackend, sseEvents, startMockBackend } from "../../helpers/mock-backend.ts";

const ARGS = JSON.stringify({ query: "every GPU server in the lab", limit: 25, explain: true });

function post(backend: MockBackend, body: unknown): Promise<Response> {
  return fetch(`${backend.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("mock options for the benchmark", () => {
  let backend: MockBackend;
  beforeAll(async () => {
    backend = await startMockBackend({
      models: [{ id: "m" }, { id: "stuck" }],
      toolArguments: ARGS,
      toolChunks: 20,
      stallModel: "stuck",
      stallMs: 1500,
    });
  });
  afterAll(() => backend.close());

  test("a tool call streams its arguments in toolChunks deltas that join to toolArguments", async () => {
    const response = await post(backend, {
      model: "m",
      stream: true,
      messages: [{ role: "user", content: "search" }],
      tools: [{ type: "function", function: { name: "search", parameters: {} } }],
    });
    const deltas = sseEvents(await response.text())
      .filter((e) => e !== "data: [DONE]")
      .map((e) => JSON.parse(e.slice("data: ".length)).choices[0].delta)
      .flatMap((d) => d.tool_calls ?? [])
      .map((call) => call.function.arguments as string);
    // The first delta names the call with empty arguments; then one delta per piece.
    expect(deltas.length).toBe(21);
    expect(deltas.join("")).toBe(ARGS);
  });

  test("the stall model's stream stops after its first content event; others do not wait", async () => {
    const order: string[] = [];
    const read = async (model: string) => {
      const response = await post(backend, {
        model,
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      order.push(model);
      return sseEvents(text).length;
    };
    const [stuck, quick] = await Promise.all([read("stuck"), read("m")]);
    expect(order).toEqual(["m", "stuck"]);
    expect(stuck).toBe(quick);
  });
});
