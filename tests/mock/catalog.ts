/**
 * What the mock says about its models: plausible GGUF facts derived from the model id (so a
 * test only names its models), and `GET /v1/models` in each server's own shape.
 * @module
 */
import { json } from "./http.ts";
import type { MockFlavor, MockModel } from "./types.ts";

export const DEFAULT_CONTEXT_LENGTH = 8192;
/** A fixed creation time keeps model lists byte-stable between calls. */
export const MODEL_CREATED = 1_732_752_000;

export interface ModelFacts {
  readonly id: string;
  /** GGUF architecture, the prefix of Ollama's `model_info` keys. */
  readonly arch: string;
  readonly parameterSize: string;
  readonly parameterCount: number;
  readonly sizeBytes: number;
  readonly quantization: string;
  readonly contextLength: number;
  readonly capabilities: readonly string[];
  readonly digest: string;
  readonly loaded: boolean;
  readonly lmstudioType: "llm" | "vlm" | "embeddings";
}

const ARCHES: readonly [RegExp, string][] = [
  [/^qwen/, "qwen2"],
  [/^gemma/, "gemma2"],
  [/^phi/, "phi3"],
  [/^(nomic|mxbai|all-minilm)/, "nomic-bert"],
  [/^(deepseek)/, "deepseek2"],
];

export function describeModel(model: MockModel): ModelFacts {
  const base = model.id.toLowerCase().split("/").pop()!;
  const arch = ARCHES.find(([pattern]) => pattern.test(base))?.[1] ?? "llama";
  const billions = Number(/(\d+(?:\.\d+)?)b\b/.exec(base)?.[1] ?? "8");
  const parameterCount = Math.round(billions * 1e9);
  const capabilities = model.capabilities ?? ["completion"];
  return {
    id: model.id,
    arch,
    parameterSize: `${billions.toFixed(1)}B`,
    parameterCount,
    // Q4_K_M spends about 4.65 bits per weight.
    sizeBytes: Math.round(parameterCount * 0.58),
    quantization: "Q4_K_M",
    contextLength: model.context_length ?? DEFAULT_CONTEXT_LENGTH,
    capabilities,
    digest: model.digest ?? stableDigest(model.id),
    loaded: model.loaded ?? true,
    lmstudioType: model.type ??
      (capabilities.includes("vision")
        ? "vlm"
        : capabilities.includes("embedding")
        ? "embeddings"
        : "llm"),
  };
}

/** 64 hex digits that depend only on the text (FNV-1a with eight seeds): no async crypto. */
export function stableDigest(text: string): string {
  let out = "";
  for (let seed = 0; seed < 8; seed++) {
    let hash = 0x811c9dc5 ^ seed;
    for (let i = 0; i < text.length; i++) {
      hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    }
    out += (hash >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}

/** `GET /v1/models`: every server lists `{id, object}`, each adds its own fields. */
export function listModels(flavor: MockFlavor, models: readonly MockModel[]): Response {
  const facts = models.map(describeModel);
  switch (flavor) {
    case "vllm":
      return json({ object: "list", data: facts.map(vllmModel) });
    case "llamacpp":
      return json({
        // llama-server also answers in Ollama's shape under `models`.
        models: facts.map(llamacppOllamaModel),
        object: "list",
        data: facts.map(llamacppModel),
      });
    case "lmstudio":
      return json({
        data: facts.map((m) => ({ id: m.id, object: "model", owned_by: "organization_owner" })),
        object: "list",
      });
    case "ollama":
      return json({
        object: "list",
        data: facts.map((m) => ({
          id: m.id,
          object: "model",
          created: MODEL_CREATED,
          owned_by: m.id.includes("/") ? m.id.split("/")[0] : "library",
        })),
      });
    default:
      return json({
        object: "list",
        data: facts.map((m) => ({
          id: m.id,
          object: "model",
          created: MODEL_CREATED,
          owned_by: "system",
        })),
      });
  }
}

function vllmModel(m: ModelFacts) {
  return {
    id: m.id,
    object: "model",
    created: MODEL_CREATED,
    owned_by: "vllm",
    root: m.id,
    parent: null,
    max_model_len: m.contextLength,
    permission: [{
      id: `modelperm-${m.digest.slice(0, 32)}`,
      object: "model_permission",
      created: MODEL_CREATED,
      allow_create_engine: false,
      allow_sampling: true,
      allow_logprobs: true,
      allow_search_indices: false,
      allow_view: true,
      allow_fine_tuning: false,
      organization: "*",
      group: null,
      is_blocking: false,
    }],
  };
}

function llamacppModel(m: ModelFacts) {
  return {
    id: m.id,
    object: "model",
    created: MODEL_CREATED,
    owned_by: "llamacpp",
    meta: {
      vocab_type: 2,
      n_vocab: 128256,
      n_ctx_train: m.contextLength,
      n_embd: 4096,
      n_params: m.parameterCount,
      size: m.sizeBytes,
    },
  };
}

function llamacppOllamaModel(m: ModelFacts) {
  return {
    name: m.id,
    model: m.id,
    modified_at: "",
    size: "",
    digest: "",
    type: "model",
    description: "",
    tags: [""],
    capabilities: ["completion", ...(m.capabilities.includes("vision") ? ["multimodal"] : [])],
    parameters: "",
    details: {
      parent_model: "",
      format: "gguf",
      family: "",
      families: [""],
      parameter_size: "",
      quantization_level: "",
    },
  };
}
