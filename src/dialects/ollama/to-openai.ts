/**
 * Ollama requests as OpenAI requests, for backends that do not speak Ollama (pure functions).
 *
 * - messages: `images` (base64) become `image_url` parts with a data URL; assistant `tool_calls`
 *   get ids (tool-ids.ts) and their argument objects become JSON text; a `tool` message points at
 *   the call it answers (`tool_call_id`, else the call of that `tool_name`, else the next one).
 * - `format` (`"json"` or a schema) becomes `response_format`; `options` become sampling fields
 *   (`num_predict` → `max_tokens`; `top_k`, `min_p` and the repeat penalty only for servers that
 *   take them); `keep_alive`, `num_ctx` and `think` have no OpenAI equivalent and are not sent.
 * - `/api/generate` is a chat (system + user prompt) unless it is `raw` or has a `suffix`: then
 *   it is a legacy completion with `prompt` and `suffix`.
 * @module
 */
import type { BackendTypeSetting } from "../../registry/mod.ts";
import type { Body } from "../fields.ts";
import type { OllamaMessage, OllamaToolCall } from "./request.ts";
import { argumentsText, toolCallId } from "./tool-ids.ts";

/** Servers that take sampling fields beyond OpenAI's, and their name for the repeat penalty. */
const EXTRA_SAMPLING: Partial<Record<BackendTypeSetting, string>> = {
  vllm: "repetition_penalty",
  llamacpp: "repeat_penalty",
  lmstudio: "repeat_penalty",
};

export function chatToOpenai(
  body: Body,
  model: string,
  type: BackendTypeSetting,
  stream: boolean,
): Body {
  return {
    model,
    messages: messagesToOpenai(Array.isArray(body.messages) ? body.messages : []),
    ...(Array.isArray(body.tools) && body.tools.length > 0 ? { tools: body.tools } : {}),
    ...common(body, type, stream),
  };
}

/** The path and body for `/api/generate`: chat completions, or completions for raw/FIM. */
export function generateToOpenai(
  body: Body,
  model: string,
  type: BackendTypeSetting,
  stream: boolean,
): { path: "/v1/chat/completions" | "/v1/completions"; body: Body } {
  const prompt = typeof body.prompt === "string" ? body.prompt : "";
  const suffix = typeof body.suffix === "string" && body.suffix !== "" ? body.suffix : undefined;
  if (body.raw === true || suffix !== undefined) {
    return {
      path: "/v1/completions",
      body: {
        model,
        prompt,
        ...(suffix === undefined ? {} : { suffix }),
        ...common(body, type, stream),
      },
    };
  }
  const messages: Body[] = [];
  if (typeof body.system === "string" && body.system !== "") {
    messages.push({ role: "system", content: body.system });
  }
  messages.push({ role: "user", content: contentOf(prompt, body.images) });
  return { path: "/v1/chat/completions", body: { model, messages, ...common(body, type, stream) } };
}

/** `/api/embed` (`input`) and `/api/embeddings` (`prompt`) as `/v1/embeddings`. */
export function embedToOpenai(body: Body, model: string, field: "input" | "prompt"): Body {
  const dimensions = body.dimensions;
  return {
    model,
    input: body[field],
    encoding_format: "float",
    ...(Number.isInteger(dimensions) && (dimensions as number) > 0 ? { dimensions } : {}),
  };
}

export function messagesToOpenai(messages: readonly unknown[]): Body[] {
  const out: Body[] = [];
  // The calls of the last assistant message, for the tool results that follow it.
  let calls: { id: string; name: string; answered: boolean }[] = [];
  messages.forEach((raw, i) => {
    const message = (raw ?? {}) as OllamaMessage;
    const role = typeof message.role === "string" ? message.role : "user";
    const text = typeof message.content === "string" ? message.content : "";
    const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
    if (role === "assistant" && toolCalls.length > 0) {
      const mapped = toolCalls.map((call, j) => toolCallToOpenai(call as OllamaToolCall, j));
      calls = mapped.map((c) => ({ id: c.id, name: c.function.name, answered: false }));
      out.push({ role, content: text, tool_calls: mapped });
    } else if (role === "tool") {
      const call = answeredCall(message, calls);
      out.push({ role, tool_call_id: call?.id ?? toolCallId("tool", i), content: text });
    } else {
      out.push({ role, content: contentOf(text, message.images) });
    }
  });
  return out;
}

function toolCallToOpenai(call: OllamaToolCall, index: number) {
  const name = typeof call.function?.name === "string" ? call.function.name : "";
  const args = argumentsText(call.function?.arguments);
  const id = typeof call.id === "string" && call.id !== ""
    ? call.id
    : toolCallId(name, args, index);
  return { id, type: "function", function: { name, arguments: args } };
}

/** The call a tool result answers: by id, by tool name, else the first one not yet answered. */
function answeredCall(
  message: OllamaMessage,
  calls: { id: string; name: string; answered: boolean }[],
) {
  const open = calls.filter((call) => !call.answered);
  const call =
    (typeof message.tool_call_id === "string"
      ? calls.find((c) => c.id === message.tool_call_id)
      : undefined) ??
      (typeof message.tool_name === "string"
        ? open.find((c) => c.name === message.tool_name)
        : undefined) ??
      open[0];
  if (call) call.answered = true;
  return call;
}

/** Text, or text and images as content parts. */
function contentOf(text: string, images: unknown): string | Body[] {
  if (!Array.isArray(images) || images.length === 0) return text;
  const parts: Body[] = text === "" ? [] : [{ type: "text", text }];
  for (const image of images) {
    if (typeof image === "string") {
      parts.push({ type: "image_url", image_url: { url: dataUrl(image) } });
    }
  }
  return parts;
}

/** Base64 image bytes as a data URL, the MIME type read from the first bytes. */
export function dataUrl(base64: string): string {
  if (base64.startsWith("data:")) return base64;
  const type = base64.startsWith("/9j/")
    ? "image/jpeg"
    : base64.startsWith("R0lGOD")
    ? "image/gif"
    : base64.startsWith("UklGR")
    ? "image/webp"
    : "image/png";
  return `data:${type};base64,${base64}`;
}

/** Streaming, JSON mode and sampling, shared by chat and completions. */
function common(body: Body, type: BackendTypeSetting, stream: boolean): Body {
  const out: Body = { stream };
  if (stream) out.stream_options = { include_usage: true };
  const format = responseFormat(body.format);
  if (format) out.response_format = format;
  Object.assign(out, samplingFields(body.options, type));
  return out;
}

export function responseFormat(format: unknown): Body | undefined {
  if (format === "json") return { type: "json_object" };
  if (typeof format === "object" && format !== null && !Array.isArray(format)) {
    return { type: "json_schema", json_schema: { name: "response", schema: format } };
  }
  return undefined;
}

const STANDARD = ["temperature", "top_p", "seed", "frequency_penalty", "presence_penalty"];

export function samplingFields(options: unknown, type: BackendTypeSetting): Body {
  if (options === null || typeof options !== "object") return {};
  const o = options as Body;
  const out: Body = {};
  for (const key of STANDARD) if (typeof o[key] === "number") out[key] = o[key];
  if (typeof o.num_predict === "number" && o.num_predict >= 0) out.max_tokens = o.num_predict;
  if (typeof o.stop === "string") out.stop = [o.stop];
  else if (Array.isArray(o.stop) && o.stop.length > 0) out.stop = o.stop;
  const penalty = EXTRA_SAMPLING[type];
  if (penalty !== undefined) {
    if (typeof o.top_k === "number") out.top_k = o.top_k;
    if (typeof o.min_p === "number") out.min_p = o.min_p;
    if (typeof o.repeat_penalty === "number") out[penalty] = o.repeat_penalty;
  }
  return out;
}
