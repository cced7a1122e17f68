/**
 * Front-door dialects: what each route parses, how it calls a backend (passthrough or
 * translation), and how its clients are answered. The exchange pipeline (src/exchange) runs them.
 *
 * ```ts
 * import { chatEndpoint } from "./dialects/mod.ts";
 * const parsed = chatEndpoint.parse(body, text);
 * const plan = chatEndpoint.plan(parsed, { backend, model });
 * ```
 * @module
 */
export type {
  Dialect,
  DialectName,
  Endpoint,
  EndpointName,
  LocalAnswer,
  ParsedRequest,
  PlanTarget,
  StreamTail,
  StreamTranslator,
  TranslatedBody,
  Translation,
  UpstreamPlan,
} from "./contract.ts";
export { setFailureHeaders } from "./contract.ts";
export { openaiDialect, openaiErrorBody } from "./openai/dialect.ts";
export { chatEndpoint } from "./openai/chat.ts";
export { embeddingsEndpoint } from "./openai/embeddings.ts";
export { completionsEndpoint } from "./openai/completions.ts";
export {
  createResponsesEndpoint,
  RESPONSES_PATH,
  responsesEndpoint,
} from "./openai/responses/endpoint.ts";
export { responsesDialect } from "./openai/responses/dialect.ts";
export { countingIds, type IdSource, randomIds } from "./openai/responses/ids.ts";
export {
  anthropicDialect,
  countTokensEndpoint,
  createMessagesEndpoint,
  messagesEndpoint,
} from "./anthropic/mod.ts";
export { ollamaDialect, ollamaErrorBody } from "./ollama/dialect.ts";
export { ollamaChatEndpoint } from "./ollama/chat.ts";
export { ollamaGenerateEndpoint } from "./ollama/generate.ts";
export { ollamaEmbeddingsEndpoint, ollamaEmbedEndpoint } from "./ollama/embed.ts";
export {
  FAR_FUTURE,
  psEntries,
  type PsEntry,
  synthesizedShow,
  tagEntries,
  type TagEntry,
} from "./ollama/listing.ts";
