/**
 * A whole (non-stream) answer, read and checked before it commits. It is read up to the response
 * cap (`server.max_response_bytes`): past it the upstream is cancelled and the attempt fails.
 * A 2xx must be JSON: an HTML or text page (a captive portal, a proxy's login page) or a body
 * that does not parse is a broken backend, not an answer, and fails over. On a translated path
 * the answer is mapped into the client's dialect, and a 4xx becomes a failure in that dialect.
 * Secrets a backend echoes into an error body are redacted before the client sees it.
 * @module
 */
import type { Translation } from "../dialects/mod.ts";
import { type Failure, isFailure } from "../lib/failures.ts";
import { readBytesWithin } from "../lib/limits.ts";
import type { Redactor } from "../lib/secrets.ts";
import type { Backend } from "../registry/mod.ts";
import type { AttemptCommit } from "./attempt-types.ts";
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

/**
 * The first step: an HTML or text page is refused before a byte is read; otherwise the body is
 * read up to the cap (`server.max_response_bytes`; undefined past it). `contentType` is the
 * upstream's, read once by the attempt for both steps. Two steps, not one async function: the
 * attempt awaits the runtime's read itself (src/lib/limits.ts), two promises fewer per answer.
 */
export function readAnswerBytes(
  upstream: Response,
  contentType: string | null,
  maxBytes: number,
): InvalidResponse | Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (upstream.ok && isPage(contentType)) {
    upstream.body?.cancel().catch(() => {});
    return new InvalidResponse(`the answer is ${mediaType(contentType!)}, not JSON`);
  }
  return readBytesWithin(upstream, maxBytes);
}

/**
 * The second step: the bytes read, checked, and translated when the client speaks another
 * dialect; `redactor` holds the configured secrets, kept out of what the client receives.
 */
export function wholeAnswer(
  upstream: Response,
  contentType: string | null,
  read: Uint8Array<ArrayBuffer>,
  translation: Translation | undefined,
  tap: ResponseTap,
  redactor: Redactor | undefined,
): WholeAnswer | InvalidResponse {
  let bytes = read;
  const text = decoder.decode(bytes);
  // A backend that echoes its key (a header dump in an error page) would hand it to the client.
  if (redactor?.holdsSecret(text)) bytes = encoder.encode(redactor.redact(text));
  if (!upstream.ok) {
    tap.setBody(bytes);
    if (!translation) return { body: bytes, contentType };
    const rejection = translation.rejection(upstream.status, decoder.decode(bytes));
    return { body: bytes, contentType, rejection };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return new InvalidResponse(
      contentType?.includes("json")
        ? "the response body is not valid JSON"
        : `the answer is ${contentType ? mediaType(contentType) : "untyped"} and not JSON`,
    );
  }
  tap.setBody(bytes, json);
  if (!translation) return { body: bytes, contentType };
  const translated = translation.whole(json);
  if (isFailure(translated)) return new InvalidResponse(translated.message);
  return { body: encoder.encode(translated.text), contentType: translated.contentType };
}

/** `text/html`, `text/plain` …: a page, where JSON or an event stream was expected. */
export function isPage(contentType: string | null): boolean {
  const type = contentType === null ? "" : mediaType(contentType);
  return type.startsWith("text/") && type !== "text/event-stream";
}

function mediaType(contentType: string): string {
  // indexOf, not split: no array per answer (this runs on every whole answer).
  const end = contentType.indexOf(";");
  return (end < 0 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

/** The commit of a checked whole `answer` from `backend`, with the plan's response headers. */
export function wholeCommit(
  backend: Backend,
  upstream: Response,
  answer: WholeAnswer,
  responseHeaders: Readonly<Record<string, string>> | undefined,
  ttfbMs: number,
): AttemptCommit {
  const commit: { -readonly [K in keyof AttemptCommit]: AttemptCommit[K] } = {
    ok: true,
    backend,
    status: upstream.status,
    contentType: answer.contentType,
    retryAfter: upstream.headers.get("retry-after"),
    body: answer.body,
    ttfbMs,
  };
  if (responseHeaders !== undefined) commit.headers = responseHeaders;
  if (answer.rejection !== undefined) commit.rejection = answer.rejection;
  return commit;
}
