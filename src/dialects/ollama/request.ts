/**
 * Reading Ollama requests: the fields Nexus itself needs (`model`, `stream`, `messages`,
 * `prompt`, `input`) are checked, and what a request asks of a backend is read in one pass —
 * images (vision), tools, `format` (JSON mode) and the prompt's size. Everything else (`options`,
 * `keep_alive`, `think`, unknown fields) is the backend's business.
 * @module
 */
import { type Failure, isFailure } from "../../lib/failures.ts";
import { estimateTokens, NO_REQUIREMENTS, type RouteRequirements } from "../../routing/mod.ts";
import { type Body, invalid, missing, readModel, readStream } from "../fields.ts";

export interface OllamaMessage {
  readonly role?: unknown;
  readonly content?: unknown;
  readonly images?: unknown;
  readonly thinking?: unknown;
  readonly tool_calls?: unknown;
  readonly tool_name?: unknown;
  readonly tool_call_id?: unknown;
}

export interface OllamaToolCall {
  readonly id?: unknown;
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown };
}

/** `model` and `stream` (Ollama streams unless told not to). */
export function readCommon(body: Body): { model: string; stream: boolean } | Failure {
  const model = readModel(body);
  if (isFailure(model)) return model;
  const stream = readStream(body, true);
  if (isFailure(stream)) return stream;
  return { model, stream };
}

/** `/api/chat`: `messages` may be absent or empty (the form that only loads or unloads a model). */
export function chatRequirements(body: Body): RouteRequirements | Failure {
  const messages = body.messages;
  if (messages !== undefined && messages !== null && !Array.isArray(messages)) {
    return invalid("messages", "an array", messages);
  }
  let chars = 0;
  let vision = false;
  for (const message of (messages ?? []) as unknown[]) {
    if (message === null || typeof message !== "object") {
      return invalid("messages", "an array of objects", messages);
    }
    const { content, images, tool_calls } = message as OllamaMessage;
    if (typeof content === "string") chars += content.length;
    if (Array.isArray(images) && images.length > 0) vision = true;
    if (Array.isArray(tool_calls)) chars += toolCallsLength(tool_calls);
  }
  return {
    ...NO_REQUIREMENTS,
    vision,
    tools: Array.isArray(body.tools) && body.tools.length > 0,
    json_mode: isFormat(body.format),
    estimated_tokens: estimateTokens(chars),
  };
}

/** `/api/generate`: a raw prompt or one with a `suffix` is a completion, anything else a chat. */
export function generateRequirements(body: Body): RouteRequirements | Failure {
  const prompt = body.prompt;
  if (prompt !== undefined && prompt !== null && typeof prompt !== "string") {
    return invalid("prompt", "a string", prompt);
  }
  const suffix = body.suffix;
  if (suffix !== undefined && suffix !== null && typeof suffix !== "string") {
    return invalid("suffix", "a string", suffix);
  }
  const system = typeof body.system === "string" ? body.system.length : 0;
  const chars = (prompt?.length ?? 0) + (suffix?.length ?? 0) + system;
  const fim = typeof suffix === "string" && suffix !== "";
  return {
    ...NO_REQUIREMENTS,
    operation: fim || body.raw === true ? "completions" : "chat",
    vision: Array.isArray(body.images) && body.images.length > 0,
    json_mode: isFormat(body.format),
    estimated_tokens: estimateTokens(chars),
    fim,
  };
}

const EMBEDDINGS: RouteRequirements = Object.freeze({
  ...NO_REQUIREMENTS,
  operation: "embeddings",
});

/** `/api/embed` takes `input` (a string or strings); the older `/api/embeddings` a `prompt`. */
export function embedRequirements(
  body: Body,
  field: "input" | "prompt",
): RouteRequirements | Failure {
  const value = body[field];
  if (value === undefined) return missing(field);
  if (typeof value === "string") return EMBEDDINGS;
  if (field === "input" && Array.isArray(value) && value.every((v) => typeof v === "string")) {
    return EMBEDDINGS;
  }
  return invalid(field, field === "input" ? "a string or an array of strings" : "a string", value);
}

/** `format`: `"json"` or a JSON schema object. */
export function isFormat(format: unknown): boolean {
  return format === "json" || (typeof format === "object" && format !== null);
}

function toolCallsLength(calls: readonly unknown[]): number {
  let chars = 0;
  for (const call of calls) {
    const args = (call as OllamaToolCall | null)?.function?.arguments;
    if (typeof args === "string") chars += args.length;
    else if (args !== undefined && args !== null) chars += JSON.stringify(args).length;
  }
  return chars;
}
