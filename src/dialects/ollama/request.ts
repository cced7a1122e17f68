/**
 * Reading Ollama requests: the fields Nexus itself needs (`model`, `stream`, `messages`,
 * `prompt`, `input`) and the ones a translation reads (`format`, the sampling `options`) are
 * checked, and what a request asks of a backend is read in one pass — images (vision), tools,
 * `format` (JSON mode) and the prompt's size. Everything else (other `options`, `keep_alive`,
 * `think`, unknown fields) is the backend's business.
 * @module
 */
import { type Failure, isFailure } from "../../lib/failures.ts";
import { estimateTokens, NO_REQUIREMENTS, type RouteRequirements } from "../../routing/mod.ts";
import { type Body, invalid, invalidValue, missing, readModel, readStream } from "../fields.ts";

export interface OllamaMessage {
  readonly role?: unknown;
  readonly content?: unknown;
  readonly images?: unknown;
  readonly thinking?: unknown;
  readonly tool_calls?: unknown;
  readonly tool_name?: unknown;
  readonly tool_call_id?: unknown;
}

export interface OllamaToolCall {
  readonly id?: unknown;
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown };
}

/** `model` and `stream` (Ollama streams unless told not to). */
export function readCommon(body: Body): { model: string; stream: boolean } | Failure {
  const model = readModel(body);
  if (isFailure(model)) return model;
  const stream = readStream(body, true);
  if (isFailure(stream)) return stream;
  return { model, stream };
}

/** `/api/chat`: `messages` may be absent or empty (the form that only loads or unloads a model). */
export function chatRequirements(body: Body): RouteRequirements | Failure {
  const messages = body.messages;
  if (messages !== undefined && messages !== null && !Array.isArray(messages)) {
    return invalid("messages", "an array", messages);
  }
  const wrong = optional("tools", body.tools, isArray, "an array") ?? generationFailure(body);
  if (wrong) return wrong;
  let chars = 0;
  let vision = false;
  const list = (messages ?? []) as unknown[];
  for (let i = 0; i < list.length; i++) {
    const message = list[i];
    const wrong = messageFailure(message, `messages[${i}]`);
    if (wrong) return wrong;
    const { content, images, tool_calls } = message as OllamaMessage;
    if (typeof content === "string") chars += content.length;
    if (Array.isArray(images) && images.length > 0) vision = true;
    if (Array.isArray(tool_calls)) chars += toolCallsLength(tool_calls);
  }
  return {
    ...NO_REQUIREMENTS,
    vision,
    tools: Array.isArray(body.tools) && body.tools.length > 0,
    json_mode: isFormat(body.format),
    estimated_tokens: estimateTokens(chars),
  };
}

/** `/api/generate`: a raw prompt or one with a `suffix` is a completion, anything else a chat. */
export function generateRequirements(body: Body): RouteRequirements | Failure {
  const prompt = body.prompt;
  if (prompt !== undefined && prompt !== null && typeof prompt !== "string") {
    return invalid("prompt", "a string", prompt);
  }
  const suffix = body.suffix;
  if (suffix !== undefined && suffix !== null && typeof suffix !== "string") {
    return invalid("suffix", "a string", suffix);
  }
  const wrong = optional("system", body.system, isString, "a string") ??
    optionalList("images", body.images, isString, IMAGES) ?? generationFailure(body);
  if (wrong) return wrong;
  const system = typeof body.system === "string" ? body.system.length : 0;
  const chars = (prompt?.length ?? 0) + (suffix?.length ?? 0) + system;
  const fim = typeof suffix === "string" && suffix !== "";
  return {
    ...NO_REQUIREMENTS,
    operation: fim || body.raw === true ? "completions" : "chat",
    vision: Array.isArray(body.images) && body.images.length > 0,
    json_mode: isFormat(body.format),
    estimated_tokens: estimateTokens(chars),
    fim,
  };
}

const EMBEDDINGS: RouteRequirements = Object.freeze({
  ...NO_REQUIREMENTS,
  operation: "embeddings",
});

/** `/api/embed` takes `input` (a string or strings); the older `/api/embeddings` a `prompt`. */
export function embedRequirements(
  body: Body,
  field: "input" | "prompt",
): RouteRequirements | Failure {
  const value = body[field];
  if (value === undefined) return missing(field);
  if (typeof value === "string") return EMBEDDINGS;
  if (field === "prompt") return invalid(field, "a string", value);
  if (!Array.isArray(value)) return invalid(field, EMBED_INPUT.list, value);
  return optionalList(field, value, isString, EMBED_INPUT) ?? EMBEDDINGS;
}

/** `format`: `"json"` or a JSON schema object. */
export function isFormat(format: unknown): boolean {
  return format === "json" || isObject(format);
}

/** The `options` a translation reads (`to-openai.ts`, `context.ts`): each must be a number. */
const NUMERIC_OPTIONS = [
  "temperature",
  "top_p",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "num_predict",
  "num_ctx",
  "top_k",
  "min_p",
  "repeat_penalty",
] as const;

/**
 * `format` and `options` of a type Ollama's own server refuses ("invalid format: … expected
 * \"json\" or a valid JSON Schema object", "option … must be of type …"). A translated request
 * dropped them silently: `format: "yaml"` got free text, `options.temperature: "0.2"` ran at the
 * backend's default, `options: "x"` was ignored.
 */
function generationFailure(body: Body): Failure | undefined {
  const format = body.format;
  if (format !== undefined && format !== null && format !== "" && !isFormat(format)) {
    return invalidValue("format", '"json" or a JSON schema object', format);
  }
  const options = body.options;
  if (options === undefined || options === null) return undefined;
  if (!isObject(options)) return invalid("options", "an object", options);
  for (const key of NUMERIC_OPTIONS) {
    const wrong = optional(`options.${key}`, (options as Body)[key], isNumber, "a number");
    if (wrong) return wrong;
  }
  const stop = (options as Body).stop;
  return isString(stop) ? undefined : optionalList("options.stop", stop, isString, STOPS);
}

function toolCallsLength(calls: readonly unknown[]): number {
  let chars = 0;
  for (const call of calls) {
    const args = (call as OllamaToolCall | null)?.function?.arguments;
    if (typeof args === "string") chars += args.length;
    else if (args !== undefined && args !== null) chars += JSON.stringify(args).length;
  }
  return chars;
}

/**
 * One message's fields of the types Ollama's own parser takes (it answers 400 to any other).
 * Checked here because a translated request would otherwise drop a wrong value silently: a
 * `content` of 5 became an empty message, `images` of numbers no image.
 */
function messageFailure(message: unknown, at: string): Failure | undefined {
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    return invalid(at, "a message object", message);
  }
  const { role, content, images, tool_calls, tool_name } = message as OllamaMessage;
  return optional(`${at}.role`, role, isString, "a string") ??
    optional(`${at}.content`, content, isString, "a string") ??
    optionalList(`${at}.images`, images, isString, IMAGES) ??
    optionalList(`${at}.tool_calls`, tool_calls, isObject, TOOL_CALLS) ??
    optional(`${at}.tool_name`, tool_name, isString, "a string");
}

/** A field that may be absent or null, else must pass `check`. */
function optional(
  param: string,
  value: unknown,
  check: (value: unknown) => boolean,
  expected: string,
): Failure | undefined {
  return value === undefined || value === null || check(value)
    ? undefined
    : invalid(param, expected, value);
}

/**
 * A list that may be absent or null, else an array whose every item passes `check`. The first
 * item that does not is named by its index: "expected an array of base64 strings, got an array"
 * would not say what is wrong.
 */
function optionalList(
  param: string,
  value: unknown,
  check: (item: unknown) => boolean,
  expected: { readonly list: string; readonly item: string },
): Failure | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return invalid(param, expected.list, value);
  const bad = value.findIndex((item) => !check(item));
  return bad < 0 ? undefined : invalid(`${param}[${bad}]`, expected.item, value[bad]);
}

const IMAGES = { list: "an array of base64 strings", item: "a base64 string" };
const TOOL_CALLS = { list: "an array of tool call objects", item: "a tool call object" };
const STOPS = { list: "a string or an array of strings", item: "a string" };
const EMBED_INPUT = { list: "a string or an array of strings", item: "a string" };

const isString = (value: unknown) => typeof value === "string";
const isNumber = (value: unknown) => typeof value === "number";
const isArray = (value: unknown) => Array.isArray(value);
const isObject = (value: unknown) =>
  value !== null && typeof value === "object" && !Array.isArray(value);
