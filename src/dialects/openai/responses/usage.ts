/**
 * Chat usage (`prompt_tokens`, `completion_tokens` …) as Responses usage (`input_tokens`,
 * `output_tokens` …): the same counts under the Responses names, details when the backend sent
 * them and zero otherwise (the shape clients such as Codex read).
 * @module
 */

export interface ResponsesUsage {
  readonly input_tokens: number;
  readonly input_tokens_details: { readonly cached_tokens: number };
  readonly output_tokens: number;
  readonly output_tokens_details: { readonly reasoning_tokens: number };
  readonly total_tokens: number;
}

interface ChatUsage {
  readonly prompt_tokens?: unknown;
  readonly completion_tokens?: unknown;
  readonly total_tokens?: unknown;
  readonly prompt_tokens_details?: { readonly cached_tokens?: unknown } | null;
  readonly completion_tokens_details?: { readonly reasoning_tokens?: unknown } | null;
}

/** undefined when `usage` is not a chat usage object with at least one count. */
export function responsesUsage(usage: unknown): ResponsesUsage | undefined {
  if (typeof usage !== "object" || usage === null) return undefined;
  const chat = usage as ChatUsage;
  const input = count(chat.prompt_tokens);
  const output = count(chat.completion_tokens);
  if (input === undefined && output === undefined) return undefined;
  const total = count(chat.total_tokens) ?? (input ?? 0) + (output ?? 0);
  return {
    input_tokens: input ?? 0,
    input_tokens_details: { cached_tokens: count(chat.prompt_tokens_details?.cached_tokens) ?? 0 },
    output_tokens: output ?? 0,
    output_tokens_details: {
      reasoning_tokens: count(chat.completion_tokens_details?.reasoning_tokens) ?? 0,
    },
    total_tokens: total,
  };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
