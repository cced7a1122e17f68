/**
 * Reads a request body once, refusing it as soon as it passes the size limit: a declared
 * Content-Length is checked before reading, a chunked body is counted as it streams, so an
 * oversized upload is never buffered whole.
 * @module
 */

export type BodyResult = { ok: true; text: string } | {
  ok: false;
  reason: "too_large" | "unreadable";
};

export async function readBodyLimited(request: Request, limit: number): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (length > limit) return { ok: false, reason: "too_large" };
    try {
      return { ok: true, text: await request.text() };
    } catch {
      return { ok: false, reason: "unreadable" };
    }
  }
  if (!request.body) return { ok: true, text: "" };
  const reader = request.body.getReader();
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
