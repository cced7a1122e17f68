/**
 * The OpenAI `GET /v1/models` list, as every OpenAI-compatible server answers it:
 * `{"object":"list","data":[{"id","object":"model","owned_by",…}]}` (REFERENCE.md B6).
 * llama-server adds `meta` (parameter count, file size), kept for Ollama-shaped listings.
 * @module
 */
import type { ModelInfo, NativeModelFacts } from "../registry/mod.ts";
import {
  isObject,
  type JsonObject,
  readArray,
  readObject,
  readPositiveInt,
  readString,
} from "./guards.ts";
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
  const native = metaFacts(entry);
  return {
    id,
    capabilities: {},
    ...(context === undefined ? {} : { context_length: context }),
    ...(ownedBy === undefined ? {} : { owned_by: ownedBy }),
    ...(loaded === undefined ? {} : { loaded }),
    ...(native === undefined ? {} : { native }),
  };
}

/**
 * llama-server's `meta`: `n_params` and `size` (bytes on disk) give `/api/tags` what Ollama
 * shows; only llama.cpp sends it, and llama.cpp loads GGUF files only.
 */
function metaFacts(entry: JsonObject): NativeModelFacts | undefined {
  const meta = readObject(entry, "meta");
  if (!meta) return undefined;
  const params = readPositiveInt(meta, "n_params");
  const size = readPositiveInt(meta, "size");
  if (params === undefined && size === undefined) return undefined;
  return {
    format: "gguf",
    ...(size === undefined ? {} : { size }),
    ...(params === undefined ? {} : { parameter_size: humanNumber(params) }),
  };
}

/** A parameter count as Ollama writes it (its `format.HumanNumber`): 8.0B, 137M, 22.71M. */
export function humanNumber(count: number): string {
  const scaled = (value: number, digits: number, unit: string) =>
    `${value === Math.floor(value) ? value.toFixed(0) : value.toFixed(digits)}${unit}`;
  if (count >= 1e9) return scaled(count / 1e9, 1, "B");
  if (count >= 1e6) return scaled(count / 1e6, 2, "M");
  if (count >= 1e3) return `${(count / 1e3).toFixed(0)}K`;
  return String(count);
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
