/**
 * Says what an unknown server is (for `POST /v1/backends` without a type) from the endpoints
 * only one kind of server answers. Every question goes out at once under the caller's deadline,
 * so detection costs one round trip; only GETs, never a completion.
 * @module
 */
import type { BackendType } from "../registry/mod.ts";
import { isObject, parseVersion, readString } from "./guards.ts";
import { requestJson, requestText, type TextReply } from "./http.ts";
import { isLoading, parseProps } from "./llamacpp.ts";
import { LMSTUDIO_MODELS_PATH, parseLmstudioModels } from "./lmstudio.ts";
import { parseTags } from "./ollama.ts";
import { getOpenAiModels } from "./openai-models.ts";
import type { ProbeContext } from "./types.ts";

/**
 * ollama: `/api/version` and `/api/tags`; llamacpp: `/props`, or `/health` loading, or `/health`
 * `{"status":"ok"}` beside an OpenAI model list (a bare `/health` ok is common to many web
 * apps); lmstudio: `/api/v0/models`; vllm: an OpenAI model list with `/version` or owned by
 * "vllm"; generic: any other OpenAI model list. `undefined` when nothing answers like an LLM
 * server (or the deadline passes first).
 */
export async function detectBackendType(
  context: Omit<ProbeContext, "previousModels">,
): Promise<BackendType | undefined> {
  const [ollamaVersion, ollamaTags, props, health, lmstudio, version, models] = await Promise
    .all([
      requestJson(context, "/api/version", parseVersion),
      requestJson(context, "/api/tags", parseTags),
      requestJson(context, "/props", parseProps),
      requestText(context, "/health"),
      requestJson(context, LMSTUDIO_MODELS_PATH, parseLmstudioModels),
      requestJson(context, "/version", parseVersion),
      getOpenAiModels(context),
    ]);
  const owners = new Set(models.ok ? models.value.map((model) => model.owned_by) : []);
  if (ollamaVersion.ok && ollamaTags.ok) return "ollama";
  if (props.ok || (health.ok && isLoading(health.status, health.text))) return "llamacpp";
  if (models.ok && (owners.has("llamacpp") || isHealthOk(health))) return "llamacpp";
  if (lmstudio.ok) return "lmstudio";
  if (models.ok && (version.ok || owners.has("vllm"))) return "vllm";
  if (models.ok) return "generic";
  return undefined;
}

/** llama-server's ready answer: 200 `{"status":"ok"}`. */
function isHealthOk(reply: TextReply): boolean {
  if (!reply.ok || reply.status !== 200) return false;
  try {
    const json: unknown = JSON.parse(reply.text);
    return isObject(json) && readString(json, "status") === "ok";
  } catch {
    return false;
  }
}
