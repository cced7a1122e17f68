/**
 * The context-length trap (docs/api.md, "Long prompts to Ollama"). Ollama's OpenAI endpoint has
 * no `num_ctx`: it runs every request in the model's default context — the loaded model's, else
 * the Modelfile's `num_ctx`, else 4096 tokens — and silently drops the oldest messages of a longer
 * prompt. So an OpenAI chat request whose estimated prompt plus `max_tokens` does not fit that
 * default goes to Ollama's native `/api/chat` instead, with `options.num_ctx` sized for it, and
 * the answer comes back as OpenAI bytes. The common case — it fits — stays a byte-identical
 * passthrough and costs a length check.
 *
 * The estimate never counts low: four characters a token for ASCII text, one token for every
 * other character (CJK text runs about one token per character), the JSON of the tool
 * definitions (Ollama renders them into the prompt), 4 tokens of template per message and 1,024
 * per image. `num_ctx` doubles from the default until it holds the request (repeated long
 * prompts share a size, so Ollama does not reload the model for each), capped at the model's own
 * maximum; when even that is too small for the reply asked for, `num_predict` shortens the reply
 * (a prompt longer than the maximum never gets here: the router answers 400
 * `context_length_exceeded`).
 * @module
 */
import { systemClock } from "../../lib/clock.ts";
import { type Failure, failure } from "../../lib/failures.ts";
import type { ModelInfo } from "../../registry/mod.ts";
import type { ParsedRequest, PlanTarget, UpstreamPlan } from "../contract.ts";
import type { Body } from "../fields.ts";
import { nativeToOpenaiTranslation } from "./native-answer.ts";
import { type NativeSizing, openaiToNative, outputBudget } from "./native-request.ts";

/** What Ollama gives a request without `num_ctx` on a machine below 24 GiB of VRAM. */
export const OLLAMA_DEFAULT_CONTEXT = 4096;
const TEMPLATE_TOKENS = 4;
const IMAGE_TOKENS = 1024;
const NON_ASCII = /[\u0080-\uffff]/;

/** The native plan when the request would not fit Ollama's default context; else undefined. */
export function ollamaContextPlan(
  request: ParsedRequest,
  target: PlanTarget,
): UpstreamPlan | undefined {
  const budget = outputBudget(request.body);
  const info = modelInfo(target);
  const defaultContext = info?.default_context ?? OLLAMA_DEFAULT_CONTEXT;
  // Without images the body's length bounds the estimate below — a token per character at most,
  // four characters a token when no character is beyond ASCII: the hot path stops here.
  if (!request.requirements.vision) {
    const length = request.text.length;
    if (length + budget <= defaultContext) return undefined;
    const ascii = Math.ceil(length / 4) + budget <= defaultContext;
    if (ascii && !NON_ASCII.test(request.text)) return undefined;
  }
  const prompt = promptTokens(request.body);
  if (prompt + budget <= defaultContext) return undefined;
  const sizing = contextSizing(prompt, budget, defaultContext, info?.context_length);
  const body = openaiToNative(request.body, target.model, sizing);
  if (body === undefined) return undefined;
  const options = request.body.stream_options as { include_usage?: unknown } | undefined;
  return {
    path: "/api/chat",
    body: JSON.stringify(body),
    stream: request.stream,
    upstream: "ollama",
    translation: nativeToOpenaiTranslation({
      model: target.model,
      clock: systemClock,
      includeUsage: options?.include_usage === true,
    }, target.backend.name),
  };
}

/**
 * A prompt longer than the model's own maximum by this stricter estimate (CJK text the router's
 * characters ÷ 4 let through): 400 `context_length_exceeded`, unless another candidate answers.
 */
export function ollamaContextRefusal(
  request: ParsedRequest,
  target: PlanTarget,
): Failure | undefined {
  const maximum = modelInfo(target)?.context_length;
  if (maximum === undefined) return undefined;
  // A token per character at most (images aside): most requests stop here.
  if (!request.requirements.vision && request.text.length <= maximum) return undefined;
  const prompt = promptTokens(request.body);
  if (prompt <= maximum) return undefined;
  return failure(
    "context_length_exceeded",
    `The prompt (about ${prompt} tokens) is longer than the context of model "${target.model}" ` +
      `on backend ${target.backend.name} (${maximum} tokens)`,
    { param: "messages" },
  );
}

/** `num_ctx` for `prompt + budget` tokens, and `num_predict` when the model cannot hold both. */
export function contextSizing(
  prompt: number,
  budget: number,
  defaultContext: number,
  maximum: number | undefined,
): NativeSizing {
  const needed = prompt + budget;
  let numCtx = Math.max(defaultContext, 1024);
  while (numCtx < needed) numCtx *= 2;
  if (maximum === undefined || numCtx <= maximum) return { numCtx, numPredict: undefined };
  const room = maximum - prompt;
  return { numCtx: maximum, numPredict: budget > room ? Math.max(1, room) : undefined };
}

/** Tokens of everything the model reads (module doc: how). */
export function promptTokens(body: Body): number {
  let tokens = 0;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const raw of messages) {
    const message = (raw ?? {}) as { content?: unknown; tool_calls?: unknown };
    tokens += TEMPLATE_TOKENS;
    const content = message.content;
    if (typeof content === "string") {
      tokens += textTokens(content);
    } else if (Array.isArray(content)) {
      for (const part of content as { type?: unknown; text?: unknown }[]) {
        if (part?.type === "image_url") tokens += IMAGE_TOKENS;
        else if (typeof part?.text === "string") tokens += textTokens(part.text);
      }
    }
    if (Array.isArray(message.tool_calls)) tokens += textTokens(JSON.stringify(message.tool_calls));
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    tokens += textTokens(JSON.stringify(body.tools));
  }
  return tokens;
}

/** ASCII at four characters a token, anything else at one token a character. */
export function textTokens(text: string): number {
  if (!NON_ASCII.test(text)) return Math.ceil(text.length / 4);
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

function modelInfo(target: PlanTarget): ModelInfo | undefined {
  const models = target.backend.models;
  for (let i = 0; i < models.length; i++) if (models[i]!.id === target.model) return models[i];
  return undefined;
}
