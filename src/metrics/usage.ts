/**
 * Token counts from an OpenAI `usage` object, found in a non-stream body or in a stream's last
 * bytes without parsing the rest: scan backwards for the key `"usage"`, then parse only the
 * object that follows it. In a stream with `include_usage`, every chunk carries `"usage":null`
 * and the final one the counts, so the last occurrence is the one that matters. Ollama's native
 * answers (an Ollama backend behind the Ollama front door, or the native path for long OpenAI
 * prompts) count in their last line instead: `"prompt_eval_count"` and `"eval_count"`.
 * @module
 */

export interface TokenUsage {
  readonly prompt: number | undefined;
  readonly completion: number | undefined;
}

/** `"usage"` as bytes. A string value "usage" is followed by `,` or `}`, never by `:`. */
const KEY = new TextEncoder().encode('"usage"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const decoder = new TextDecoder();

export function findUsage(bytes: Uint8Array): TokenUsage | undefined {
  return findOpenaiUsage(bytes) ?? findOllamaCounts(bytes);
}

function findOpenaiUsage(bytes: Uint8Array): TokenUsage | undefined {
  let at = lastIndexOf(bytes, bytes.length - KEY.length);
  while (at >= 0) {
    let i = skipSpace(bytes, at + KEY.length);
    if (bytes[i] === COLON) {
      i = skipSpace(bytes, i + 1);
      // `"usage":null` (or anything but an object) in the last place: no counts were sent.
      return bytes[i] === OPEN ? parseObjectAt(bytes, i) : undefined;
    }
    at = lastIndexOf(bytes, at - 1);
  }
  return undefined;
}

function parseObjectAt(bytes: Uint8Array, start: number): TokenUsage | undefined {
  const end = objectEnd(bytes, start);
  if (end < 0) return undefined;
  let usage: unknown;
  try {
    usage = JSON.parse(decoder.decode(bytes.subarray(start, end + 1)));
  } catch {
    return undefined;
  }
  return countsOf(usage as Record<string, unknown>);
}

/** The usage of an already parsed body: OpenAI's `usage`, else Ollama's eval counts. */
export function usageOf(body: unknown): TokenUsage | undefined {
  const usage = (body as { usage?: unknown } | null)?.usage;
  if (typeof usage === "object" && usage !== null) {
    return countsOf(usage as Record<string, unknown>);
  }
  if (typeof body !== "object" || body === null) return undefined;
  const { prompt_eval_count, eval_count } = body as Record<string, unknown>;
  return countsOf({ prompt_tokens: prompt_eval_count, completion_tokens: eval_count });
}

const PROMPT_EVAL = new TextEncoder().encode('"prompt_eval_count"');
const EVAL = new TextEncoder().encode('"eval_count"');

/** Ollama's final line: the last `"prompt_eval_count":N` and `"eval_count":N`. */
function findOllamaCounts(bytes: Uint8Array): TokenUsage | undefined {
  const prompt = numberAfter(bytes, PROMPT_EVAL);
  const completion = numberAfter(bytes, EVAL);
  return prompt === undefined && completion === undefined ? undefined : { prompt, completion };
}

function numberAfter(bytes: Uint8Array, key: Uint8Array): number | undefined {
  const at = lastIndexOfKey(bytes, key);
  if (at < 0) return undefined;
  let i = skipSpace(bytes, at + key.length);
  if (bytes[i] !== COLON) return undefined;
  i = skipSpace(bytes, i + 1);
  let value = 0;
  let digits = 0;
  for (; bytes[i]! >= 0x30 && bytes[i]! <= 0x39 && digits < 15; i++, digits++) {
    value = value * 10 + bytes[i]! - 0x30;
  }
  return digits > 0 ? value : undefined;
}

function lastIndexOfKey(bytes: Uint8Array, key: Uint8Array): number {
  outer: for (let i = bytes.length - key.length; i >= 0; i--) {
    for (let j = 0; j < key.length; j++) if (bytes[i + j] !== key[j]) continue outer;
    return i;
  }
  return -1;
}

/** Chat names (`prompt_tokens`), or the Responses API's (`input_tokens`) of a passed-through answer. */
function countsOf(usage: Record<string, unknown>): TokenUsage | undefined {
  const prompt = count(usage.prompt_tokens ?? usage.input_tokens);
  const completion = count(usage.completion_tokens ?? usage.output_tokens);
  return prompt === undefined && completion === undefined ? undefined : { prompt, completion };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Index of the `}` closing the object opened at `start`, skipping strings; -1 if cut short. */
function objectEnd(bytes: Uint8Array, start: number): number {
  let depth = 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
    } else if (byte === OPEN) {
      depth++;
    } else if (byte === CLOSE && --depth === 0) {
      return i;
    }
  }
  return -1;
}

function lastIndexOf(bytes: Uint8Array, from: number): number {
  outer: for (let i = Math.min(from, bytes.length - KEY.length); i >= 0; i--) {
    for (let j = 0; j < KEY.length; j++) if (bytes[i + j] !== KEY[j]) continue outer;
    return i;
  }
  return -1;
}

function skipSpace(bytes: Uint8Array, i: number): number {
  while (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09) i++;
  return i;
}
