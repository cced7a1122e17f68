import { describe, expect, test } from "bun:test";
import { NO_REQUIREMENTS, requirementsOf } from "../../../src/routing/mod.ts";

const user = (content: unknown) => ({ role: "user", content });

describe("requirementsOf()", () => {
  test("a plain text request needs nothing but its token estimate", () => {
    expect(requirementsOf({ model: "m", messages: [user("12345678")] })).toEqual({
      ...NO_REQUIREMENTS,
      estimated_tokens: 2,
    });
  });

  test("needs vision when any content part is an image_url", () => {
    const parts = [
      { type: "text", text: "what is this?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
    ];
    expect(requirementsOf({ messages: [user("hi"), user(parts)] }).vision).toBe(true);
    expect(requirementsOf({ messages: [user([{ type: "text", text: "x" }])] }).vision).toBe(false);
  });

  test("needs tools for a non-empty tools array (or legacy functions)", () => {
    const tool = { type: "function", function: { name: "f", parameters: {} } };
    expect(requirementsOf({ messages: [], tools: [tool] }).tools).toBe(true);
    expect(requirementsOf({ messages: [], tools: [] }).tools).toBe(false);
    expect(requirementsOf({ messages: [], functions: [{ name: "f" }] }).tools).toBe(true);
  });

  test("needs JSON mode for json_object and json_schema response formats only", () => {
    const format = (type: string) => ({ messages: [], response_format: { type } });
    expect(requirementsOf(format("json_object")).json_mode).toBe(true);
    expect(requirementsOf(format("json_schema")).json_mode).toBe(true);
    expect(requirementsOf(format("text")).json_mode).toBe(false);
    expect(requirementsOf({ messages: [], response_format: "json_object" }).json_mode).toBe(false);
  });

  test("estimates tokens as ceil(characters / 4) over strings, text parts and tool-call arguments", () => {
    const body = {
      messages: [
        { role: "system", content: "a".repeat(10) },
        user([{ type: "text", text: "b".repeat(7) }, { type: "image_url", image_url: {} }]),
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "1", content: "c" },
      ],
    };
    expect(requirementsOf(body).estimated_tokens).toBe(Math.ceil((10 + 7 + 2 + 1) / 4));
  });

  test("ignores malformed messages and parts instead of failing", () => {
    const body = { messages: [null, 3, "x", { content: [null, 7, { type: "text", text: 5 }] }] };
    expect(requirementsOf(body)).toEqual(NO_REQUIREMENTS);
    expect(requirementsOf({ messages: "not a list" })).toEqual(NO_REQUIREMENTS);
  });
});
