/**
 * The OpenAI `GET /v1/models` list, as every OpenAI-compatible server answers it:
 * `{"object":"list","data":[{"id","object":"model","owned_by",…}]}` (REFERENCE.md B6).
 * @module
 */
import type { ModelInfo } from "../registry/mod.ts";
import { isObject, type JsonObject, readArray, readPositiveInt, readString } from "./guards.ts";
import { type HttpContext, type JsonReply, requestJson } from "./http.ts";

export const MODELS_PATH = "/v1/models";

/**
 * Fields servers use for the context window: vLLM `max_model_len`, OpenRouter/Together
 * `context_length`, Groq `context_window`.
 */
const CONTEXT_KEYS = ["max_model_len", "context_length", "context_window"] as const;

export function getOpenAiModels(context: HttpContext): Promise<JsonReply<ModelInfo[]>> {
  return requestJson(context, MODELS_PATH, parseOpenAiModels);
}

/**
 * `undefined` unless the body has a `data` array. Entries without a string `id` are skipped and
 * repeated ids kept once: one odd entry should not hide every other model.
 */
export function parseOpenAiModels(json: unknown): ModelInfo[] | undefined {
  return parseModelList(json, openAiModel);
}

/** The `data: [{id, …}]` list shape shared by OpenAI-compatible servers and LM Studio. */
export function parseModelList(
  json: unknown,
  toModel: (id: string, entry: JsonObject) => ModelInfo,
): ModelInfo[] | undefined {
  if (!isObject(json)) return undefined;
  const data = readArray(json, "data");
  if (!data) return undefined;
  const models: ModelInfo[] = [];
  const seen = new Set<string>();
  for (const entry of data) {
    if (!isObject(entry)) continue;
    const id = readString(entry, "id");
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    models.push(toModel(id, entry));
  }
  return models;
}

function openAiModel(id: string, entry: JsonObject): ModelInfo {
  const context = contextLengthOf(entry);
  const ownedBy = readString(entry, "owned_by");
  const loaded = loadedOf(entry);
  return {
    id,
    capabilities: {},
    ...(context === undefined ? {} : { context_length: context }),
    ...(ownedBy === undefined ? {} : { owned_by: ownedBy }),
    ...(loaded === undefined ? {} : { loaded }),
  };
}

/**
 * llama.cpp in router mode lists every model with `status.value`: `loaded` (and `sleeping`, its
 * idle-but-resident state) is warm; `unloaded` and `loading` are not yet. Others say nothing.
 */
function loadedOf(entry: JsonObject): boolean | undefined {
  const status = entry.status;
  if (!isObject(status)) return undefined;
  const value = readString(status, "value");
  if (value === "loaded" || value === "sleeping") return true;
  if (value === "unloaded" || value === "loading") return false;
  return undefined;
}

function contextLengthOf(entry: JsonObject): number | undefined {
  for (const key of CONTEXT_KEYS) {
    const value = readPositiveInt(entry, key);
    if (value !== undefined) return value;
  }
  return undefined;
}
