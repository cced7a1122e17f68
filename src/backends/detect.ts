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
import { type JsonReply, requestJson, requestText, type TextReply } from "./http.ts";
import { isLoading, parseProps } from "./llamacpp.ts";
import { LMSTUDIO_MODELS_PATH, parseLmstudioModels } from "./lmstudio.ts";
import { parseTags } from "./ollama.ts";
import { getOpenAiModels, MODELS_PATH } from "./openai-models.ts";
import type { ProbeContext } from "./types.ts";

type DetectContext = Omit<ProbeContext, "previousModels">;

/**
 * What detection found when no rule decided but the server refused a question for want of a
 * key (401/403): an LLM server behind an API key (vLLM `--api-key`, a proxy with auth) answers
 * nothing else, and "no LLM server answered" would send its owner looking in the wrong place.
 */
export interface DetectionRefused {
  /** `HTTP 401 from /v1/models`: the first refusal. */
  readonly refused: string;
}

/** The type, the refusal that hid it, or `undefined` when nothing answered like an LLM server. */
export async function detectBackend(
  context: DetectContext,
): Promise<BackendType | DetectionRefused | undefined> {
  const ask = new Questions(context);
  const type = await detectWith(ask);
  if (type !== undefined) return type;
  return ask.refused === undefined ? undefined : { refused: ask.refused };
}

/**
 * The rules, in order: ollama: `/api/version` and `/api/tags`; llamacpp: `/props`, or `/health`
 * loading, or an OpenAI model list owned by "llamacpp" or beside `/health` `{"status":"ok"}` (a
 * bare `/health` ok is common to many web apps); lmstudio: `/api/v0/models`; vllm: an OpenAI
 * model list with `/version` or owned by "vllm"; generic: any other OpenAI model list.
 * `undefined` when nothing answers like an LLM server (or the deadline passes first).
 */
export function detectBackendType(context: DetectContext): Promise<BackendType | undefined> {
  return detectWith(new Questions(context));
}

async function detectWith(ask: Questions): Promise<BackendType | undefined> {
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

/** The questions detection may ask, each by what it asks for, and the first refusal. */
class Questions {
  readonly #context: DetectContext;
  /** `HTTP 401 from /v1/models`: the first answer that asked for a key. */
  refused: string | undefined;

  constructor(context: DetectContext) {
    this.#context = context;
  }

  ollamaVersion() {
    return this.#json("/api/version", requestJson(this.#context, "/api/version", parseVersion));
  }

  ollamaTags() {
    return this.#json("/api/tags", requestJson(this.#context, "/api/tags", parseTags));
  }

  props() {
    return this.#json("/props", requestJson(this.#context, "/props", parseProps));
  }

  async health() {
    const reply = await requestText(this.#context, "/health");
    if (reply.ok) this.#note("/health", reply.status);
    return reply;
  }

  models() {
    return this.#json(MODELS_PATH, getOpenAiModels(this.#context));
  }

  lmstudio() {
    return this.#json(
      LMSTUDIO_MODELS_PATH,
      requestJson(this.#context, LMSTUDIO_MODELS_PATH, parseLmstudioModels),
    );
  }

  vllmVersion() {
    return this.#json("/version", requestJson(this.#context, "/version", parseVersion));
  }

  async #json<T>(path: string, pending: Promise<JsonReply<T>>): Promise<JsonReply<T>> {
    const reply = await pending;
    if (!reply.ok && reply.status !== undefined) this.#note(path, reply.status);
    return reply;
  }

  #note(path: string, status: number): void {
    if ((status === 401 || status === 403) && this.refused === undefined) {
      this.refused = `HTTP ${status} from ${path}`;
    }
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
