/**
 * Bounds on what Nexus copies: a response body read whole stops at its cap (and the upstream is
 * cancelled), a text put in a log line or an error message is cut with a note of how much was
 * left out, and a list shows its first entries and a count. Nothing a client or a backend sends
 * can make one line, one message or one buffer grow without limit.
 * @module
 */

/** Characters kept of one text (a model name, a backend's error) in a message or log field. */
export const MAX_TEXT_CHARS = 256;
/** Entries kept of a list in a message or log field; the rest are counted. */
export const MAX_LIST_ENTRIES = 20;

export type LimitedBody =
  | { readonly ok: true; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly ok: false; readonly reason: "too_large" };

/**
 * Reads `response`'s body whole, up to `limit` bytes. Past it (or when Content-Length already
 * says so) the body is cancelled, which closes the upstream connection. Read errors reject, as
 * `arrayBuffer()` would.
 */
export async function readLimited(response: Response, limit: number): Promise<LimitedBody> {
  const bytes = await readBytesWithin(response, limit);
  return bytes === undefined ? TOO_LARGE : { ok: true, bytes };
}

const TOO_LARGE: LimitedBody = { ok: false, reason: "too_large" };

/**
 * `readLimited` for the proxy's hot path: the bytes, or undefined past `limit`. A declared length
 * within the limit hands back the runtime's own read as it is — no JavaScript loop, and no
 * promise of ours wrapped around it (every whole answer from vLLM, llama.cpp or Ollama takes it).
 */
export function readBytesWithin(
  response: Response,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    return (response.body?.cancel() ?? Promise.resolve()).then(() => undefined, () => undefined);
  }
  if (!response.body) return Promise.resolve(new Uint8Array(0));
  if (declared <= limit) return response.bytes();
  return readCounted(response.body.getReader(), limit);
}

/** A body of unknown length, counted as it arrives and cancelled past `limit`. */
async function readCounted(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]!.byteOffset === 0) {
    const only = chunks[0]!;
    if (only.buffer instanceof ArrayBuffer && only.byteLength === only.buffer.byteLength) {
      return only as Uint8Array<ArrayBuffer>;
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads at most `limit` bytes of a body as text (an error body for a message), then cancels. */
export async function readTextPrefix(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let total = 0;
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      total += value.byteLength;
      text += decoder.decode(value.subarray(0, Math.max(0, limit - (total - value.byteLength))), {
        stream: true,
      });
    }
    reader.cancel().catch(() => {});
    return text;
  } catch {
    return text;
  }
}

/** `text`, or its first `max` characters and how many more there were. */
export function boundText(text: string, max = MAX_TEXT_CHARS): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The first `max` entries, and a count of the rest. */
export function boundList(items: readonly string[], max = MAX_LIST_ENTRIES): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
