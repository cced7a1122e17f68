/**
 * Native endpoints of vLLM (B2), llama.cpp's llama-server (B3) and LM Studio (B4).
 * @module
 */
import { describeModel } from "./catalog.ts";
import { estimateTokens } from "./chat.ts";
import { bodyObject, findModel, type Route } from "./context.ts";
import { badRequest, json, modelNotFound } from "./http.ts";

export const VLLM_VERSION = "0.6.3";
/** As if started with `--parallel 4`: four requests decode at once, the rest queue. */
const LLAMACPP_SLOTS = 4;

export const vllmRoutes: Record<string, Route> = {
  // vLLM's readiness probe: 200 with an empty body, nothing else.
  "GET /health": () => new Response(null, { status: 200 }),
  "GET /version": () => json({ version: VLLM_VERSION }),
  // Tokenizes a prompt, or chat messages through the model's chat template (tools included).
  "POST /tokenize": ({ rec, settings }) => {
    const body = bodyObject(rec.body);
    const model = body?.model;
    if (typeof model !== "string") return badRequest("Field required: model", "model");
    const found = findModel(settings, model);
    if (!found) return modelNotFound("vllm", model);
    const text = body?.messages !== undefined
      ? JSON.stringify([body.messages, body.tools ?? []])
      : String(body?.prompt ?? "");
    const tokens = tokenIds(estimateTokens(text));
    return json({
      count: tokens.length,
      max_model_len: describeModel(found).contextLength,
      tokens,
      token_strs: null,
    });
  },
};

/** Token ids standing for `count` tokens. */
function tokenIds(count: number): number[] {
  return Array.from({ length: count }, (_, i) => 100 + i);
}

export const llamacppRoutes: Record<string, Route> = {
  "GET /health": () => json({ status: "ok" }),
  // llama-server tokenizes text (`content`), without a chat template.
  "POST /tokenize": ({ rec }) => {
    const content = bodyObject(rec.body)?.content;
    return json({ tokens: tokenIds(typeof content === "string" ? estimateTokens(content) : 0) });
  },
  "GET /props": ({ settings }) => {
    // llama-server holds exactly one model: the first one the mock was given.
    const m = describeModel(settings.models[0] ?? { id: "model.gguf" });
    const file = m.id.endsWith(".gguf") ? m.id : `${m.id}.gguf`;
    return json({
      default_generation_settings: {
        id: 0,
        id_task: -1,
        n_ctx: m.contextLength,
        speculative: false,
        is_processing: false,
        params: { n_predict: -1, temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05 },
      },
      total_slots: LLAMACPP_SLOTS,
      model_path: `/models/${file}`,
      chat_template:
        "{{ bos_token }}{% for message in messages %}{{ message.content }}{% endfor %}",
      modalities: { vision: m.capabilities.includes("vision"), audio: false },
      build_info: "b4800-mock",
    });
  },
};

export const lmstudioRoutes: Record<string, Route> = {
  "GET /api/v0/models": ({ settings }) =>
    json({
      object: "list",
      data: settings.models.map(describeModel).map((m) => ({
        id: m.id,
        object: "model",
        type: m.lmstudioType,
        publisher: "lmstudio-community",
        arch: m.arch,
        compatibility_type: "gguf",
        quantization: m.quantization,
        state: m.loaded ? "loaded" : "not-loaded",
        max_context_length: m.contextLength,
      })),
    }),
};
