/**
 * Bun's idle limit is put back as an answer goes out (src/runtime/bun-idle.ts): at once for a
 * whole answer, once a stream's last chunk is handed over for a stream — through the end hook
 * of a stream Nexus built (src/lib/stream-end.ts), or a wrapper around any other — and never
 * for a stream the client cancelled. Pure stream plumbing: runs under Deno as well.
 */
import { describe, expect, test } from "bun:test";
import { restoreIdleLimit } from "../../../src/runtime/bun-idle.ts";
import { announcesEnd, streamEnding } from "../../../src/lib/stream-end.ts";

const encoder = new TextEncoder();
const SSE = { "content-type": "text/event-stream" };

/** A stream of `chunks`; marked ones call `streamEnding` right before they close. */
function source(chunks: string[], marked: boolean): ReadableStream<Uint8Array> {
  let i = 0;
  const stream: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) return controller.enqueue(encoder.encode(chunks[i++]!));
      if (marked) streamEnding(stream);
      controller.close();
    },
  }, { highWaterMark: 0 });
  return marked ? announcesEnd(stream) : stream;
}

async function readAll(body: ReadableStream<Uint8Array>, seen: () => number) {
  const reader = body.getReader();
  const text: string[] = [];
  const restoredBefore: number[] = [];
  const decoder = new TextDecoder();
  for (;;) {
    restoredBefore.push(seen());
    const { done, value } = await reader.read();
    if (done) break;
    text.push(decoder.decode(value));
  }
  return { text: text.join(""), restoredBefore };
}

describe("restoreIdleLimit", () => {
  test("a whole answer puts the limit back at once", async () => {
    let restored = 0;
    const response = await restoreIdleLimit(
      new Response("{}", { headers: { "content-type": "application/json" } }),
      performance.now(),
      () => restored++,
    );
    expect(restored).toBe(1);
    expect(await response.text()).toBe("{}");
  });

  for (const marked of [true, false]) {
    test(`a stream (${marked ? "marked" : "not marked"}) puts it back once, at its end`, async () => {
      let restored = 0;
      const response = await restoreIdleLimit(
        new Response(source(["data: a\n\n", "data: b\n\n"], marked), { headers: SSE }),
        performance.now(),
        () => restored++,
      );
      expect(restored).toBe(0);
      const { text, restoredBefore } = await readAll(response.body!, () => restored);
      expect(text).toBe("data: a\n\ndata: b\n\n");
      // Not while chunks were still coming; once by the time the stream closed.
      expect(restoredBefore.slice(0, 2)).toEqual([0, 0]);
      expect(restored).toBe(1);
    });

    test(`a cancelled stream (${marked ? "marked" : "not marked"}) is not put back`, async () => {
      let restored = 0;
      let cancelled: unknown;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(encoder.encode("data: x\n\n"));
        },
        cancel(reason) {
          cancelled = reason;
        },
      }, { highWaterMark: 0 });
      if (marked) announcesEnd(stream);
      const response = await restoreIdleLimit(
        new Response(stream, { headers: SSE }),
        performance.now(),
        () => restored++,
      );
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel("client left");
      expect(cancelled).toBe("client left");
      expect(restored).toBe(0);
    });
  }
});
