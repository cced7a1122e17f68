/**
 * Output items of a Response (message, reasoning, function call) in their JSON shape, and how a
 * chat `finish_reason` ends a Response. Shared by the stream and the whole-answer translation.
 * @module
 */
import type { IncompleteReason, ResponseStatus } from "./envelope.ts";

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export function messageItem(id: string, status: ItemStatus, text: string | undefined) {
  return {
    id,
    type: "message",
    status,
    role: "assistant",
    content: text === undefined ? [] : [outputText(text)],
  };
}

export function outputText(text: string) {
  return { type: "output_text", text, annotations: [] };
}

/** Raw reasoning (a thinking model's `reasoning_content`), as `reasoning_text` content. */
export function reasoningItem(id: string, status: ItemStatus, text: string | undefined) {
  return {
    id,
    type: "reasoning",
    status,
    summary: [],
    content: text === undefined ? [] : [reasoningText(text)],
  };
}

export function reasoningText(text: string) {
  return { type: "reasoning_text", text };
}

export function functionCallItem(
  id: string,
  status: ItemStatus,
  callId: string,
  name: string,
  args: string,
) {
  return { id, type: "function_call", status, arguments: args, call_id: callId, name };
}

export interface Ending {
  readonly status: ResponseStatus;
  readonly items: ItemStatus;
  readonly incomplete?: IncompleteReason;
}

const COMPLETED: Ending = { status: "completed", items: "completed" };

/** `length` and `content_filter` end a Response `incomplete`, as OpenAI's own does. */
export function endingOf(finishReason: unknown): Ending {
  if (finishReason === "length") {
    return { status: "incomplete", items: "incomplete", incomplete: "max_output_tokens" };
  }
  if (finishReason === "content_filter") {
    return { status: "incomplete", items: "incomplete", incomplete: "content_filter" };
  }
  return COMPLETED;
}

/** The reasoning text of a chat message or delta: vLLM/llama.cpp `reasoning_content`, Ollama `reasoning`. */
export function reasoningOf(message: { reasoning_content?: unknown; reasoning?: unknown }) {
  const text = message.reasoning_content ?? message.reasoning;
  return typeof text === "string" ? text : "";
}
