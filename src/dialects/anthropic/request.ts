/**
 * A Messages request (https://docs.anthropic.com/en/api/messages), read once: every field the
 * translation uses is checked and kept in a typed view, and the prompt is measured for routing.
 * `count_tokens` takes the same request without `max_tokens` and the sampling fields.
 * @module
 */
import { type Failure, isFailure } from "../../lib/failures.ts";
import { type Block, type Measure, readContent } from "./content.ts";
import { bad, isObject, readNumber, required, typeOf } from "./fields.ts";

export type Role = "user" | "assistant";

export interface AnthropicMessage {
  readonly role: Role;
  readonly content: readonly Block[];
}

export type Thinking =
  | { readonly type: "enabled"; readonly budgetTokens: number }
  | { readonly type: "disabled" }
  | { readonly type: "adaptive" };

export interface MessagesRequest {
  readonly model: string;
  /** Absent only on count_tokens. */
  readonly maxTokens: number | undefined;
  readonly system: readonly Block[];
  readonly messages: readonly AnthropicMessage[];
  readonly tools: readonly Block[];
  readonly toolChoice: Block | undefined;
  readonly stopSequences: readonly string[];
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly topK: number | undefined;
  readonly userId: string | undefined;
  readonly thinking: Thinking | undefined;
  readonly stream: boolean;
  /** Characters of prompt a model reads (system, messages, tool definitions). */
  readonly chars: number;
  /** An image block anywhere, tool results included. */
  readonly images: boolean;
}

const TOOL_CHOICES = new Set(["auto", "any", "tool", "none"]);

/** `kind`: `messages` requires `max_tokens`, as Anthropic does; `count_tokens` has none. */
export function readMessagesRequest(
  body: Record<string, unknown>,
  kind: "messages" | "count_tokens",
): MessagesRequest | Failure {
  const measure: Measure = { chars: 0, images: false };
  const model = body.model;
  if (model === undefined) return required("model");
  if (typeof model !== "string" || model === "") {
    return bad("model", "Input should be a model name");
  }
  const maxTokens = kind === "messages" ? readMaxTokens(body) : undefined;
  if (isFailure(maxTokens)) return maxTokens;
  const system = readSystem(body.system, measure);
  if (isFailure(system)) return system;
  const messages = readMessages(body.messages, measure);
  if (isFailure(messages)) return messages;
  const tools = readTools(body.tools, measure);
  if (isFailure(tools)) return tools;
  const toolChoice = readToolChoice(body.tool_choice);
  if (isFailure(toolChoice)) return toolChoice;
  const sampling = readSampling(body);
  if (isFailure(sampling)) return sampling;
  const thinking = readThinking(body.thinking);
  if (isFailure(thinking)) return thinking;
  const stream = body.stream ?? false;
  if (typeof stream !== "boolean") {
    return bad("stream", `Input should be a boolean, got ${typeOf(stream)}`);
  }
  return {
    model,
    maxTokens,
    system,
    messages,
    tools,
    toolChoice,
    ...sampling,
    thinking,
    stream: kind === "messages" && stream,
    chars: measure.chars,
    images: measure.images,
  };
}

function readMaxTokens(body: Record<string, unknown>): number | Failure {
  if (body.max_tokens === undefined || body.max_tokens === null) return required("max_tokens");
  const value = readNumber(body, "max_tokens", 1, Number.MAX_SAFE_INTEGER, true);
  return value as number | Failure;
}

function readSystem(value: unknown, measure: Measure): readonly Block[] | Failure {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") {
    measure.chars += value.length;
    return value === "" ? [] : [{ type: "text", text: value }];
  }
  if (!Array.isArray(value)) {
    return bad("system", "Input should be a string or a list of text blocks");
  }
  for (let i = 0; i < value.length; i++) {
    const block = value[i];
    if (!isObject(block) || block.type !== "text" || typeof block.text !== "string") {
      return bad(`system.${i}`, "Input should be a text block");
    }
    measure.chars += block.text.length;
  }
  return value as Block[];
}

function readMessages(value: unknown, measure: Measure): AnthropicMessage[] | Failure {
  if (value === undefined) return required("messages");
  if (!Array.isArray(value)) return bad("messages", `Input should be a list, got ${typeOf(value)}`);
  // Anthropic refuses an empty conversation in these words; a backend would answer nothing useful.
  if (value.length === 0) return bad("messages", "at least one message is required");
  const messages: AnthropicMessage[] = [];
  for (let i = 0; i < value.length; i++) {
    const message = value[i];
    if (!isObject(message)) return bad(`messages.${i}`, "Input should be a message object");
    const role = message.role;
    if (role !== "user" && role !== "assistant") {
      return bad(`messages.${i}.role`, "Input should be 'user' or 'assistant'");
    }
    if (message.content === undefined) return required(`messages.${i}.content`);
    const content = readContent(message.content, `messages.${i}.content`, measure);
    if (isFailure(content)) return content;
    messages.push({ role, content });
  }
  return messages;
}

function readTools(value: unknown, measure: Measure): readonly Block[] | Failure {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return bad("tools", `Input should be a list, got ${typeOf(value)}`);
  for (let i = 0; i < value.length; i++) {
    const tool = value[i];
    if (!isObject(tool) || typeof tool.name !== "string") return required(`tools.${i}.name`);
    const custom = tool.type === undefined || tool.type === null || tool.type === "custom";
    if (custom && !isObject(tool.input_schema)) return required(`tools.${i}.input_schema`);
    // A model reads each definition: its name, description and schema count as prompt.
    measure.chars += tool.name.length + JSON.stringify(tool.input_schema ?? {}).length +
      (typeof tool.description === "string" ? tool.description.length : 0);
  }
  return value as Block[];
}

function readToolChoice(value: unknown): Block | undefined | Failure {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || typeof value.type !== "string" || !TOOL_CHOICES.has(value.type)) {
    return bad("tool_choice", "Input should be an object of type 'auto', 'any', 'tool' or 'none'");
  }
  if (value.type === "tool" && typeof value.name !== "string") return required("tool_choice.name");
  return value;
}

function readSampling(body: Record<string, unknown>) {
  const temperature = readNumber(body, "temperature", 0, 2);
  if (isFailure(temperature)) return temperature;
  const topP = readNumber(body, "top_p", 0, 1);
  if (isFailure(topP)) return topP;
  const topK = readNumber(body, "top_k", 0, Number.MAX_SAFE_INTEGER, true);
  if (isFailure(topK)) return topK;
  const stop = body.stop_sequences ?? [];
  if (!Array.isArray(stop) || !stop.every((s) => typeof s === "string")) {
    return bad("stop_sequences", "Input should be a list of strings");
  }
  const metadata = body.metadata ?? {};
  if (!isObject(metadata)) return bad("metadata", "Input should be an object");
  const userId = metadata.user_id;
  if (userId !== undefined && userId !== null && typeof userId !== "string") {
    return bad("metadata.user_id", "Input should be a string");
  }
  return {
    temperature,
    topP,
    topK,
    stopSequences: stop as string[],
    userId: userId ?? undefined,
  };
}

function readThinking(value: unknown): Thinking | undefined | Failure {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return bad("thinking", "Input should be an object");
  if (value.type === "disabled" || value.type === "adaptive") return { type: value.type };
  if (value.type !== "enabled") {
    return bad("thinking.type", "Input should be 'enabled', 'disabled' or 'adaptive'");
  }
  const budget = readNumber(value, "budget_tokens", 1, Number.MAX_SAFE_INTEGER, true);
  if (budget === undefined) return required("thinking.budget_tokens");
  if (isFailure(budget)) return bad("thinking.budget_tokens", "Input should be a positive integer");
  return { type: "enabled", budgetTokens: budget };
}
