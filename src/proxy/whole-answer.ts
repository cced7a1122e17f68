/**
 * A whole (non-stream) answer, read and checked before it commits: a 200 whose JSON does not
 * parse is a broken backend, not an answer, and fails over. On a translated path the answer is
 * mapped into the client's dialect, and a 4xx becomes a failure in that dialect.
 * @module
 */
import type { Translation } from "../dialects/mod.ts";
import { type Failure, isFailure } from "../lib/failures.ts";
import { InvalidResponse } from "./failures.ts";
import type { ResponseTap } from "./tap.ts";

export interface WholeAnswer {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string | null;
  /** A translated path's refusal, rendered by the client's dialect instead of `body`. */
  readonly rejection?: Failure;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The answer's `bytes` (read whole by the caller), checked and translated. */
export function wholeAnswer(
  upstream: Response,
  bytes: Uint8Array<ArrayBuffer>,
  translation: Translation | undefined,
  tap: ResponseTap,
): WholeAnswer | InvalidResponse {
  const contentType = upstream.headers.get("content-type");
  if (!upstream.ok) {
    tap.setBody(bytes);
    if (!translation) return { body: bytes, contentType };
    const rejection = translation.rejection(upstream.status, decoder.decode(bytes));
    return { body: bytes, contentType, rejection };
  }
  if (!contentType?.includes("json")) {
    // Only a translation needs to read the answer; a passthrough relays what the backend sent.
    if (translation) {
      return new InvalidResponse(`the answer is ${contentType ?? "untyped"}, not JSON`);
    }
    tap.setBody(bytes);
    return { body: bytes, contentType };
  }
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    return new InvalidResponse("the response body is not valid JSON");
  }
  tap.setBody(bytes, json);
  if (!translation) return { body: bytes, contentType };
  const translated = translation.whole(json);
  if (isFailure(translated)) return new InvalidResponse(translated.message);
  return { body: encoder.encode(translated.text), contentType: translated.contentType };
}
