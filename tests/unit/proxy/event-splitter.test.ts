import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { EventSplitter } from "../../../src/proxy/event-splitter.ts";

/** The SSE payloads of a whole text, by the spec's rules, with no incremental state. */
function reference(text: string): string[] {
  const out: string[] = [];
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (data.length > 0) out.push(data.join("\n"));
      data = [];
    } else if (line.startsWith("data:")) {
      data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
    }
  }
  if (data.length > 0) out.push(data.join("\n"));
  return out;
}

function split(text: string, cuts: readonly number[]): string[] {
  const splitter = new EventSplitter("sse");
  const out: string[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)) {
    out.push(...splitter.push(text.slice(from, cut)));
    from = cut;
  }
  out.push(...splitter.push(text.slice(from)));
  const rest = splitter.flush();
  if (rest !== undefined) out.push(rest);
  return out;
}

describe("EventSplitter (SSE)", () => {
  const line = fc.oneof(
    fc.string({ maxLength: 12 }).map((v) => `data: ${v}`),
    fc.string({ maxLength: 12 }).map((v) => `data:${v}`),
    fc.constantFrom(": keep-alive", "event: message", "id: 7", "retry: 10", ""),
  );
  const ending = fc.constantFrom("\n", "\r\n", "\r");
  const stream = fc.array(fc.tuple(line, ending), { maxLength: 20 })
    .map((lines) => lines.map(([l, e]) => l + e).join(""));

  test("yields the spec's payloads however the text is cut, with LF, CRLF or CR line ends", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (text, cuts) => {
        // A trailing line without its blank line is flushed as an event, as the reference does.
        expect(split(text, cuts)).toEqual(reference(text));
      }),
      { numRuns: 500 },
    );
  });

  test("yields the spec's payloads when each chunk is one event (the one-event shortcut)", () => {
    // Events as backends send them, one per chunk, beside every shape the shortcut must refuse:
    // CR in the payload, `data:` without its space, two data lines, comments, a lone blank line.
    const event = fc.oneof(
      fc.string({ maxLength: 16 }).map((v) => `data: ${v}\n\n`),
      fc.tuple(line, ending, line, ending).map(([a, e, b, f]) => `${a}${e}${b}${f}\n`),
      fc.constantFrom("data: [DONE]\n\n", "data: \n\n", "data:x\n\n", ": ping\n\n", "\n"),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), (events) => {
        const splitter = new EventSplitter("sse");
        const out = events.flatMap((text) => splitter.push(text));
        const rest = splitter.flush();
        if (rest !== undefined) out.push(rest);
        expect(out).toEqual(reference(events.join("")));
      }),
      { numRuns: 1000 },
    );
    const splitter = new EventSplitter("sse");
    expect(splitter.push('data: {"a":1}\n\n')).toEqual(['{"a":1}']);
    expect(splitter.push("data: x\r\n\n")).toEqual(["x"]);
  });

  test("joins the data lines of one event with LF", () => {
    expect(split("data: a\ndata: b\n\ndata: c\r\n\r\n", [])).toEqual(["a\nb", "c"]);
  });
});
