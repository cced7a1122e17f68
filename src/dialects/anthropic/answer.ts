/**
 * What a whole answer and a stream share when an OpenAI chat answer becomes an Anthropic
 * message: the stop reason, the usage, the reasoning text of a message or delta, and the
 * request facts the answer needs.
 * @module
 */
import { estimateTokens } from "../../routing/mod.ts";
import type { IdSource } from "./ids.ts";

/** What the translation of one answer knows about its request. */
export interface AnswerContext {
  /** The model the client asked for: Anthropic answers name it. */
  readonly model: string;
  /** Nexus's estimate of the prompt, until (or unless) the backend reports its own count. */
  readonly inputEstimate: number;
  readonly stopSequences: readonly string[];
  readonly ids: IdSource;
}

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

export interface Stop {
  readonly stop_reason: StopReason;
  readonly stop_sequence: string | null;
}

/**
 * OpenAI's `finish_reason` in Anthropic's words. vLLM names the stop string that matched
 * (`stop_reason`); other servers do not say, and a stop there reads as `end_turn`.
 */
export function stopOf(
  finish: unknown,
  matched: unknown,
  context: AnswerContext,
  calledTools: boolean,
): Stop {
  if (finish === "length") return { stop_reason: "max_tokens", stop_sequence: null };
  if (finish === "content_filter") return { stop_reason: "refusal", stop_sequence: null };
  // Some servers end a tool call with "stop": a message that calls tools stops for them.
  if (calledTools || finish === "tool_calls" || finish === "function_call") {
    return { stop_reason: "tool_use", stop_sequence: null };
  }
  if (typeof matched === "string" && context.stopSequences.includes(matched)) {
    return { stop_reason: "stop_sequence", stop_sequence: matched };
  }
  return { stop_reason: "end_turn", stop_sequence: null };
}

export interface Usage {
  readonly input_tokens: number;
  readonly output_tokens: number;
}

/** The backend's counts, else estimates (the prompt's, and ceil(characters / 4) of the output). */
export function usageOf(usage: unknown, context: AnswerContext, outputChars: number): Usage {
  const counts = (typeof usage === "object" && usage !== null ? usage : {}) as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
  };
  return {
    input_tokens: count(counts.prompt_tokens) ?? context.inputEstimate,
    output_tokens: count(counts.completion_tokens) ?? estimateTokens(outputChars),
  };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** Reasoning text: `reasoning_content` (vLLM, llama.cpp, DeepSeek) or `reasoning` (Ollama, LM Studio). */
export function reasoningOf(message: Readonly<Record<string, unknown>>): string {
  const text = message.reasoning_content ?? message.reasoning;
  return typeof text === "string" ? text : "";
}

/** A tool call's arguments as the text of a JSON object (`""` when the call has none). */
export function argumentsText(value: unknown): string {
  if (typeof value === "string") return value;
  // Some servers send the arguments already parsed.
  return typeof value === "object" && value !== null ? JSON.stringify(value) : "";
}
