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
import type { BodyReservation } from "./body-budget.ts";

export type BodyResult = { ok: true; text: string } | {
  ok: false;
  reason: "too_large" | "unreadable" | "timeout" | "busy";
};

/** Seconds a client should wait when the body budget is full: bodies in flight finish fast. */
const BUSY_RETRY_AFTER = "1";

const TIMED_OUT: BodyResult = { ok: false, reason: "timeout" };

export async function readBodyLimited(
  request: Request,
  limit: number,
  timeoutMs: number,
  clock: Clock,
  reservation?: BodyReservation,
): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) return { ok: false, reason: "too_large" };
  if (!request.body) return { ok: true, text: "" };
  // A declared length is taken from the budget whole, before a byte is read.
  if (declared !== null && reservation && !reservation.take(Number(declared) || 0)) {
    return { ok: false, reason: "busy" };
  }
  let timer: TimerHandle | undefined;
  const deadline = new Promise<BodyResult>((resolve) => {
    timer = clock.setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  // The chunked path keeps its reader so a timeout can cancel the upload; the declared path is
  // read natively and simply abandoned (the runtime drops it with the connection).
  const reader = declared === null ? request.body.getReader() : undefined;
  const read = reader ? readChunked(reader, limit, reservation) : readDeclared(request);
  try {
    const result = await Promise.race([read, deadline]);
    if (result === TIMED_OUT) reader?.cancel().catch(() => {});
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
  return body as Record<string, unknown>;
}

/** The length is known and within the limit: let the runtime read it natively. */
async function readDeclared(request: Request): Promise<BodyResult> {
  try {
    return { ok: true, text: await request.text() };
  } catch {
    return { ok: false, reason: "unreadable" };
  }
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
        return { ok: false, reason: "too_large" };
      }
      if (reservation && !reservation.take(value.length)) {
        reader.cancel().catch(() => {});
        return { ok: false, reason: "busy" };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, reason: "unreadable" };
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { ok: true, text: new TextDecoder().decode(bytes) };
}
