/**
 * The chat completions request a translated Messages request becomes: the conversation and tools
 * (to-chat.ts, once per request), then per candidate the model name and what its server type
 * accepts — `max_completion_tokens` for OpenAI's own API, no `top_k` there, and `thinking` as
 * `reasoning_effort` where the server has that switch.
 * @module
 */
import type { BackendTypeSetting } from "../../config/mod.ts";
import { type Failure, isFailure } from "../../lib/failures.ts";
import type { MessagesRequest, Thinking } from "./request.ts";
import {
  type ChatMessage,
  parallelToolCalls,
  toChatMessages,
  toChatToolChoice,
  toChatTools,
} from "./to-chat.ts";

export interface ChatConversation {
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly unknown[];
  readonly toolChoice: unknown;
  readonly parallelToolCalls: boolean | undefined;
}

export function toChat(request: MessagesRequest): ChatConversation | Failure {
  const messages = toChatMessages(request);
  if (isFailure(messages)) return messages;
  const tools = toChatTools(request.tools);
  if (isFailure(tools)) return tools;
  return {
    messages,
    tools,
    toolChoice: toChatToolChoice(request.toolChoice),
    parallelToolCalls: parallelToolCalls(request.toolChoice),
  };
}

/**
 * Servers whose chat completions take `reasoning_effort` (Ollama ≥ 0.12, vLLM, OpenAI): there a
 * `thinking` request is passed on; elsewhere it is ignored and the answer says so.
 */
const REASONING_EFFORT: ReadonlySet<BackendTypeSetting> = new Set(["ollama", "vllm", "openai"]);

export interface ChatBody {
  readonly body: Record<string, unknown>;
  /** The request asked for thinking and this server has no way to be told. */
  readonly thinkingIgnored: boolean;
}

export function chatBody(
  request: MessagesRequest,
  chat: ChatConversation,
  type: BackendTypeSetting,
  model: string,
): ChatBody {
  const body: Record<string, unknown> = { model, messages: chat.messages };
  // OpenAI's own API wants max_completion_tokens (its reasoning models refuse max_tokens).
  body[type === "openai" ? "max_completion_tokens" : "max_tokens"] = request.maxTokens;
  if (request.stopSequences.length > 0) body.stop = request.stopSequences;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  // Local servers sample with top_k; OpenAI's API rejects the unknown field.
  if (request.topK !== undefined && type !== "openai") body.top_k = request.topK;
  if (chat.tools.length > 0) {
    body.tools = chat.tools;
    // Chat servers refuse a tool_choice without tools.
    if (chat.toolChoice !== undefined) body.tool_choice = chat.toolChoice;
    if (chat.parallelToolCalls !== undefined) body.parallel_tool_calls = chat.parallelToolCalls;
  }
  if (request.userId !== undefined) body.user = request.userId;
  const effort = reasoningEffort(request.thinking);
  const thinks = effort !== undefined && REASONING_EFFORT.has(type);
  if (thinks) body.reasoning_effort = effort;
  if (request.stream) {
    body.stream = true;
    // The usage comes in a last chunk only when asked for: Anthropic's message_delta needs it.
    body.stream_options = { include_usage: true };
  }
  return { body, thinkingIgnored: effort !== undefined && !thinks };
}

/**
 * A thinking budget as an effort level (Claude Code's "think" asks ~4k tokens, "think hard"
 * ~10k, "ultrathink" ~32k); `disabled` asks for nothing.
 */
function reasoningEffort(thinking: Thinking | undefined): string | undefined {
  if (thinking === undefined || thinking.type === "disabled") return undefined;
  if (thinking.type === "adaptive") return "medium";
  if (thinking.budgetTokens < 8_000) return "low";
  return thinking.budgetTokens < 24_000 ? "medium" : "high";
}
