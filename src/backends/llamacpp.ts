/**
 * llama.cpp `llama-server` (REFERENCE.md B3). `/health` answers 200 `{"status":"ok"}` when
 * ready and 503 "Loading model" while the weights load: that server is alive, not failing.
 * `/props` gives the per-slot context (`n_ctx`), vision and the parallel slots; `/v1/models`
 * names the one model. `--api-key` guards `/props`, so the key is sent when set. The three
 * requests go one after the other, stopping at the first that decides: llama-server serves HTTP
 * with a few threads, and a probe must never take more than one of them.
 * @module
 */
import type { ModelInfo } from "../registry/mod.ts";
import { defineAdapter, failure } from "./define-adapter.ts";
import { isObject, readBoolean, readObject, readPositiveInt, readString } from "./guards.ts";
import { requestJson, requestText } from "./http.ts";
import { getOpenAiModels } from "./openai-models.ts";
import type { ProbeContext, ProbeResult } from "./types.ts";

export const llamacppAdapter = defineAdapter("llamacpp", 8080, probeLlamacpp);

export interface LlamacppProps {
  /** Context window of one slot: what a single request can use. */
  readonly n_ctx?: number;
  readonly vision?: boolean;
  readonly total_slots?: number;
  /** `b4500-1a2b3c4d`: the build number and commit. */
  readonly build_info?: string;
}

async function probeLlamacpp(context: ProbeContext): Promise<ProbeResult> {
  const health = await requestText(context, "/health");
  if (!health.ok) return failure(health.reason);
  if (isLoading(health.status, health.text)) {
    return { ok: false, reason: "loading model", notReady: true };
  }
  if (health.status < 200 || health.status > 299) {
    return failure(`HTTP ${health.status} from /health`);
  }
  const models = await getOpenAiModels(context);
  if (!models.ok) return failure(models.reason);
  const props = await requestJson(context, "/props", parseProps);
  // /props is extra detail: without it (old build, auth) the model is served, details unknown.
  if (!props.ok) return { ok: true, models: models.value };
  const { build_info, total_slots } = props.value;
  return {
    ok: true,
    models: withProps(models.value, props.value),
    ...(build_info === undefined ? {} : { version: build_info }),
    ...(total_slots === undefined ? {} : { slots: total_slots }),
  };
}

/**
 * 503 with "Loading model": the current `{"error":{"message":"Loading model"}}` body and the
 * older `{"status":"loading model"}` one.
 */
export function isLoading(status: number, body: string): boolean {
  return status === 503 && /loading model/i.test(body);
}

/**
 * `undefined` unless the body looks like llama-server's `/props`. Builds without `modalities`
 * predate multimodal support in llama-server, so they cannot take images: vision is false there
 * (an image request then gets Nexus's 503 "no vision support", not the backend's 500).
 */
export function parseProps(json: unknown): LlamacppProps | undefined {
  if (!isObject(json)) return undefined;
  const settings = readObject(json, "default_generation_settings");
  if (!settings) return undefined;
  const modalities = readObject(json, "modalities");
  return {
    n_ctx: readPositiveInt(settings, "n_ctx"),
    vision: modalities ? readBoolean(modalities, "vision") : false,
    total_slots: readPositiveInt(json, "total_slots"),
    build_info: readString(json, "build_info"),
  };
}

/**
 * One model per server, so /props describes it. Several ids (a router in front, or aliases)
 * leave /props ambiguous, and the models keep what /v1/models said.
 */
function withProps(models: ModelInfo[], props: LlamacppProps): ModelInfo[] {
  if (models.length !== 1) return models;
  const [model] = models as [ModelInfo];
  return [{
    ...model,
    // One model per server, loaded at start-up (router mode lists several, with their status).
    loaded: model.loaded ?? true,
    ...(props.n_ctx === undefined ? {} : { context_length: props.n_ctx }),
    capabilities: {
      ...model.capabilities,
      ...(props.vision === undefined ? {} : { vision: props.vision }),
    },
  }];
}
