/**
 * Tool-call ids for the dialect that has none. Ollama's tool calls carry no id, OpenAI's must:
 * an id made from what the call is (its name, its arguments, its place in the message) is the
 * same every time a conversation is replayed, so a backend's prompt cache keeps matching and a
 * tool result always points at its call. Nine letters and digits: the strictest form servers
 * demand (Mistral templates on vLLM accept nothing else).
 * @module
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LENGTH = 9;

/** `parts` joined and hashed (FNV-1a), then spread over nine letters and digits. */
export function toolCallId(...parts: readonly (string | number)[]): string {
  const text = parts.join("\u0000");
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  let id = "";
  for (let i = 0; i < LENGTH; i++) {
    // A multiply-xorshift step per letter, so every letter depends on every input character.
    hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
    hash ^= hash >>> 13;
    id += ALPHABET[(hash >>> 0) % ALPHABET.length];
  }
  return id;
}

/** Tool arguments as OpenAI sends them: JSON text (Ollama's are an object). */
export function argumentsText(args: unknown): string {
  if (typeof args === "string") return args;
  return JSON.stringify(args ?? {});
}

/**
 * Tool arguments as Ollama sends them: an object. Text that is not a JSON object is passed on as
 * the text the model produced, rather than dropped.
 */
export function argumentsObject(args: unknown): unknown {
  if (typeof args !== "string") return args ?? {};
  if (args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : args;
  } catch {
    return args;
  }
}
