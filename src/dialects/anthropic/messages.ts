/**
 * `POST /v1/messages`: Anthropic's Messages API, for Claude Code, the `@anthropic-ai/sdk` and
 * the tools built on it. A backend that serves the route itself (native.ts) gets the request
 * untouched and its answer is relayed byte for byte; every other backend gets it translated to
 * chat completions (to-chat.ts, chat-request.ts) and its answer translated back (whole.ts,
 * stream.ts). A request a translation cannot carry (server tools, PDF documents) is refused for
 * those backends only: it still reaches a native one.
 * @module
 */
import { isFailure } from "../../lib/failures.ts";
import { estimateTokens, type RouteRequirements } from "../../routing/mod.ts";
import { chainedTranslation } from "../chained.ts";
import type { Endpoint, ParsedRequest, PlanTarget, UpstreamPlan } from "../contract.ts";
import { ollamaContextPlan, ollamaContextRefusal } from "../ollama/context.ts";
import { CHAT_PATH } from "../openai/chat.ts";
import { chatBody } from "./chat-request.ts";
import { anthropicDialect } from "./dialect.ts";
import { type IdSource, randomIds } from "./ids.ts";
import { MESSAGES_PATH, nativePlan, speaksAnthropic } from "./native.ts";
import { anthropicOf, parsedRequest } from "./parsed.ts";
import { type MessagesRequest, readMessagesRequest } from "./request.ts";
import { messagesTranslation } from "./translation.ts";

const THINKING_IGNORED = Object.freeze({ "x-nexus-warning": "thinking ignored" });

export function createMessagesEndpoint(ids: IdSource = randomIds): Endpoint {
  return {
    name: "messages",
    dialect: anthropicDialect,
    parse(body, text) {
      const view = readMessagesRequest(body, "messages");
      if (isFailure(view)) return view;
      return parsedRequest(view, body, text, requirementsOf(view));
    },
    refusal(request, target) {
      if (speaksAnthropic(target.backend)) return undefined;
      const anthropic = anthropicOf(request);
      const chat = anthropic.chat();
      if (isFailure(chat)) return chat;
      if (target.backend.type !== "ollama") return undefined;
      // Too long for the model even at its maximum: refused as chat refuses it (never cut).
      const { body } = chatBody(anthropic.view, chat, target.backend.type, target.model);
      return ollamaContextRefusal({ ...request, body }, target);
    },
    plan(request, target) {
      if (speaksAnthropic(target.backend)) return nativePlan(request, target.model, MESSAGES_PATH);
      return translatedPlan(request, target, ids);
    },
  };
}

export const messagesEndpoint: Endpoint = createMessagesEndpoint();

/** What routing needs: images want vision, tools want tool support, the prompt must fit. */
export function requirementsOf(view: MessagesRequest): RouteRequirements {
  return {
    operation: "chat",
    vision: view.images,
    tools: view.tools.length > 0,
    json_mode: false,
    estimated_tokens: estimateTokens(view.chars),
    fim: false,
  };
}

function translatedPlan(parsed: ParsedRequest, target: PlanTarget, ids: IdSource): UpstreamPlan {
  const request = anthropicOf(parsed);
  const chat = request.chat();
  // `refusal` kept every candidate whose translation fails from being planned.
  if (isFailure(chat)) throw new Error(`unplannable request: ${chat.message}`);
  const { view } = request;
  const { body, thinkingIgnored } = chatBody(view, chat, target.backend.type, target.model);
  const text = JSON.stringify(body);
  const translation = messagesTranslation({
    model: view.model,
    inputEstimate: request.estimatedTokens,
    stopSequences: view.stopSequences,
    ids,
  });
  const headers = thinkingIgnored ? { responseHeaders: THINKING_IGNORED } : {};
  // Ollama's OpenAI endpoint would cut a prompt longer than its default context (Claude Code's
  // system prompt and tools alone exceed 4k tokens): such a request goes native with num_ctx.
  if (target.backend.type === "ollama") {
    const chatRequest = { ...parsed, body, text };
    const native = ollamaContextPlan(chatRequest, target);
    if (native?.translation !== undefined) {
      return {
        ...native,
        translation: chainedTranslation(native.translation, translation),
        ...headers,
      };
    }
  }
  return {
    path: CHAT_PATH,
    body: text,
    stream: view.stream,
    upstream: "openai",
    translation,
    ...headers,
  };
}
