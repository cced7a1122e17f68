/** Bounds on copies (src/lib/limits.ts) and on log fields (src/lib/logger.ts). */
import { describe, expect, test } from "bun:test";
import {
  boundList,
  boundText,
  readBytesWithin,
  readLimited,
  readTextPrefix,
} from "../../../src/lib/limits.ts";
import { Logger, MAX_FIELD_CHARS } from "../../../src/lib/logger.ts";

function chunked(chunks: string[], onCancel?: () => void): Response {
  const encoder = new TextEncoder();
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]!));
        else controller.close();
      },
      cancel: () => onCancel?.(),
    }),
  );
}

describe("readLimited", () => {
  test("reads a body within the limit whole", async () => {
    const read = await readLimited(chunked(["ab", "cd"]), 4);
    expect(read.ok && new TextDecoder().decode(read.bytes)).toBe("abcd");
  });

  test("stops past the limit and cancels the body", async () => {
    let cancelled = false;
    const read = await readLimited(chunked(["ab", "cd", "ef"], () => (cancelled = true)), 3);
    expect(read).toEqual({ ok: false, reason: "too_large" });
    expect(cancelled).toBe(true);
  });

  test("a declared Content-Length within the limit is read whole; no body reads as empty", async () => {
    const response = new Response("abcdef", { headers: { "content-length": "6" } });
    const read = await readBytesWithin(response, 6);
    expect(new TextDecoder().decode(read)).toBe("abcdef");
    expect((await readBytesWithin(new Response(null), 6))?.byteLength).toBe(0);
  });

  test("readBytesWithin says undefined past the limit, declared or counted", async () => {
    const declared = new Response("abcdef", { headers: { "content-length": "6" } });
    expect(await readBytesWithin(declared, 5)).toBeUndefined();
    expect(await readBytesWithin(chunked(["ab", "cd", "ef"]), 5)).toBeUndefined();
  });

  test("a declared Content-Length past the limit is refused before reading", async () => {
    const response = new Response("abcdef", { headers: { "content-length": "6" } });
    expect(await readLimited(response, 5)).toEqual({ ok: false, reason: "too_large" });
  });
});

describe("text bounds", () => {
  test("readTextPrefix reads at most the limit", async () => {
    expect(await readTextPrefix(chunked(["abc", "def", "ghi"]), 4)).toBe("abcd");
    expect(await readTextPrefix(chunked(["ab"]), 4)).toBe("ab");
  });

  test("boundText and boundList say how much was left out", () => {
    expect(boundText("abc", 5)).toBe("abc");
    expect(boundText("abcdefgh", 3)).toBe("abc… (5 more characters)");
    expect(boundList(["a", "b", "c"], 2)).toBe("a, b and 1 more");
  });

  test("log fields are bounded: long texts cut, long lists counted", () => {
    const lines: string[] = [];
    const logger = new Logger({ level: "info", format: "json", write: (l) => lines.push(l) });
    logger.info("request", {
      model: "m".repeat(100_000),
      list: Array.from({ length: 100 }, (_, i) => `b${i}`),
      nested: { reason: "r".repeat(100_000) },
      short: "kept",
    });
    const record = JSON.parse(lines[0]!);
    expect(lines[0]!.length).toBeLessThan(4 * MAX_FIELD_CHARS);
    expect(record.model).toContain("more characters");
    expect(record.list).toHaveLength(21);
    expect(record.list.at(-1)).toBe("… 80 more");
    expect(record.nested.reason).toContain("more characters");
    expect(record.short).toBe("kept");
  });
});
