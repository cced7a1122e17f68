/**
 * An OpenAI chat request as a request to Ollama's own `/api/chat` (pure), for the prompts
 * Ollama's OpenAI endpoint would cut (context.ts): text parts joined, images as base64, tool-call
 * arguments as objects, a tool result naming its tool, `response_format` as `format`, sampling
 * fields and `max_tokens` as `options`, with the `num_ctx` the prompt needs. `undefined` when the
 * request holds something the native API cannot carry (an image by URL, arguments that are not
 * JSON) or a field it reads of a type OpenAI's API refuses: it then goes to Ollama's OpenAI
 * endpoint as sent, which answers for itself (translated, the wrong value was dropped silently).
 * @module
 */
import type { Body } from "../fields.ts";

interface OpenaiMessage {
  readonly role?: unknown;
  readonly content?: unknown;
  readonly tool_calls?: unknown;
  readonly tool_call_id?: unknown;
  readonly reasoning_content?: unknown;
}

interface OpenaiPart {
  readonly type?: unknown;
  readonly text?: unknown;
  readonly image_url?: { readonly url?: unknown } | string;
}

interface OpenaiToolCall {
  readonly id?: unknown;
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown };
}

const SAMPLING = [
  "temperature",
  "top_p",
  "top_k",
  "min_p",
  "seed",
  "frequency_penalty",
  "presence_penalty",
];

export interface NativeSizing {
  readonly numCtx: number;
  /** `num_predict` when the reply must be shorter than asked to fit the model's maximum. */
  readonly numPredict: number | undefined;
}

export function openaiToNative(body: Body, model: string, sizing: NativeSizing): Body | undefined {
  if (!carriesFaithfully(body)) return undefined;
  const messages = nativeMessages(Array.isArray(body.messages) ? body.messages : []);
  if (messages === undefined) return undefined;
  const options: Body = { num_ctx: sizing.numCtx };
  for (const key of SAMPLING) if (typeof body[key] === "number") options[key] = body[key];
  if (typeof body.stop === "string") options.stop = [body.stop];
  else if (Array.isArray(body.stop)) options.stop = body.stop;
  const asked = outputBudget(body);
  const predict = sizing.numPredict ?? (asked > 0 ? asked : undefined);
  if (predict !== undefined) options.num_predict = predict;
  const format = nativeFormat(body.response_format);
  return {
    model,
    messages,
    ...(Array.isArray(body.tools) && body.tools.length > 0 ? { tools: body.tools } : {}),
    ...(format === undefined ? {} : { format }),
    stream: body.stream === true,
    options,
  };
}

/**
 * Whether every field the translation reads has a type OpenAI's API takes: a `temperature` of
 * "hot", a `stop` of 5, `response_format: "json"` or `tools: "x"` would be dropped here, where
 * the backend's own OpenAI endpoint refuses them.
 */
function carriesFaithfully(body: Body): boolean {
  for (const key of SAMPLING) if (!absentOr(body[key], isNumber)) return false;
  for (const key of ["max_tokens", "max_completion_tokens"]) {
    if (!absentOr(body[key], (value) => isNumber(value) && value > 0)) return false;
  }
  return absentOr(body.stop, (stop) => typeof stop === "string" || isStrings(stop)) &&
    absentOr(body.tools, Array.isArray) &&
    absentOr(
      body.response_format,
      (format) =>
        nativeFormat(format) !== undefined || (format as { type?: unknown }).type === "text",
    );
}

const absentOr = (value: unknown, check: (value: unknown) => boolean) =>
  value === undefined || value === null || check(value);
const isNumber = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value);
const isStrings = (value: unknown) =>
  Array.isArray(value) && value.every((item) => typeof item === "string");
const isMessage = (value: unknown): value is OpenaiMessage =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `max_completion_tokens`, else `max_tokens`; 0 when neither is set. */
export function outputBudget(body: Body): number {
  const value = body.max_completion_tokens ?? body.max_tokens;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.ceil(value) : 0;
}

function nativeMessages(messages: readonly unknown[]): Body[] | undefined {
  const out: Body[] = [];
  const names = new Map<string, string>();
  for (const message of messages) {
    // A message that is not an object, or has no string role, is the backend's to refuse.
    if (!isMessage(message) || typeof message.role !== "string") return undefined;
    const role = message.role === "developer" ? "system" : message.role;
    const content = nativeContent(message.content);
    if (content === undefined) return undefined;
    const entry: Body = { role, content: content.text };
    if (content.images.length > 0) entry.images = content.images;
    if (!absentOr(message.tool_calls, Array.isArray)) return undefined;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const calls = [];
      for (const call of message.tool_calls as OpenaiToolCall[]) {
        if (typeof call?.function?.name !== "string") return undefined;
        const name = call.function.name;
        const args = parseArguments(call.function?.arguments);
        if (args === undefined) return undefined;
        if (typeof call.id === "string") names.set(call.id, name);
        calls.push({ function: { name, arguments: args } });
      }
      entry.tool_calls = calls;
    }
    if (role === "tool" && typeof message.tool_call_id === "string") {
      const name = names.get(message.tool_call_id);
      if (name !== undefined) entry.tool_name = name;
    }
    out.push(entry);
  }
  return out;
}

function nativeContent(content: unknown): { text: string; images: string[] } | undefined {
  if (content === undefined || content === null) return { text: "", images: [] };
  if (typeof content === "string") return { text: content, images: [] };
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  const images: string[] = [];
  for (const part of content as OpenaiPart[]) {
    if (part?.type === "text" && typeof part.text === "string") {
      texts.push(part.text);
    } else if (part?.type === "image_url") {
      const url = typeof part.image_url === "string" ? part.image_url : part.image_url?.url;
      const comma = typeof url === "string" && url.startsWith("data:") ? url.indexOf(",") : -1;
      if (comma < 0) return undefined;
      images.push((url as string).slice(comma + 1));
    } else {
      return undefined;
    }
  }
  return { text: texts.join("\n"), images };
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== "string") return args ?? {};
  if (args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `response_format` as Ollama's `format`: `"json"` or the schema itself. */
function nativeFormat(format: unknown): unknown {
  if (format === null || typeof format !== "object") return undefined;
  const { type, json_schema } = format as { type?: unknown; json_schema?: { schema?: unknown } };
  if (type === "json_object") return "json";
  if (type === "json_schema" && json_schema?.schema !== undefined) return json_schema.schema;
  return undefined;
}
