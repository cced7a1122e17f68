/**
 * Says what an unknown server is (`type = "auto"` in the config, `POST /v1/backends` without a
 * type) from the endpoints only one kind of server answers. The questions go one at a time,
 * each asked only when a rule needs its answer, so detection holds at most one of the server's
 * connections (llama-server has only a few HTTP threads) and stops at the first rule that
 * decides; only GETs, never a completion, all under the caller's deadline.
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

type DetectContext = Omit<ProbeContext, "previousModels">;

/**
 * The rules, in order: ollama: `/api/version` and `/api/tags`; llamacpp: `/props`, or `/health`
 * loading, or an OpenAI model list owned by "llamacpp" or beside `/health` `{"status":"ok"}` (a
 * bare `/health` ok is common to many web apps); lmstudio: `/api/v0/models`; vllm: an OpenAI
 * model list with `/version` or owned by "vllm"; generic: any other OpenAI model list.
 * `undefined` when nothing answers like an LLM server (or the deadline passes first).
 */
export async function detectBackendType(
  context: DetectContext,
): Promise<BackendType | undefined> {
  const ask = new Questions(context);
  if ((await ask.ollamaVersion()).ok && (await ask.ollamaTags()).ok) return "ollama";
  if ((await ask.props()).ok) return "llamacpp";
  const health = await ask.health();
  if (health.ok && isLoading(health.status, health.text)) return "llamacpp";
  const models = await ask.models();
  const owners = new Set(models.ok ? models.value.map((model) => model.owned_by) : []);
  if (models.ok && (owners.has("llamacpp") || isHealthOk(health))) return "llamacpp";
  if ((await ask.lmstudio()).ok) return "lmstudio";
  if (!models.ok) return undefined;
  if (owners.has("vllm") || (await ask.vllmVersion()).ok) return "vllm";
  return "generic";
}

/** The questions detection may ask, each by what it asks for. */
class Questions {
  readonly #context: DetectContext;

  constructor(context: DetectContext) {
    this.#context = context;
  }

  ollamaVersion() {
    return requestJson(this.#context, "/api/version", parseVersion);
  }

  ollamaTags() {
    return requestJson(this.#context, "/api/tags", parseTags);
  }

  props() {
    return requestJson(this.#context, "/props", parseProps);
  }

  health() {
    return requestText(this.#context, "/health");
  }

  models() {
    return getOpenAiModels(this.#context);
  }

  lmstudio() {
    return requestJson(this.#context, LMSTUDIO_MODELS_PATH, parseLmstudioModels);
  }

  vllmVersion() {
    return requestJson(this.#context, "/version", parseVersion);
  }
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
