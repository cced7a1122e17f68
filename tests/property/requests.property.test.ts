/**
 * Fuzzing POST /v1/chat/completions over a real socket: whatever the body, content type or size,
 * the answer is either a normal completion or a 4xx OpenAI envelope — never a 500, a hang, a
 * crash or a non-JSON error.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";

let mock: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  mock = await startMockBackend({ models: [{ id: "m" }], chunks: 2 });
  gateway = await startGateway([{ name: "mock", url: mock.url, models: ["m"] }], {
    server: { max_body_bytes: 64 * 1024, body_timeout_seconds: 2 },
  });
});

afterAll(async () => {
  await gateway.close();
  await mock.close();
});

async function send(body: string | Uint8Array, contentType: string): Promise<void> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: body as BodyInit,
  });
  const text = await response.text();
  expect(response.status).not.toBe(500);
  if (response.status === 200) return;
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  const parsed = JSON.parse(text);
  expect(typeof parsed.error.message).toBe("string");
  expect(typeof parsed.error.code).toBe("string");
}

const contentTypes = fc.constantFrom(
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "",
  "application/json; charset=latin1",
);

/** Values for the fields Nexus checks, biased towards the shapes that matter. */
const fieldValue = fc.oneof(
  fc.constant("m"),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

describe("POST /v1/chat/completions under fuzzing", () => {
  test("random JSON documents", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 4 }),
        contentTypes,
        (value, type) => send(JSON.stringify(value) ?? "null", type),
      ),
      { numRuns: 150 },
    );
  });

  test("requests with the right keys and random values", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          model: fieldValue,
          messages: fieldValue,
          stream: fieldValue,
          tools: fieldValue,
        }, { requiredKeys: [] }),
        (body) => send(JSON.stringify(body), "application/json"),
      ),
      { numRuns: 200 },
    );
  });

  test("random text and random bytes, invalid UTF-8 included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 })),
        contentTypes,
        send,
      ),
      { numRuns: 150 },
    );
  });

  test("deep nesting and huge strings", async () => {
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    await send(deep, "application/json");
    await send(
      JSON.stringify({ model: "m", messages: JSON.parse("[".repeat(500) + "]".repeat(500)) }),
      "application/json",
    );
    await send(JSON.stringify({ model: "x".repeat(60_000), messages: [] }), "application/json");
    await send(
      JSON.stringify({ model: "m", messages: [{ role: "user", content: "y".repeat(70_000) }] }),
      "application/json",
    );
  });
});
