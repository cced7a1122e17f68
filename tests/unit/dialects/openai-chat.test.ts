import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { chatEndpoint } from "../../../src/dialects/mod.ts";
import { parseJsonObject } from "../../../src/exchange/mod.ts";
import { isFailure } from "../../../src/lib/failures.ts";

/** The pipeline's two parse steps (JSON object, then the chat endpoint's checks) as one result. */
function parseChatRequest(text: string) {
  const body = parseJsonObject(text);
  const parsed = isFailure(body) ? body : chatEndpoint.parse(body, text);
  return isFailure(parsed)
    ? { ok: false as const, param: parsed.param ?? null, message: parsed.message }
    : { ok: true as const, request: parsed };
}

describe("chatEndpoint.parse()", () => {
  test("accepts a minimal request and keeps every field", () => {
    const text =
      '{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"x_custom":{"a":1}}';
    const result = parseChatRequest(text);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.request.model).toBe("m");
      expect(result.request.stream).toBe(false);
      expect(result.request.body).toEqual(JSON.parse(text));
    }
  });

  test("reads stream: true, and treats null as not streaming", () => {
    expect(
      parseChatRequest('{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}'),
    ).toMatchObject({
      ok: true,
      request: { stream: true },
    });
    expect(
      parseChatRequest('{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":null}'),
    ).toMatchObject({
      ok: true,
      request: { stream: false },
    });
  });

  const bad: Array<[string, string, string | null, string]> = [
    ["invalid JSON", "{nope", null, "Request body is not valid JSON"],
    ["an array body", "[]", null, "Request body must be a JSON object"],
    ["a string body", '"hi"', null, "Request body must be a JSON object"],
    ["a missing model", '{"messages":[]}', "model", "Missing required parameter: 'model'"],
    [
      "a numeric model",
      '{"model":3,"messages":[]}',
      "model",
      "Invalid 'model': expected a non-empty string, got a number",
    ],
    [
      "an empty model",
      '{"model":"","messages":[]}',
      "model",
      "Invalid 'model': expected a non-empty string, got an empty string",
    ],
    ["missing messages", '{"model":"m"}', "messages", "Missing required parameter: 'messages'"],
    [
      "object messages",
      '{"model":"m","messages":{}}',
      "messages",
      "Invalid 'messages': expected an array, got an object",
    ],
    [
      "empty messages (OpenAI's own 400: code empty_array)",
      '{"model":"m","messages":[]}',
      "messages",
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    ],
    [
      "a string stream",
      '{"model":"m","messages":[],"stream":"yes"}',
      "stream",
      "Invalid 'stream': expected a boolean, got a string",
    ],
  ];
  for (const [what, text, param, message] of bad) {
    test(`rejects ${what}, naming the field`, () => {
      const result = parseChatRequest(text);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.param).toBe(param);
        expect(result.message.startsWith(message)).toBe(true);
      }
    });
  }

  test("property: never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = parseChatRequest(text);
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });
});
