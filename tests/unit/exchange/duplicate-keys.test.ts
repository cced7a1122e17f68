/**
 * Duplicate `model` / `stream` keys (issue 14, item 14): Nexus would route on the last one while
 * a backend may read the first. Found at the top level only, however the key is spelled.
 */
import { describe, expect, test } from "bun:test";
import { duplicateKey } from "../../../src/exchange/duplicate-keys.ts";

const KEYS = ["model", "stream"];

describe("duplicateKey", () => {
  test("finds a top-level key given twice", () => {
    expect(duplicateKey('{"model":"a","messages":[],"model":"b"}', KEYS)).toBe("model");
    expect(duplicateKey('{"stream":true,"model":"a","stream":false}', KEYS)).toBe("stream");
    expect(duplicateKey('{ "model" : "a" ,\n "model":\t"b" }', KEYS)).toBe("model");
  });

  test("sees through \\u escapes in a key", () => {
    expect(duplicateKey('{"model":"a","mod\\u0065l":"b"}', KEYS)).toBe("model");
    expect(duplicateKey('{"\\u006dodel":"a","model":"b"}', KEYS)).toBe("model");
  });

  test("ignores the key inside values and nested objects", () => {
    const nested = JSON.stringify({
      model: "a",
      messages: [{ role: "user", content: '"model" "model": {"model":1}' }],
      metadata: { model: "x", stream: true },
      tools: [{ function: { name: "model", parameters: { model: { type: "string" } } } }],
    });
    expect(duplicateKey(nested, KEYS)).toBeUndefined();
    expect(duplicateKey('{"model":"caf\\u00e9","stream":false}', KEYS)).toBeUndefined();
    expect(duplicateKey('{"model":"a\\"model\\":","x":"\\\\"}', KEYS)).toBeUndefined();
  });

  test("other keys may repeat (they are the backend's business)", () => {
    expect(duplicateKey('{"model":"a","temperature":1,"temperature":2}', KEYS)).toBeUndefined();
  });

  test("a large body is scanned at its top level, strings skipped whole", () => {
    const input = Array.from({ length: 100 }, (_, i) => `${i} "model": x \\`.padEnd(2000, "y"));
    const big = JSON.stringify({ model: "a", input });
    expect(big.length).toBeGreaterThan(64 * 1024);
    expect(duplicateKey(big, KEYS)).toBeUndefined();
    expect(duplicateKey(`${big.slice(0, -1)},"model":"b"}`, KEYS)).toBe("model");
    expect(duplicateKey(`${big.slice(0, -1)},"stream":true,"stream":false}`, KEYS)).toBe("stream");
  });

  test("only the keys asked about count", () => {
    expect(duplicateKey('{"model":"a","model":"b"}', [])).toBeUndefined();
    expect(duplicateKey('{"model":"a","model":"b"}', ["stream"])).toBeUndefined();
  });

  test("with the parsed body (as the exchange calls it), on every path", () => {
    const check = (text: string) => duplicateKey(text, KEYS, JSON.parse(text));
    expect(check('{"model":"a","messages":[],"model":"b"}')).toBe("model");
    expect(check('{"stream":true,"model":"a","mod\\u0065l":"b"}')).toBe("model");
    const big = JSON.stringify({ model: "a", input: "y".repeat(70_000) });
    expect(check(`${big.slice(0, -1)},"stream":true,"stream":false}`)).toBe("stream");
    expect(check(`${big.slice(0, -1)},"model":"b"}`)).toBe("model");
    // A key the body lacks is not looked for: nested twice, it is no duplicate.
    expect(check('{"model":"a","x":{"stream":1},"y":{"stream":2}}')).toBeUndefined();
  });
});
