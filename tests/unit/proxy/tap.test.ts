import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ResponseTap, TAIL_BYTES } from "../../../src/proxy/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Splits `bytes` at the given cut points. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.slice(from, point));
    from = point;
  }
  return chunks;
}

function tapOf(chunks: Uint8Array[]): ResponseTap {
  const tap = new ResponseTap();
  for (const chunk of chunks) tap.push(chunk);
  return tap;
}

describe("ResponseTap", () => {
  test("counts SSE events, LF and CRLF alike, and keeps the stream's last bytes", () => {
    const tap = tapOf([
      encoder.encode("data: a\n\ndata: b\r\n\r\n: ping\n\n"),
      encoder.encode("data: [DONE]\n\n"),
    ]);
    expect(tap.events).toBe(4);
    expect(decoder.decode(tap.bytes())).toBe(
      "data: a\n\ndata: b\r\n\r\n: ping\n\ndata: [DONE]\n\n",
    );
  });

  test("counts NDJSON lines (Ollama's native streams) however they are chunked", () => {
    const lines = '{"done":false}\n{"done":false}\n\n{"done":true}\n';
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 5 }), (cuts) => {
        const tap = new ResponseTap();
        tap.ndjson = true;
        for (const chunk of split(encoder.encode(lines), cuts)) tap.push(chunk);
        expect(tap.events).toBe(3);
      }),
    );
  });

  test("keeps only the last TAIL_BYTES of a long stream", () => {
    const tap = tapOf([encoder.encode("a".repeat(5000)), encoder.encode("b".repeat(10))]);
    const tail = decoder.decode(tap.bytes());
    expect(tail).toHaveLength(TAIL_BYTES);
    expect(tail.endsWith("a".repeat(TAIL_BYTES - 10) + "b".repeat(10))).toBe(true);
  });

  test("a non-stream body is kept whole", () => {
    const tap = new ResponseTap();
    const body = encoder.encode("x".repeat(5000));
    tap.setBody(body);
    expect(tap.bytes()).toHaveLength(5000);
    expect(tap.events).toBe(0);
  });

  test("gives the same count and tail however the stream is chunked", () => {
    const event = fc.constantFrom(
      'data: {"x":1}\n\n',
      "data: y\r\n\r\n",
      ": c\n\n",
      "data: [DONE]\n\n",
    );
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (events, cuts) => {
          const bytes = encoder.encode(events.join(""));
          const whole = tapOf([bytes]);
          const pieces = tapOf(split(bytes, cuts));
          expect(pieces.events).toBe(events.length);
          expect(whole.events).toBe(events.length);
          expect(pieces.bytes()).toEqual(whole.bytes());
          expect(pieces.bytes()).toEqual(bytes.slice(Math.max(0, bytes.length - TAIL_BYTES)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
