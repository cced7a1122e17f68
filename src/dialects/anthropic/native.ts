/**
 * Backends that speak Anthropic's Messages API themselves (Ollama ≥ 0.14, LM Studio ≥ 0.4.1,
 * recent llama.cpp and vLLM): `anthropic = true|false` in the config decides, else what the
 * one-time probe found (src/backends/messages-probe.ts). Such a backend gets the client's request
 * untouched (only `model` rewritten for an alias) and its bytes go back as they are.
 * @module
 */
import type { Backend } from "../../registry/mod.ts";
import type { ParsedRequest, UpstreamPlan } from "../contract.ts";
import { withModel } from "../fields.ts";

export const MESSAGES_PATH = "/v1/messages";
export const COUNT_TOKENS_PATH = "/v1/messages/count_tokens";

export function speaksAnthropic(backend: Backend): boolean {
  return backend.anthropic ?? backend.features.messages === true;
}

/** The client's request as it came, to the same path of the backend. */
export function nativePlan(
  request: ParsedRequest,
  model: string,
  path: string,
  responseHeaders?: Readonly<Record<string, string>>,
): UpstreamPlan {
  return {
    path,
    body: withModel(request.body, request.text, request.model, model),
    stream: request.stream,
    upstream: "anthropic",
    ...(responseHeaders === undefined ? {} : { responseHeaders }),
  };
}
