import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { findUsage, usageOf } from "../../../src/metrics/mod.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("findUsage()", () => {
  test("reads prompt and completion tokens from a non-stream body", () => {
    const body = JSON.stringify({
      id: "x",
      choices: [{ message: { content: 'he said "usage": 5' } }],
      usage: {
        prompt_tokens: 12,
        completion_tokens: 34,
        total_tokens: 46,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
    expect(findUsage(bytes(body))).toEqual({ prompt: 12, completion: 34 });
  });

  test("reads the final usage chunk of a stream, after chunks marked usage:null", () => {
    const tail = 'data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}\n\n' +
      'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":9}}\n\n' +
      "data: [DONE]\n\n";
    expect(findUsage(bytes(tail))).toEqual({ prompt: 7, completion: 9 });
  });

  test("finds nothing when the last usage is null, absent or cut short", () => {
    expect(findUsage(bytes('data: {"choices":[],"usage":null}\n\ndata: [DONE]\n\n')))
      .toBeUndefined();
    expect(findUsage(bytes('{"choices":[]}'))).toBeUndefined();
    expect(findUsage(bytes('data: {"usage":{"prompt_tokens":7,"compl'))).toBeUndefined();
    expect(findUsage(bytes(""))).toBeUndefined();
  });

  test("ignores a string value that reads usage, and braces inside strings", () => {
    expect(
      findUsage(
        bytes('{"usage":{"prompt_tokens":1,"note":"}{","completion_tokens":2},"k":"usage"}'),
      ),
    )
      .toEqual({ prompt: 1, completion: 2 });
  });

  test("works on a tail that starts in the middle of an event", () => {
    const tail =
      'ntent":"x"}}]}\n\ndata: {"usage": {"prompt_tokens": 3, "completion_tokens": 4}}\n\n';
    expect(findUsage(bytes(tail))).toEqual({ prompt: 3, completion: 4 });
  });
});

describe("findUsage() on any stream tail", () => {
  const content = fc.string({ unit: "binary", maxLength: 40 });
  const event = content.map((text) =>
    `data: ${JSON.stringify({ choices: [{ delta: { content: text } }], usage: null })}\n\n`
  );

  test("the final usage event's counts, wherever the tail was cut before it", () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 12 }),
        fc.nat(10_000),
        fc.nat(10_000),
        fc.nat(2_000),
        (events, prompt, completion, cut) => {
          const last = `data: ${
            JSON.stringify({
              choices: [],
              usage: { prompt_tokens: prompt, completion_tokens: completion },
            })
          }\n\ndata: [DONE]\n\n`;
          const whole = bytes(events.join("") + last);
          // A tail keeps the usage event whole (TAIL_BYTES is sized for it); it may start anywhere
          // before, inside a character included.
          const from = Math.min(cut, whole.length - bytes(last).length);
          expect(findUsage(whole.subarray(from))).toEqual({ prompt, completion });
        },
      ),
    );
  });

  test("nothing from a stream that sent no counts, whatever its text says", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.nat(2_000), (events, cut) => {
        const whole = bytes(events.join("") + "data: [DONE]\n\n");
        expect(findUsage(whole.subarray(Math.min(cut, whole.length)))).toBeUndefined();
      }),
    );
  });
});

describe("usageOf()", () => {
  test("reads the usage of a body the proxy already parsed", () => {
    expect(usageOf({ usage: { prompt_tokens: 3, completion_tokens: 4 } })).toEqual({
      prompt: 3,
      completion: 4,
    });
    expect(usageOf({ usage: { prompt_tokens: 3 } })).toEqual({ prompt: 3, completion: undefined });
  });

  test("finds nothing without a usage object or with nonsense counts", () => {
    for (
      const body of [null, 42, {}, { usage: null }, {
        usage: { prompt_tokens: -1, completion_tokens: "9" },
      }]
    ) {
      expect(usageOf(body)).toBeUndefined();
    }
  });
});

describe("usage of a passed-through Responses answer", () => {
  test("reads input and output tokens from response.completed", () => {
    const tail = 'event: response.completed\ndata: {"type":"response.completed","response":' +
      '{"status":"completed","usage":{"input_tokens":21,"output_tokens":5,"total_tokens":26},' +
      '"tools":[]}}\n\n';
    expect(findUsage(bytes(tail))).toEqual({ prompt: 21, completion: 5 });
    expect(usageOf({ usage: { input_tokens: 3, output_tokens: 4 } }))
      .toEqual({ prompt: 3, completion: 4 });
  });
});

describe("Ollama's eval counts", () => {
  test("the last line of a native stream", () => {
    const tail = '{"message":{"content":"eval_count"},"done":false}\n' +
      '{"message":{"content":""},"done":true,"prompt_eval_count":26,"eval_count":290}\n';
    expect(findUsage(bytes(tail))).toEqual({ prompt: 26, completion: 290 });
  });

  test("a parsed native body, an embed answer with prompt counts only", () => {
    expect(usageOf({ done: true, prompt_eval_count: 5, eval_count: 7 }))
      .toEqual({ prompt: 5, completion: 7 });
    expect(usageOf({ embeddings: [[0]], prompt_eval_count: 3 }))
      .toEqual({ prompt: 3, completion: undefined });
    expect(usageOf({ embeddings: [[0]] })).toBeUndefined();
  });

  test("either count alone, in a body read as bytes", () => {
    expect(findUsage(bytes('{"done":true,"prompt_eval_count":3}')))
      .toEqual({ prompt: 3, completion: undefined });
    expect(findUsage(bytes('{"done":true,"eval_count":7}')))
      .toEqual({ prompt: undefined, completion: 7 });
  });

  test("OpenAI's usage wins when both are there", () => {
    const body = '{"usage":{"prompt_tokens":1,"completion_tokens":2},"eval_count":9}';
    expect(findUsage(bytes(body))).toEqual({ prompt: 1, completion: 2 });
  });
});
