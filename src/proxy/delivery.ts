/**
 * How a relayed stream reaches the client: as the upstream's own bytes (passthrough) or mapped
 * into the client's dialect one upstream event at a time (translated). Both end the same ways:
 * normally, or with one in-stream error in the client's dialect.
 * @module
 */
import type { Dialect, StreamTranslator, Translation } from "../dialects/mod.ts";
import type { Failure } from "../lib/failures.ts";
import { EventSplitter } from "./event-splitter.ts";

export interface Delivery {
  /** What to send for one upstream chunk (undefined: nothing yet). */
  chunk(bytes: Uint8Array): Uint8Array | undefined;
  /** What to send when the upstream ended normally. */
  end(): Uint8Array | undefined;
  /** The closing bytes after a failure. */
  fail(failure: Failure): Uint8Array;
}

/** A translated delivery when the plan translates (and made a translator), else passthrough. */
export function deliveryFor(
  translator: StreamTranslator | undefined,
  translation: Translation | undefined,
  dialect: Dialect,
): Delivery {
  return translator && translation
    ? new TranslatedDelivery(translator, translation.framing)
    : new PassthroughDelivery(dialect);
}

const NEWLINE = 10;
const encoder = new TextEncoder();
/** One options object for every chunk's decode, not a literal per call. */
const STREAMING = { stream: true } as const;

/** The upstream's chunks as they are; only the last two bytes are noted, to end an error cleanly. */
export class PassthroughDelivery implements Delivery {
  readonly #dialect: Dialect;
  #last = NEWLINE;
  #beforeLast = NEWLINE;

  constructor(dialect: Dialect) {
    this.#dialect = dialect;
  }

  chunk(bytes: Uint8Array): Uint8Array {
    const size = bytes.length;
    if (size > 0) {
      this.#beforeLast = size >= 2 ? bytes[size - 2]! : this.#last;
      this.#last = bytes[size - 1]!;
    }
    return bytes;
  }

  end(): undefined {
    return undefined;
  }

  fail(failure: Failure): Uint8Array {
    const tail = { last: this.#last, beforeLast: this.#beforeLast };
    return encoder.encode(this.#dialect.inStreamError(failure, tail));
  }
}

/** Upstream events (SSE `data` or NDJSON lines) through a translator into the client's dialect. */
export class TranslatedDelivery implements Delivery {
  readonly #translator: StreamTranslator;
  readonly #splitter: EventSplitter;
  readonly #decoder = new TextDecoder();

  constructor(translator: StreamTranslator, framing: "sse" | "ndjson") {
    this.#translator = translator;
    this.#splitter = new EventSplitter(framing);
  }

  chunk(bytes: Uint8Array): Uint8Array | undefined {
    const events = this.#splitter.push(this.#decoder.decode(bytes, STREAMING));
    return this.#translate(events, "");
  }

  end(): Uint8Array | undefined {
    const events = this.#splitter.push(this.#decoder.decode());
    const rest = this.#splitter.flush();
    if (rest !== undefined) events.push(rest);
    return this.#translate(events, this.#translator.end());
  }

  fail(failure: Failure): Uint8Array {
    return encoder.encode(this.#translator.fail(failure));
  }

  #translate(events: readonly string[], tail: string): Uint8Array | undefined {
    let out = "";
    for (const data of events) out += this.#translator.event(data);
    out += tail;
    return out === "" ? undefined : encoder.encode(out);
  }
}
