/**
 * exo, OpenAI and any other OpenAI-compatible server: health and models both come from
 * `GET /v1/models` (REFERENCE.md B5, B6). Never a completion request as a health check: on a
 * cloud API that would be billed.
 * @module
 */
import { defineAdapter, failure } from "./define-adapter.ts";
import { getOpenAiModels } from "./openai-models.ts";
import type { ProbeContext, ProbeResult } from "./types.ts";

export async function probeModelList(context: ProbeContext): Promise<ProbeResult> {
  const reply = await getOpenAiModels(context);
  return reply.ok ? { ok: true, models: reply.value } : failure(reply.reason);
}

export const exoAdapter = defineAdapter("exo", 52415, probeModelList);
export const openaiAdapter = defineAdapter("openai", 443, probeModelList);
export const genericAdapter = defineAdapter("generic", 8000, probeModelList);
