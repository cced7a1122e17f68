import { describe, expect, test } from "bun:test";
import { findUsage, usageOf } from "../../../src/metrics/usage.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("usage of a passed-through Anthropic answer", () => {
  test("a message's input and output tokens", () => {
    expect(usageOf({ type: "message", usage: { input_tokens: 12, output_tokens: 3 } }))
      .toEqual({ prompt: 12, completion: 3 });
  });

  test("a stream's last message_delta carries the output tokens", () => {
    const tail = 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":' +
      '"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    expect(findUsage(bytes(tail))).toEqual({ prompt: undefined, completion: 15 });
  });
});
