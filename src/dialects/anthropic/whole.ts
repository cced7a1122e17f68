/**
 * A whole OpenAI chat completion as an Anthropic message: reasoning as a `thinking` block, the
 * text as a `text` block, each tool call as a `tool_use` block that keeps the backend's call id
 * (so the client's `tool_result` finds its call again on the next turn), the stop reason and
 * the usage. An answer that cannot be read is a Failure (the proxy then tries another backend).
 * @module
 */
import { type Failure, failure } from "../../lib/failures.ts";
import type { TranslatedBody } from "../contract.ts";
import { type AnswerContext, argumentsText, reasoningOf, stopOf, usageOf } from "./answer.ts";
import { isObject } from "./fields.ts";

type Json = Record<string, unknown>;

export function wholeMessage(json: unknown, context: AnswerContext): TranslatedBody | Failure {
  const choice = isObject(json) && Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isObject(choice)) return unreadable("it has no choices");
  const message = isObject(choice.message) ? choice.message : {};
  const content: Json[] = [];
  let outputChars = 0;
  const reasoning = reasoningOf(message);
  if (reasoning !== "") {
    content.push({ type: "thinking", thinking: reasoning, signature: "" });
    outputChars += reasoning.length;
  }
  const text = textOf(message.content);
  if (text !== "") {
    content.push({ type: "text", text });
    outputChars += text.length;
  }
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  for (const call of calls) {
    const block = toolUse(call, context);
    if (block === undefined) {
      return unreadable("a tool call has no name or arguments that are not a JSON object");
    }
    content.push(block.block);
    outputChars += block.chars;
  }
  const stop = stopOf(choice.finish_reason, choice.stop_reason, context, calls.length > 0);
  const usage = usageOf(isObject(json) ? json.usage : undefined, context, outputChars);
  return {
    contentType: "application/json",
    text: JSON.stringify({
      id: context.ids.message(),
      type: "message",
      role: "assistant",
      model: context.model,
      content,
      ...stop,
      usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    }),
  };
}

/** `content`: a string, or (some servers) a list of text parts. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (isObject(part) && typeof part.text === "string") text += part.text;
  }
  return text;
}

function toolUse(
  call: unknown,
  context: AnswerContext,
): { block: Json; chars: number } | undefined {
  if (!isObject(call) || !isObject(call.function)) return undefined;
  const { name } = call.function;
  if (typeof name !== "string" || name === "") return undefined;
  const args = argumentsText(call.function.arguments);
  let input: unknown = {};
  if (args.trim() !== "") {
    try {
      input = JSON.parse(args);
    } catch {
      return undefined;
    }
  }
  if (!isObject(input)) return undefined;
  const id = typeof call.id === "string" && call.id !== "" ? call.id : context.ids.toolUse();
  return { block: { type: "tool_use", id, name, input }, chars: args.length };
}

function unreadable(why: string): Failure {
  return failure("upstream_failed", `The backend's answer cannot be read as a message: ${why}`);
}
