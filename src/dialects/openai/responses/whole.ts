/**
 * A whole chat completion → one Response object (non-stream answers). Pure: ids and the time come
 * from the `IdSource`. Reasoning (a thinking model's `reasoning_content`) comes first, then the
 * message, then one `function_call` item per tool call, as OpenAI orders them.
 * @module
 */
import { type Failure, failure } from "../../../lib/failures.ts";
import type { TranslatedBody } from "../../contract.ts";
import { responseJson } from "./envelope.ts";
import { endingOf, functionCallItem, messageItem, reasoningItem, reasoningOf } from "./items.ts";
import type { StreamContext } from "./stream.ts";
import { responsesUsage } from "./usage.ts";

interface ChatMessage {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: unknown;
}

interface ChatToolCall {
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

export function responseFromChat(json: unknown, context: StreamContext): TranslatedBody | Failure {
  const completion = json as {
    created?: unknown;
    model?: unknown;
    usage?: unknown;
    choices?: unknown;
  } | null;
  const choices = completion?.choices;
  const choice = Array.isArray(choices)
    ? choices[0] as { message?: ChatMessage; finish_reason?: unknown } | undefined
    : undefined;
  if (typeof choice !== "object" || choice === null || typeof choice.message !== "object") {
    return failure("upstream_failed", "the backend's answer is not a chat completion");
  }
  const { ids } = context;
  const ending = endingOf(choice.finish_reason);
  const message = choice.message ?? {};
  const output: unknown[] = [];
  const reasoning = reasoningOf(message);
  if (reasoning !== "") output.push(reasoningItem(ids.id("rs_"), ending.items, reasoning));
  const content = message.content;
  if (typeof content === "string" && content !== "") {
    output.push(messageItem(ids.id("msg_"), ending.items, content));
  }
  if (Array.isArray(message.tool_calls)) {
    for (const raw of message.tool_calls as ChatToolCall[]) {
      const fn = raw?.function;
      const callId = typeof raw?.id === "string" && raw.id !== "" ? raw.id : ids.id("call_");
      output.push(functionCallItem(
        ids.id("fc_"),
        ending.items,
        callId,
        typeof fn?.name === "string" ? fn.name : "",
        typeof fn?.arguments === "string" ? fn.arguments : "",
      ));
    }
  }
  const text = responseJson({
    id: ids.id("resp_"),
    createdAt: typeof completion?.created === "number" ? completion.created : ids.nowSeconds(),
    model: typeof completion?.model === "string" && completion.model !== ""
      ? completion.model
      : context.model,
    status: ending.status,
    output,
    usage: responsesUsage(completion?.usage),
    incomplete: ending.incomplete,
  }, context.echo);
  return { contentType: "application/json", text };
}
