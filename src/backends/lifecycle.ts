/**
 * Loading and unloading a model on one backend, each server type its own way:
 * - Ollama: `POST /api/generate` with an empty prompt loads (with `keep_alive`), `keep_alive: 0`
 *   unloads (https://github.com/ollama/ollama/blob/main/docs/api.md#load-a-model);
 * - LM Studio ≥ 0.4: `POST /api/v1/models/load {model}` and `/unload {instance_id}`;
 * - llama.cpp in router mode: `POST /models/load|unload {model}` (a single-model llama-server
 *   answers 404: it has nothing to load or unload);
 * - vLLM, exo, OpenAI and generic servers have no such API: `unsupported`.
 * Never throws: every outcome is a value.
 * @module
 */
import type { BackendTypeSetting } from "../registry/mod.ts";
import { type HttpContext, requestText } from "./http.ts";

export type LifecycleAction = "load" | "unload";

export type LifecycleResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly unsupported?: boolean };

export interface LifecycleRequest {
  readonly action: LifecycleAction;
  readonly model: string;
  /** Ollama's `keep_alive` for a load (a duration like `"30m"`, seconds, or -1 for ever). */
  readonly keepAlive?: string | number;
}

/** Server types that can load and unload models on request. */
export const LIFECYCLE_TYPES: ReadonlySet<BackendTypeSetting> = new Set([
  "ollama",
  "lmstudio",
  "llamacpp",
]);

export function changeModel(
  type: BackendTypeSetting,
  context: HttpContext,
  request: LifecycleRequest,
): Promise<LifecycleResult> {
  switch (type) {
    case "ollama":
      return ollama(context, request);
    case "lmstudio":
      return lmstudio(context, request);
    case "llamacpp":
      return llamacpp(context, request);
    default:
      return Promise.resolve({
        ok: false,
        unsupported: true,
        reason: `a ${type} server cannot ${request.action} models on request`,
      });
  }
}

async function ollama(context: HttpContext, request: LifecycleRequest): Promise<LifecycleResult> {
  const keepAlive = request.action === "unload" ? 0 : request.keepAlive;
  const json = {
    model: request.model,
    prompt: "",
    stream: false,
    ...(keepAlive === undefined ? {} : { keep_alive: keepAlive }),
  };
  return outcome(await requestText(context, "/api/generate", { method: "POST", json }), request);
}

async function lmstudio(context: HttpContext, request: LifecycleRequest): Promise<LifecycleResult> {
  const json = request.action === "load"
    ? { model: request.model }
    : { instance_id: request.model };
  const reply = await requestText(context, `/api/v1/models/${request.action}`, {
    method: "POST",
    json,
  });
  if (reply.ok && reply.status === 404) {
    return unsupported(request, "this LM Studio has no model API (it needs version 0.4 or newer)");
  }
  return outcome(reply, request);
}

async function llamacpp(context: HttpContext, request: LifecycleRequest): Promise<LifecycleResult> {
  const reply = await requestText(context, `/models/${request.action}`, {
    method: "POST",
    json: { model: request.model },
  });
  if (reply.ok && reply.status === 404) {
    return unsupported(request, "this llama-server runs one model (start it in router mode)");
  }
  return outcome(reply, request);
}

function outcome(
  reply: Awaited<ReturnType<typeof requestText>>,
  request: LifecycleRequest,
): LifecycleResult {
  if (!reply.ok) return { ok: false, reason: reply.reason };
  if (reply.status >= 200 && reply.status < 300) return { ok: true };
  const detail = reply.text.trim().replace(/\s+/g, " ").slice(0, 200);
  return {
    ok: false,
    reason: `cannot ${request.action} ${request.model}: HTTP ${reply.status}${
      detail ? `: ${detail}` : ""
    }`,
  };
}

function unsupported(request: LifecycleRequest, why: string): LifecycleResult {
  return { ok: false, unsupported: true, reason: `cannot ${request.action} models: ${why}` };
}
