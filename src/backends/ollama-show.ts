/**
 * Per-model details from Ollama's `POST /api/show` (REFERENCE.md B1): the declared
 * capabilities and the context window, re-fetched only when the model's digest changes.
 * @module
 */
import type { ModelCapabilities, ModelInfo } from "../registry/mod.ts";
import {
  isObject,
  isPositiveInt,
  type JsonObject,
  readArray,
  readObject,
  stringsOf,
} from "./guards.ts";
import { type HttpContext, requestJson } from "./http.ts";
import { numCtxOf } from "./ollama-facts.ts";
import { guessCapabilities } from "./ollama-heuristics.ts";

export interface ShowDetails {
  readonly capabilities: ModelCapabilities;
  readonly context_length?: number;
  /** The Modelfile's `num_ctx`: the context a request gets when it asks for none. */
  readonly num_ctx?: number;
}

/** `undefined` when /api/show fails: the probe goes on with this model's details unknown. */
export async function showModel(
  context: HttpContext,
  name: string,
): Promise<ShowDetails | undefined> {
  // Current servers read "model", older ones "name": send both.
  const body = { model: name, name };
  const reply = await requestJson(context, "/api/show", (json) => parseShow(json, name), {
    method: "POST",
    json: body,
  });
  return reply.ok ? reply.value : undefined;
}

export function parseShow(json: unknown, name: string): ShowDetails | undefined {
  if (!isObject(json)) return undefined;
  const declared = stringsOf(readArray(json, "capabilities") ?? []);
  const modelInfo = readObject(json, "model_info");
  const context = modelInfo && contextLengthOf(modelInfo);
  const numCtx = numCtxOf(json);
  return {
    // An empty or missing list (servers before the field) says nothing: fall back to the name.
    capabilities: declared.length > 0 ? fromDeclared(declared) : guessCapabilities(name),
    ...(context === undefined ? {} : { context_length: context }),
    ...(numCtx === undefined ? {} : { num_ctx: numCtx }),
  };
}

/**
 * Ollama rejects tools, images and embedding calls for a model without that capability, so an
 * entry missing from the list is a known "no". Every completion model takes `format: "json"`.
 */
function fromDeclared(declared: readonly string[]): ModelCapabilities {
  const has = new Set(declared);
  return {
    vision: has.has("vision"),
    tools: has.has("tools"),
    json_mode: has.has("completion"),
    embeddings: has.has("embedding"),
    completion: has.has("completion"),
    fim: has.has("insert"),
  };
}

/** The key is `<architecture>.context_length`: `llama.context_length`, `qwen3.context_length` … */
function contextLengthOf(modelInfo: JsonObject): number | undefined {
  for (const [key, value] of Object.entries(modelInfo)) {
    if (key.endsWith(".context_length") && isPositiveInt(value)) return value;
  }
  return undefined;
}

/**
 * The last probe's details for `id` when its digest is unchanged (same digest, same weights and
 * template, so the same capabilities). A model carries a digest only when its /api/show
 * succeeded, so a failed lookup is retried on the next probe instead of cached.
 */
export function cachedDetails(
  previous: ReadonlyMap<string, ModelInfo>,
  id: string,
  digest: string | undefined,
): ShowDetails | undefined {
  const model = previous.get(id);
  if (digest === undefined || model?.digest !== digest) return undefined;
  const numCtx = model.native?.num_ctx;
  return {
    capabilities: model.capabilities,
    ...(model.context_length === undefined ? {} : { context_length: model.context_length }),
    ...(numCtx === undefined ? {} : { num_ctx: numCtx }),
  };
}
