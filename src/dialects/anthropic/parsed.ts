/**
 * A parsed Messages request as the pipeline carries it: the generic `ParsedRequest` plus the
 * checked view of the Anthropic request, and its chat translation, built at most once however
 * many candidates are planned.
 * @module
 */
import type { Failure } from "../../lib/failures.ts";
import { estimateTokens, type RouteRequirements } from "../../routing/mod.ts";
import type { ParsedRequest } from "../contract.ts";
import { type ChatConversation, toChat } from "./chat-request.ts";
import type { MessagesRequest } from "./request.ts";

export class AnthropicRequest {
  readonly view: MessagesRequest;
  #chat: ChatConversation | Failure | undefined;

  constructor(view: MessagesRequest) {
    this.view = view;
  }

  /** The conversation as chat completions, or why it cannot be one. */
  chat(): ChatConversation | Failure {
    return this.#chat ??= toChat(this.view);
  }

  /** Nexus's estimate of the prompt (docs/api.md, "How long is a prompt"). */
  get estimatedTokens(): number {
    return estimateTokens(this.view.chars);
  }
}

interface AnthropicParsed extends ParsedRequest {
  readonly anthropic: AnthropicRequest;
}

export function parsedRequest(
  view: MessagesRequest,
  body: Record<string, unknown>,
  text: string,
  requirements: RouteRequirements,
): ParsedRequest {
  const parsed: AnthropicParsed = {
    model: view.model,
    stream: view.stream,
    requirements,
    body,
    text,
    anthropic: new AnthropicRequest(view),
  };
  return parsed;
}

/** The Anthropic side of a request this dialect's `parse` made. */
export function anthropicOf(request: ParsedRequest): AnthropicRequest {
  return (request as AnthropicParsed).anthropic;
}
