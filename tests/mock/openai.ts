/**
 * The OpenAI-compatible routes every flavor serves: chat completions (stream and not), legacy
 * completions, model list, embeddings.
 * @module
 */
import { listModels } from "./catalog.ts";
import { completionsRoutes } from "./completions.ts";
import { loadModel } from "./memory.ts";
import {
  type ChatRequest,
  completionBody,
  newReplyMeta,
  readChatRequest,
  type SseStep,
  streamSteps,
} from "./chat.ts";
import { bodyObject, type Exchange, findModel, type MockSettings, type Route } from "./context.ts";
import { abandoned, badRequest, json, jsonText, modelNotFound } from "./http.ts";
import { fitContext, OLLAMA_DEFAULT_CONTEXT } from "./ollama-context.ts";
import { streamBody } from "./sse.ts";
import type { MockFlavor } from "./types.ts";

export const CHAT_PATH = "/v1/chat/completions";

const FINGERPRINTS: Record<MockFlavor, string> = {
  ollama: "fp_ollama",
  vllm: "fp_vllm",
  llamacpp: "b4800-mock",
  lmstudio: "fp_lmstudio",
  openai: "fp_mock",
};

/** llama-server holds one model and answers whatever name the request gives it. */
function knowsModel(settings: MockSettings, model: string): boolean {
  return settings.flavor === "llamacpp" || findModel(settings, model) !== undefined;
}

const chat: Route = async (exchange) => {
  const { settings } = exchange;
  const read = readChatRequest(exchange.rec.body);
  if (read instanceof Response) return read;
  // Ollama's OpenAI endpoint takes no num_ctx: a long prompt is cut to the default context.
  const cut = settings.flavor === "ollama" ? ollamaCut(exchange.rec.body) : undefined;
  const request = withReasoning(
    cut === undefined ? read : { ...read, promptTokens: cut },
    exchange.rec.body,
    settings,
  );
  if (!knowsModel(settings, request.model)) return modelNotFound(settings.flavor, request.model);
  if (!(await loadModel(exchange, request.model))) return abandoned();
  const meta = newReplyMeta(FINGERPRINTS[settings.flavor]);
  if (request.stream) {
    const steps = streamSteps(request, meta, settings.text, settings);
    return streamBody(stalled(steps, request.model, settings), exchange, { cut: exchange.cut });
  }
  if (!(await delay(exchange))) return abandoned();
  return jsonText(completionBody(request, meta, settings.text, settings.toolArguments));
};

/** The stall model's stream waits `stallMs` after its first content event. */
function stalled(steps: SseStep[], model: string, settings: MockSettings): SseStep[] {
  if (model !== settings.stallModel || steps.length < 3) return steps;
  return steps.map((step, i) => (i === 2 ? { ...step, delayMs: settings.stallMs } : step));
}

/**
 * Ollama puts reasoning in `reasoning`, vLLM and llama.cpp in `reasoning_content`. A model asked
 * for it (`reasoning_effort`) reasons first; so does a thinking model (capability `thinking`)
 * unasked, as qwen3 and deepseek-r1 do by default.
 */
function withReasoning(request: ChatRequest, body: unknown, settings: MockSettings): ChatRequest {
  const asked = (body as { reasoning_effort?: unknown }).reasoning_effort !== undefined;
  const thinks = findModel(settings, request.model)?.capabilities?.includes("thinking") === true;
  if (!asked && !thinks) return request;
  const flavor = settings.flavor;
  return { ...request, reasoningField: flavor === "ollama" ? "reasoning" : "reasoning_content" };
}

const embeddings: Route = async (exchange) => {
  const { settings } = exchange;
  const body = bodyObject(exchange.rec.body);
  const model = body?.model;
  if (typeof model !== "string") return badRequest("you must provide a model parameter", "model");
  if (!knowsModel(settings, model)) return modelNotFound(settings.flavor, model);
  const input = body?.input;
  const inputs = Array.isArray(input) && typeof input[0] !== "number" ? input : [input];
  if (!(await delay(exchange))) return abandoned();
  const tokens = Math.max(1, Math.ceil(JSON.stringify(input ?? "").length / 4));
  // The openai SDK asks for base64 unless told otherwise, and decodes it as float32.
  const encode = body?.encoding_format === "base64" ? toBase64 : (v: number[]) => v;
  return json({
    object: "list",
    data: inputs.map((_, index) => ({
      object: "embedding",
      index,
      embedding: encode(vector(index)),
    })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
};

/** The prompt tokens left after Ollama's cut, when it had to cut. */
function ollamaCut(body: unknown): number | undefined {
  const fitted = fitContext((body as { messages: unknown[] }).messages, OLLAMA_DEFAULT_CONTEXT);
  return fitted.dropped > 0 ? fitted.tokens : undefined;
}

/** A small deterministic vector: enough to be parsed, cheap to send. */
function vector(index: number): number[] {
  return Array.from({ length: 8 }, (_, k) => Math.round(Math.sin(index + k + 1) * 1e6) / 1e6);
}

/** Little-endian float32 bytes in base64, as OpenAI sends them. */
function toBase64(vector: number[]): string {
  return btoa(String.fromCharCode(...new Uint8Array(new Float32Array(vector).buffer)));
}

/** The configured non-stream latency; false when the client left while waiting. */
function delay(exchange: Exchange): Promise<boolean> {
  const ms = exchange.settings.latencyMs;
  return ms > 0 ? exchange.life.sleep(ms) : Promise.resolve(true);
}

export const openaiRoutes: Record<string, Route> = {
  ...completionsRoutes,
  [`POST ${CHAT_PATH}`]: chat,
  "GET /v1/models": ({ settings }) => listModels(settings.flavor, settings.models),
  "POST /v1/embeddings": embeddings,
};
