/**
 * vLLM (REFERENCE.md B2): `GET /health` answers 200 with an empty body once the engine is up;
 * `GET /v1/models` carries `max_model_len` (the context window); `GET /version` is optional.
 * vLLM's `--api-key` guards `/v1/*` only, so the key goes on every request and harms none.
 * @module
 */
import type { ProbeContext, ProbeResult } from "./types.ts";
import { defineAdapter, failure } from "./define-adapter.ts";
import { parseVersion } from "./guards.ts";
import { requestJson, requestText } from "./http.ts";
import { getOpenAiModels } from "./openai-models.ts";

export const vllmAdapter = defineAdapter("vllm", 8000, probeVllm);

async function probeVllm(context: ProbeContext): Promise<ProbeResult> {
  // One request at a time: a probe holds at most one of the server's connections.
  const health = await requestText(context, "/health");
  if (!health.ok) return failure(health.reason);
  if (health.status < 200 || health.status > 299) {
    return failure(`HTTP ${health.status} from /health`);
  }
  const models = await getOpenAiModels(context);
  if (!models.ok) return failure(models.reason);
  const version = await requestJson(context, "/version", parseVersion);
  return {
    ok: true,
    // vLLM loads its model at start-up and never unloads it: what it lists is warm.
    models: models.value.map((model) => ({ ...model, loaded: true })),
    ...(version.ok ? { version: version.value } : {}),
  };
}
