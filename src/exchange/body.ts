/**
 * Reads a request body once, refusing it as soon as it passes the size limit: a declared
 * Content-Length is checked before reading, a chunked body is counted as it streams, so an
 * oversized upload is never buffered whole. A body that trickles in slower than the deadline
 * (slowloris) is abandoned, so it cannot hold a connection and a request slot forever.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { type Failure, failure } from "../lib/failures.ts";

export type BodyResult = { ok: true; text: string } | {
  ok: false;
  reason: "too_large" | "unreadable" | "timeout";
};

const TIMED_OUT: BodyResult = { ok: false, reason: "timeout" };
const TOO_LARGE: BodyResult = { ok: false, reason: "too_large" };
const UNREADABLE: BodyResult = { ok: false, reason: "unreadable" };

export function readBodyLimited(
  request: Request,
  limit: number,
  timeoutMs: number,
  clock: Clock,
): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    return Number(declared) > limit
      ? Promise.resolve(TOO_LARGE)
      : readDeclared(request, timeoutMs, clock);
  }
  const body = request.body;
  if (!body) return Promise.resolve({ ok: true, text: "" });
  return readChunkedWithin(body.getReader(), limit, timeoutMs, clock);
}

/**
 * The length is known and within the limit: the runtime reads it natively (what every request
 * from an HTTP client takes, so one promise and one timer, nothing more). Past the deadline it is
 * simply abandoned: the runtime drops it with the connection.
 */
function readDeclared(request: Request, timeoutMs: number, clock: Clock): Promise<BodyResult> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    request.text().then(
      (text) => {
        clock.clearTimeout(timer);
        resolve({ ok: true, text });
      },
      () => {
        clock.clearTimeout(timer);
        resolve(UNREADABLE);
      },
    );
  });
}

/** A chunked upload, counted as it streams; past the deadline its reader is cancelled. */
async function readChunkedWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
  timeoutMs: number,
  clock: Clock,
): Promise<BodyResult> {
  let timer: TimerHandle | undefined;
  const deadline = new Promise<BodyResult>((resolve) => {
    timer = clock.setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    const result = await Promise.race([readChunked(reader, limit), deadline]);
    if (result === TIMED_OUT) reader.cancel().catch(() => {});
    return result;
  } finally {
    clock.clearTimeout(timer!);
  }
}

/** Why a body could not be taken, as a failure. */
export function bodyFailure(
  reason: Exclude<BodyResult, { ok: true }>["reason"],
  limit: number,
): Failure {
  if (reason === "too_large") {
    return failure("body_too_large", `Request body is larger than the limit of ${limit} bytes`);
  }
  if (reason === "timeout") return failure("body_timeout", "Request body took too long to arrive");
  return failure("invalid_request", "Request body could not be read");
}

/** The body as a JSON object, or why not. */
export function parseJsonObject(text: string): Record<string, unknown> | Failure {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? `: ${error.message}` : "";
    return failure("invalid_request", `Request body is not valid JSON${detail}`, { param: null });
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return failure("invalid_request", "Request body must be a JSON object", { param: null });
  }
  return body as Record<string, unknown>;
}

async function readChunked(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
): Promise<BodyResult> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        reader.cancel().catch(() => {});
        return TOO_LARGE;
      }
      chunks.push(value);
    }
  } catch {
    return UNREADABLE;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { ok: true, text: new TextDecoder().decode(bytes) };
}
