/**
 * What a chat request needs from a backend, read from the already-parsed body in one pass over
 * the messages. No inference and no re-serialisation: only the shape of the request counts.
 * @module
 */

import type { Operation } from "../registry/mod.ts";

export interface RouteRequirements {
  readonly operation: Operation;
  /** A message has a content part of type `image_url`. */
  readonly vision: boolean;
  /** `tools` (or the legacy `functions`) is a non-empty array. */
  readonly tools: boolean;
  /** `response_format.type` is `json_object` or `json_schema`. */
  readonly json_mode: boolean;
  /** ceil(characters of message text / 4): a tokenizer-free estimate of the prompt size. */
  readonly estimated_tokens: number;
  /** Fill-in-the-middle: a completion with a `suffix`. */
  readonly fim: boolean;
}

/** A request that needs nothing in particular (GET /v1/route?model=…, library callers). */
export const NO_REQUIREMENTS: RouteRequirements = Object.freeze({
  operation: "chat",
  vision: false,
  tools: false,
  json_mode: false,
  estimated_tokens: 0,
  fim: false,
});

/** The OpenAI rule of thumb for English text; good enough to rule out windows far too small. */
const CHARS_PER_TOKEN = 4;

interface MessageShape {
  readonly content?: unknown;
  readonly tool_calls?: unknown;
  readonly function_call?: unknown;
}

interface PartShape {
  readonly type?: unknown;
  readonly text?: unknown;
}

export function requirementsOf(body: Readonly<Record<string, unknown>>): RouteRequirements {
  let vision = false;
  let chars = 0;
  const messages = body.messages;
  if (Array.isArray(messages)) {
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as MessageShape | null;
      if (message === null || typeof message !== "object") continue;
      const content = message.content;
      if (typeof content === "string") {
        chars += content.length;
      } else if (Array.isArray(content)) {
        for (let j = 0; j < content.length; j++) {
          const part = content[j] as PartShape | null;
          if (part === null || typeof part !== "object") continue;
          if (part.type === "text") chars += typeof part.text === "string" ? part.text.length : 0;
          else if (part.type === "image_url") vision = true;
        }
      }
      // Tool-call arguments are replayed to the model as prompt text on the next turn.
      if (Array.isArray(message.tool_calls)) {
        for (let j = 0; j < message.tool_calls.length; j++) {
          chars += argumentsLength(
            (message.tool_calls[j] as { function?: unknown } | null)?.function,
          );
        }
      }
      chars += argumentsLength(message.function_call);
    }
  }
  return {
    operation: "chat",
    vision,
    tools: nonEmptyArray(body.tools) || nonEmptyArray(body.functions),
    json_mode: isJsonFormat(body.response_format),
    estimated_tokens: estimateTokens(chars),
    fim: false,
  };
}

/** Tokens for `chars` characters of prompt text (docs/api.md, "How long is a prompt"). */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

function argumentsLength(fn: unknown): number {
  if (fn === null || typeof fn !== "object") return 0;
  const args = (fn as { arguments?: unknown }).arguments;
  return typeof args === "string" ? args.length : 0;
}

function nonEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function isJsonFormat(format: unknown): boolean {
  if (format === null || typeof format !== "object") return false;
  const type = (format as { type?: unknown }).type;
  return type === "json_object" || type === "json_schema";
}
