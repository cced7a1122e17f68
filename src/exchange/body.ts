/**
 * Reads a request body once, refusing it as soon as it passes the size limit: a declared
 * Content-Length is checked before reading, a chunked body is counted as it streams, so an
 * oversized upload is never buffered whole. A body that trickles in slower than the deadline
 * (slowloris) is abandoned, so it cannot hold a connection and a request slot forever. With a
 * reservation, the body's bytes are taken from the global budget first (`busy` when it is full).
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { type Failure, failure } from "../lib/failures.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../lib/json-depth.ts";
import type { BodyReservation } from "./body-budget.ts";

export type BodyResult = { ok: true; text: string } | {
  ok: false;
  reason: "too_large" | "unreadable" | "timeout" | "busy";
};

/** Seconds a client should wait when the body budget is full: bodies in flight finish fast. */
const BUSY_RETRY_AFTER = "1";

const TIMED_OUT: BodyResult = { ok: false, reason: "timeout" };
const TOO_LARGE: BodyResult = { ok: false, reason: "too_large" };
const UNREADABLE: BodyResult = { ok: false, reason: "unreadable" };
const BUSY: BodyResult = { ok: false, reason: "busy" };

export function readBodyLimited(
  request: Request,
  limit: number,
  timeoutMs: number,
  clock: Clock,
  reservation?: BodyReservation,
): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  // Only a plain length is trusted for the native read: a repeated header ("5, 5") reads back as
  // a list, whose NaN would pass every check; such a body is counted as it arrives instead.
  const length = declared === null ? NaN : Number(declared);
  if (Number.isSafeInteger(length) && length >= 0) {
    if (length > limit) return Promise.resolve(TOO_LARGE);
    // A declared length is taken from the budget whole, before a byte is read.
    if (reservation && !reservation.take(length)) return Promise.resolve(BUSY);
    return readDeclared(request, timeoutMs, clock);
  }
  const body = request.body;
  if (!body) return Promise.resolve({ ok: true, text: "" });
  return readChunkedWithin(body.getReader(), limit, timeoutMs, clock, reservation);
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

/** A chunked upload, counted (and taken from the budget) as it streams; cancelled past the deadline. */
async function readChunkedWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
  timeoutMs: number,
  clock: Clock,
  reservation: BodyReservation | undefined,
): Promise<BodyResult> {
  let timer: TimerHandle | undefined;
  const deadline = new Promise<BodyResult>((resolve) => {
    timer = clock.setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    const result = await Promise.race([readChunked(reader, limit, reservation), deadline]);
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
  if (reason === "busy") {
    return failure(
      "overloaded",
      "Nexus is reading too many request bodies at once (server.max_inflight_body_bytes); retry shortly",
      { retryAfter: BUSY_RETRY_AFTER },
    );
  }
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
  if (nestsDeeperThan(text)) {
    return failure(
      "invalid_request",
      `Request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`,
      { param: null },
    );
  }
  return body as Record<string, unknown>;
}

async function readChunked(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
  reservation: BodyReservation | undefined,
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
      if (reservation && !reservation.take(value.length)) {
        reader.cancel().catch(() => {});
        return BUSY;
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
