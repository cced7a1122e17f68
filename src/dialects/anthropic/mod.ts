/**
 * Anthropic's front door: `POST /v1/messages` and `POST /v1/messages/count_tokens`, the dialect
 * that renders their errors, and the translation to and from chat completions for backends that
 * do not serve the Messages API themselves.
 * @module
 */
export { anthropicDialect, anthropicErrorBody } from "./dialect.ts";
export { createMessagesEndpoint, messagesEndpoint } from "./messages.ts";
export { countTokensEndpoint } from "./count-tokens.ts";
export { countingIds, type IdSource, randomIds } from "./ids.ts";
export { COUNT_TOKENS_PATH, MESSAGES_PATH, speaksAnthropic } from "./native.ts";
