/**
 * LM Studio (REFERENCE.md B4). Its own `GET /api/v0/models` (0.3.6+) lists every downloaded
 * model with its kind (`llm`, `vlm`, `embeddings`), whether it is loaded and its context window;
 * older servers answer it 404, and then the OpenAI-compatible `/v1/models` is all there is.
 * @module
 */
import type { ModelCapabilities, ModelInfo, NativeModelFacts } from "../registry/mod.ts";
import { defineAdapter, failure } from "./define-adapter.ts";
import { type JsonObject, readPositiveInt, readString } from "./guards.ts";
import { requestJson } from "./http.ts";
import { probeModelList } from "./openai-compatible.ts";
import { parseModelList } from "./openai-models.ts";
import type { ProbeContext, ProbeResult } from "./types.ts";

export const LMSTUDIO_MODELS_PATH = "/api/v0/models";

export const lmstudioAdapter = defineAdapter("lmstudio", 1234, probeLmstudio);

async function probeLmstudio(context: ProbeContext): Promise<ProbeResult> {
  const native = await requestJson(context, LMSTUDIO_MODELS_PATH, parseLmstudioModels);
  if (native.ok) return { ok: true, models: native.value };
  if (native.status === 404) return probeModelList(context);
  return failure(native.reason);
}

/**
 * The model kind is an explicit statement: an `llm` is known not to see images, and only an
 * `embeddings` model embeds. Unknown kinds stay unknown.
 */
const KIND_CAPABILITIES: ReadonlyMap<string, ModelCapabilities> = new Map([
  ["llm", { vision: false, embeddings: false, completion: true }],
  ["vlm", { vision: true, embeddings: false, completion: true }],
  ["embeddings", {
    vision: false,
    tools: false,
    json_mode: false,
    embeddings: true,
    completion: false,
  }],
]);

const LOADED_STATES: ReadonlyMap<string, boolean> = new Map([
  ["loaded", true],
  ["not-loaded", false],
]);

/** `undefined` unless the body has a `data` array; entries without an `id` are skipped. */
export function parseLmstudioModels(json: unknown): ModelInfo[] | undefined {
  return parseModelList(json, lmstudioModel);
}

function lmstudioModel(id: string, entry: JsonObject): ModelInfo {
  const kind = readString(entry, "type");
  const state = readString(entry, "state");
  const context = readPositiveInt(entry, "max_context_length");
  const loaded = state === undefined ? undefined : LOADED_STATES.get(state);
  const native = nativeFacts(entry);
  return {
    id,
    capabilities: { ...(kind === undefined ? {} : KIND_CAPABILITIES.get(kind)) },
    ...(context === undefined ? {} : { context_length: context }),
    ...(loaded === undefined ? {} : { loaded }),
    ...(native === undefined ? {} : { native }),
  };
}

/** Architecture, weight format and quantization, for Ollama-shaped listings. */
function nativeFacts(entry: JsonObject): NativeModelFacts | undefined {
  const family = readString(entry, "arch");
  const format = readString(entry, "compatibility_type");
  const quantization = readString(entry, "quantization");
  if (family === undefined && format === undefined && quantization === undefined) return undefined;
  return {
    ...(family === undefined ? {} : { family, families: [family] }),
    ...(format === undefined ? {} : { format }),
    ...(quantization === undefined ? {} : { quantization_level: quantization }),
  };
}
