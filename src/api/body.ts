/**
 * Reads a request body once, refusing it as soon as it passes the size limit: a declared
 * Content-Length is checked before reading, a chunked body is counted as it streams, so an
 * oversized upload is never buffered whole. A body that trickles in slower than the deadline
 * (slowloris) is abandoned, so it cannot hold a connection and a request slot forever.
 * @module
 */

import type { ApiErrorInit } from "./errors.ts";

export type BodyResult = { ok: true; text: string } | {
  ok: false;
  reason: "too_large" | "unreadable" | "timeout";
};

const TIMED_OUT: BodyResult = { ok: false, reason: "timeout" };

export async function readBodyLimited(
  request: Request,
  limit: number,
  timeoutMs: number,
): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) return { ok: false, reason: "too_large" };
  if (!request.body) return { ok: true, text: "" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<BodyResult>((
    resolve,
  ) => (timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs)));
  // The chunked path keeps its reader so a timeout can cancel the upload; the declared path is
  // read natively and simply abandoned (the runtime drops it with the connection).
  const reader = declared === null ? request.body.getReader() : undefined;
  const read = reader ? readChunked(reader, limit) : readDeclared(request);
  try {
    const result = await Promise.race([read, deadline]);
    if (result === TIMED_OUT) reader?.cancel().catch(() => {});
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** The error to answer a body that could not be taken. */
export function bodyError(
  reason: Exclude<BodyResult, { ok: true }>["reason"],
  limit: number,
): ApiErrorInit {
  if (reason === "too_large") {
    return {
      status: 413,
      code: "request_too_large",
      message: `Request body is larger than the limit of ${limit} bytes`,
    };
  }
  if (reason === "timeout") {
    return {
      status: 408,
      code: "request_timeout",
      message: "Request body took too long to arrive",
    };
  }
  return { status: 400, code: "invalid_request_error", message: "Request body could not be read" };
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
