/**
 * Two translations in a row: the backend's answer through `first` (e.g. Ollama's native lines to
 * OpenAI chat chunks), then through `second` (OpenAI chat to the client's dialect). Used where a
 * front door that translates to OpenAI chat must reach an Ollama backend through its native API
 * (the context-length trap, src/dialects/ollama/context.ts). `first` speaks OpenAI in SSE, so its
 * stream output is split into `data:` payloads for `second`.
 * @module
 */
import { isFailure } from "../lib/failures.ts";
import type { StreamTranslator, Translation } from "./contract.ts";

export function chainedTranslation(first: Translation, second: Translation): Translation {
  return {
    framing: first.framing,
    whole(json) {
      const middle = first.whole(json);
      if (isFailure(middle)) return middle;
      let parsed: unknown;
      try {
        parsed = JSON.parse(middle.text);
      } catch {
        return second.whole(undefined);
      }
      return second.whole(parsed);
    },
    rejection: (status, body) => second.rejection(status, body),
    stream: () => new ChainedStream(first.stream(), second.stream()),
  };
}

class ChainedStream implements StreamTranslator {
  readonly #first: StreamTranslator;
  readonly #second: StreamTranslator;

  constructor(first: StreamTranslator, second: StreamTranslator) {
    this.#first = first;
    this.#second = second;
  }

  get contentType(): string {
    return this.#second.contentType;
  }

  event(data: string): string {
    return this.#pass(this.#first.event(data));
  }

  end(): string {
    const rest = this.#pass(this.#first.end());
    return rest + this.#second.end();
  }

  fail(failure: Parameters<StreamTranslator["fail"]>[0]): string {
    return this.#second.fail(failure);
  }

  /** `first`'s SSE text, event by event, through `second`. */
  #pass(sse: string): string {
    let out = "";
    for (const block of sse.split("\n\n")) {
      for (const line of block.split("\n")) {
        if (line.startsWith("data: ")) out += this.#second.event(line.slice(6));
        else if (line.startsWith("data:")) out += this.#second.event(line.slice(5));
      }
    }
    return out;
  }
}
