/**
 * A Responses request → the chat completions request that asks a chat backend the same thing.
 * Pure. Stateful features are refused (Nexus stores nothing): `store: true`,
 * `previous_response_id`, `conversation`, `background: true` and stored `prompt` templates.
 * Mapped: `instructions` + `input` → `messages`, `tools`, `tool_choice`, `parallel_tool_calls`,
 * `text.format` → `response_format`, `max_output_tokens` → `max_tokens`, `temperature`,
 * `top_p`, `user`, `stream` (with `stream_options.include_usage`, so the final event has usage).
 * Hints a chat backend has no place for (`reasoning`, `include`, `text.verbosity`, `truncation`,
 * `metadata`, `prompt_cache_key`, `service_tier`) are left out; docs/api.md lists them.
 * @module
 */
import { type Failure, isFailure } from "../../../lib/failures.ts";
import { toMessages } from "./input.ts";
import { toChatToolChoice, toChatTools, toResponseFormat } from "./tools.ts";
import { stateful } from "./unsupported.ts";

type Body = Readonly<Record<string, unknown>>;
export type ChatRequest = Record<string, unknown>;

/** The chat body without `model` (each backend gets its own name for it). */
export function toChatRequest(body: Body, stream: boolean): ChatRequest | Failure {
  const refused = statefulField(body);
  if (refused) return refused;
  const messages = toMessages(body.instructions, body.input);
  if (isFailure(messages)) return messages;
  const chat: ChatRequest = { messages };
  const tools = toChatTools(body.tools);
  if (isFailure(tools)) return tools;
  const choice = toChatToolChoice(body.tool_choice);
  if (isFailure(choice)) return choice;
  // Chat servers refuse `tool_choice` and `parallel_tool_calls` without tools (OpenAI, vLLM).
  if (tools !== undefined && tools.length > 0) {
    chat.tools = tools;
    if (choice !== undefined) chat.tool_choice = choice;
    if (typeof body.parallel_tool_calls === "boolean") {
      chat.parallel_tool_calls = body.parallel_tool_calls;
    }
  }
  const format = toResponseFormat(body);
  if (isFailure(format)) return format;
  if (format !== undefined) chat.response_format = format;
  copyNumber(body, "max_output_tokens", chat, "max_tokens");
  copyNumber(body, "temperature", chat, "temperature");
  copyNumber(body, "top_p", chat, "top_p");
  if (typeof body.user === "string") chat.user = body.user;
  if (stream) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}

function statefulField(body: Body): Failure | undefined {
  if (body.store === true) return stateful("store", "'store: true'");
  if (present(body.previous_response_id)) {
    return stateful("previous_response_id", "'previous_response_id'");
  }
  if (present(body.conversation)) return stateful("conversation", "'conversation'");
  if (body.background === true) return stateful("background", "'background: true'");
  if (present(body.prompt)) return stateful("prompt", "'prompt' (a stored prompt template)");
  return undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function copyNumber(from: Body, key: string, to: ChatRequest, as: string): void {
  const value = from[key];
  if (typeof value === "number") to[as] = value;
}
