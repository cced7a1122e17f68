/**
 * `POST /v1/messages/count_tokens` → `{"input_tokens": N}` (Claude Code calls it, with
 * `?beta=true`, to size its context). The count comes from the model's own tokenizer where the
 * backend that would serve the request has one to ask, else from Nexus's estimate; the header
 * `X-Nexus-Token-Count: backend|estimate` says which:
 *
 * - a native backend whose server counts (llama.cpp, vLLM, or a generic Anthropic server): its
 *   own `/v1/messages/count_tokens`, relayed as it answers;
 * - vLLM: `/tokenize` with the conversation as chat messages (its chat template applied);
 * - llama.cpp: `/tokenize` with the prompt's text;
 * - any other (Ollama, LM Studio, exo, OpenAI): the estimate, without calling the backend or
 *   taking one of its slots.
 *
 * The router's first candidate decides: when it counts, only candidates that count are tried
 * (failover included); when it does not, the estimate is the answer. The request counts wherever
 * the model is served: no capability or context filter applies.
 * @module
 */
import type { BackendTypeSetting } from "../../config/mod.ts";
import { type Failure, failure, isFailure } from "../../lib/failures.ts";
import { NO_REQUIREMENTS } from "../../routing/mod.ts";
import type {
  Endpoint,
  ParsedRequest,
  PlanTarget,
  Translation,
  UpstreamPlan,
} from "../contract.ts";
import { isObject } from "./fields.ts";
import { anthropicDialect } from "./dialect.ts";
import { COUNT_TOKENS_PATH, nativePlan, speaksAnthropic } from "./native.ts";
import { anthropicOf, type AnthropicRequest, parsedRequest } from "./parsed.ts";
import { readMessagesRequest } from "./request.ts";
import { backendRefusal } from "./translation.ts";

const COUNTED_BY_BACKEND = Object.freeze({ "x-nexus-token-count": "backend" });
const ESTIMATED = Object.freeze({ "x-nexus-token-count": "estimate" });

/** Servers whose Messages API includes count_tokens (Ollama's and LM Studio's do not). */
const NATIVE_COUNTERS: ReadonlySet<BackendTypeSetting> = new Set(["llamacpp", "vllm", "generic"]);

export const countTokensEndpoint: Endpoint = {
  name: "count_tokens",
  dialect: anthropicDialect,
  parse(body, text) {
    const view = readMessagesRequest(body, "count_tokens");
    if (isFailure(view)) return view;
    return parsedRequest(view, body, text, NO_REQUIREMENTS);
  },
  // When the first candidate counts, only candidates that count are tried after it: one
  // without a tokenizer cannot be asked to (the estimate is for when the first has none).
  refusal(request, target) {
    if (backendCounts(request, target)) return undefined;
    return failure("upstream_failed", `Backend ${target.backend.name} has no tokenizer to ask`);
  },
  answer(request, target) {
    if (backendCounts(request, target)) return undefined;
    return {
      contentType: "application/json",
      text: JSON.stringify({ input_tokens: anthropicOf(request).estimatedTokens }),
      headers: ESTIMATED,
    };
  },
  plan(request, target) {
    if (speaksAnthropic(target.backend) && NATIVE_COUNTERS.has(target.backend.type)) {
      return nativePlan(request, target.model, COUNT_TOKENS_PATH, COUNTED_BY_BACKEND);
    }
    const anthropic = anthropicOf(request);
    return target.backend.type === "vllm"
      ? vllmTokenize(anthropic, target.model)
      : llamacppTokenize(anthropic);
  },
};

function backendCounts(request: ParsedRequest, target: PlanTarget): boolean {
  const { backend } = target;
  if (speaksAnthropic(backend) && NATIVE_COUNTERS.has(backend.type)) return true;
  if (backend.type === "llamacpp") return true;
  return backend.type === "vllm" && !isFailure(anthropicOf(request).chat());
}

/** vLLM applies the model's chat template, tools included, and counts: `{"count": N, …}`. */
function vllmTokenize(request: AnthropicRequest, model: string): UpstreamPlan {
  const chat = request.chat() as Exclude<ReturnType<AnthropicRequest["chat"]>, Failure>;
  const body: Record<string, unknown> = {
    model,
    messages: chat.messages,
    add_generation_prompt: true,
  };
  if (chat.tools.length > 0) body.tools = chat.tools;
  return tokenizePlan(body, (json) => (isObject(json) ? count(json.count) : undefined));
}

/** llama-server tokenizes text: `{"tokens": [...]}`. The chat template is not applied. */
function llamacppTokenize(request: AnthropicRequest): UpstreamPlan {
  const body = { content: promptText(request), add_special: true };
  return tokenizePlan(
    body,
    (json) => (isObject(json) && Array.isArray(json.tokens) ? json.tokens.length : undefined),
  );
}

function tokenizePlan(body: unknown, read: (json: unknown) => number | undefined): UpstreamPlan {
  return {
    path: "/tokenize",
    body: JSON.stringify(body),
    stream: false,
    upstream: "openai",
    translation: tokenCountTranslation(read),
    responseHeaders: COUNTED_BY_BACKEND,
  };
}

function tokenCountTranslation(read: (json: unknown) => number | undefined): Translation {
  return {
    framing: "sse",
    whole(json) {
      const tokens = read(json);
      if (tokens === undefined) {
        return failure("upstream_failed", "The backend's /tokenize answer has no token count");
      }
      return { contentType: "application/json", text: JSON.stringify({ input_tokens: tokens }) };
    },
    rejection: backendRefusal,
    // A count is never streamed (its plans say `stream: false`).
    stream: () => ({
      contentType: "application/json",
      event: () => "",
      end: () => "",
      fail: () => "",
    }),
  };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** What the model reads, as one text: system, each turn's text, tool calls and results, tools. */
export function promptText(request: AnthropicRequest): string {
  const { view } = request;
  const pieces: string[] = view.system.map((block) => block.text as string);
  for (const message of view.messages) {
    for (const block of message.content) pieces.push(blockText(block));
  }
  if (view.tools.length > 0) pieces.push(JSON.stringify(view.tools));
  return pieces.filter((piece) => piece !== "").join("\n\n");
}

function blockText(block: Readonly<Record<string, unknown>>): string {
  switch (block.type) {
    case "text":
      return block.text as string;
    case "tool_use":
      return `${String(block.name)} ${JSON.stringify(block.input)}`;
    case "tool_result":
      if (typeof block.content === "string") return block.content;
      return Array.isArray(block.content)
        ? block.content.map((part) => blockText(part as Record<string, unknown>)).join("\n\n")
        : "";
    case "document": {
      const source = block.source as Record<string, unknown>;
      return source.type === "text" && typeof source.data === "string" ? source.data : "";
    }
    default:
      return "";
  }
}
