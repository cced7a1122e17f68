import { describe, expect, test } from "bun:test";
import { readBodyLimited as read } from "../../../src/exchange/mod.ts";
import { systemClock } from "../../../src/lib/clock.ts";

const readBodyLimited = (request: Request, limit: number, timeoutMs: number) =>
  read(request, limit, timeoutMs, systemClock);

function chunked(parts: string[]): Request {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < parts.length) controller.enqueue(encoder.encode(parts[index++]!));
      else controller.close();
    },
  });
  return new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("readBodyLimited()", () => {
  test("gives up on a body that stops arriving, and cancels it", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"model":'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request(
      "http://x/",
      { method: "POST", body, duplex: "half" } as RequestInit,
    );
    expect(await readBodyLimited(request, 1000, 20)).toEqual({ ok: false, reason: "timeout" });
    expect(cancelled).toBe(true);
  });

  test("returns the text of a body within the limit", async () => {
    const request = new Request("http://x/", { method: "POST", body: "hello" });
    expect(await readBodyLimited(request, 5, 1000)).toEqual({ ok: true, text: "hello" });
  });

  test("refuses a declared length over the limit without reading the body", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      body: "x".repeat(11),
      headers: { "content-length": "11" },
    });
    expect(await readBodyLimited(request, 10, 1000)).toEqual({ ok: false, reason: "too_large" });
    expect(request.bodyUsed).toBe(false);
  });

  test("a repeated content-length (a list, not a length) is counted as it arrives, not trusted", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      body: "x".repeat(50),
      headers: [["content-length", "50"], ["content-length", "50"]],
    });
    expect(request.headers.get("content-length")).toBe("50, 50");
    expect(await readBodyLimited(request, 10, 1000)).toEqual({ ok: false, reason: "too_large" });
  });

  test("counts a chunked body as it streams and stops past the limit", async () => {
    const request = chunked(["aaaa", "bbbb", "cccc", "dddd"]);
    expect(await readBodyLimited(request, 10, 1000)).toEqual({ ok: false, reason: "too_large" });
  });

  test("joins a chunked body within the limit, multi-byte characters split across chunks included", async () => {
    const bytes = new TextEncoder().encode("héllo");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 2));
        controller.enqueue(bytes.slice(2));
        controller.close();
      },
    });
    const request = new Request(
      "http://x/",
      { method: "POST", body, duplex: "half" } as RequestInit,
    );
    expect(await readBodyLimited(request, 100, 1000)).toEqual({ ok: true, text: "héllo" });
  });
});
