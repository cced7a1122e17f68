/**
 * A Codex CLI turn replayed against a chat-only backend through Nexus: the request shapes Codex
 * sends (openai/codex `ResponsesApiRequest`: instructions, developer and user messages of
 * `input_text`, function tools, `tool_choice: "auto"`, `store: false`, `stream: true`,
 * `include`, `prompt_cache_key`), a streamed tool call, then the next request carrying the call,
 * a reasoning item from an earlier turn and the `function_call_output`, answered with text.
 * Codex acts on `response.output_item.done` items and needs `response.completed`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type AnyEvent, checkSequence, parseEvents } from "../helpers/responses-events.ts";

const ANSWER = "There are three files: README.md, main.rs and Cargo.toml.";
let backend: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  backend = await startMockBackend({
    flavor: "llamacpp",
    models: [{ id: "qwen2.5-coder" }],
    text: ANSWER,
    chunks: 5,
  });
  gateway = await startGateway([
    { name: "coder", url: backend.url, type: "llamacpp", models: ["qwen2.5-coder"] },
  ]);
});

afterAll(async () => {
  await gateway.close();
  await backend.close();
});

const INSTRUCTIONS = "You are Codex, a coding agent. Use the shell tool to inspect files.";
const shellTool = {
  type: "function",
  name: "shell",
  description: "Runs a shell command and returns its output.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      command: { type: "array", items: { type: "string" } },
      workdir: { type: "string" },
    },
    required: ["command"],
    additionalProperties: false,
  },
};
const planTool = {
  type: "function",
  name: "update_plan",
  description: "Updates the task plan.",
  strict: false,
  parameters: { type: "object", properties: { plan: { type: "array" } }, required: ["plan"] },
};
const text = (role: string, value: string) => ({
  type: "message",
  role,
  content: [{ type: "input_text", text: value }],
});

function codexRequest(input: unknown[]) {
  return {
    model: "qwen2.5-coder",
    instructions: INSTRUCTIONS,
    input,
    tools: [shellTool, planTool],
    tool_choice: "auto",
    parallel_tool_calls: false,
    reasoning: null,
    store: false,
    stream: true,
    include: [],
    prompt_cache_key: "0f9c7c4e-5d0b-4c1e-9d7e-6a1f3c2b8e11",
  };
}

async function turn(input: unknown[]): Promise<AnyEvent[]> {
  const response = await fetch(`${gateway.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer codex" },
    body: JSON.stringify(codexRequest(input)),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  return parseEvents(await response.text());
}

describe("a Codex-style turn against a chat-only backend", () => {
  test("streams a tool call, takes its output back and answers", async () => {
    const history: unknown[] = [
      text("developer", "<permissions instructions>sandbox: workspace-write</permissions>"),
      text("user", "<environment_context><cwd>/repo</cwd></environment_context>"),
      text("user", "How many files are in this repo?"),
    ];
    const first = await turn(history);
    const completed = checkSequence(first);
    expect(completed.type).toBe("response.completed");
    expect(completed.response.id).toMatch(/^resp_/);
    const items = first.filter((e) => e.type === "response.output_item.done").map((e) => e.item);
    expect(items).toHaveLength(1);
    const call = items[0]!;
    expect(call).toMatchObject({ type: "function_call", name: "shell", status: "completed" });
    expect(JSON.parse(call.arguments)).toEqual({ location: "Paris" });

    // Codex sends back what it recorded: an earlier reasoning item, the call, its output.
    history.push(
      { type: "reasoning", id: "rs_0", summary: [], encrypted_content: "gAAAAB-opaque" },
      call,
      {
        type: "function_call_output",
        call_id: call.call_id,
        output: "README.md\nmain.rs\nCargo.toml",
      },
    );
    const second = await turn(history);
    const done = checkSequence(second);
    expect(done.type).toBe("response.completed");
    const message = done.response.output.find((item: AnyEvent) => item.type === "message");
    expect(message.content[0].text).toBe(ANSWER);
    expect(done.response.usage.total_tokens).toBeGreaterThan(0);

    const sent = backend.mock.chatRequests().at(-1)!.body as Record<string, unknown>;
    expect(sent.messages).toEqual([
      {
        role: "system",
        content:
          `${INSTRUCTIONS}\n\n<permissions instructions>sandbox: workspace-write</permissions>`,
      },
      { role: "user", content: "<environment_context><cwd>/repo</cwd></environment_context>" },
      { role: "user", content: "How many files are in this repo?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: call.call_id,
          type: "function",
          function: { name: "shell", arguments: call.arguments },
        }],
      },
      { role: "tool", tool_call_id: call.call_id, content: "README.md\nmain.rs\nCargo.toml" },
    ]);
    expect(sent).toMatchObject({
      model: "qwen2.5-coder",
      stream: true,
      stream_options: { include_usage: true },
      tool_choice: "auto",
      parallel_tool_calls: false,
    });
    expect((sent.tools as unknown[]).length).toBe(2);
    for (const key of ["store", "include", "prompt_cache_key", "reasoning", "input"]) {
      expect(key in sent).toBe(false);
    }
  });
});
