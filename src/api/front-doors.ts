/**
 * Every inference route and the endpoint (parser, planner, dialect) it plugs into the exchange
 * pipeline. A new front door is one line here (docs/architecture.md, "Where things go";
 * the recipe is in specs/011-pipeline/walkthrough.md).
 * @module
 */
import {
  chatEndpoint,
  completionsEndpoint,
  countTokensEndpoint,
  embeddingsEndpoint,
  type Endpoint,
  messagesEndpoint,
  ollamaChatEndpoint,
  ollamaEmbeddingsEndpoint,
  ollamaEmbedEndpoint,
  ollamaGenerateEndpoint,
  responsesEndpoint,
} from "../dialects/mod.ts";

export const FRONT_DOORS: ReadonlyArray<readonly [path: string, endpoint: Endpoint]> = [
  ["/v1/chat/completions", chatEndpoint],
  ["/v1/embeddings", embeddingsEndpoint],
  ["/v1/completions", completionsEndpoint],
  ["/v1/responses", responsesEndpoint],
  ["/v1/messages", messagesEndpoint],
  ["/v1/messages/count_tokens", countTokensEndpoint],
  ["/api/chat", ollamaChatEndpoint],
  ["/api/generate", ollamaGenerateEndpoint],
  ["/api/embed", ollamaEmbedEndpoint],
  ["/api/embeddings", ollamaEmbeddingsEndpoint],
];
