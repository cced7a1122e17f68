/**
 * `POST /api/chat`: an Ollama backend gets the client's body as it is (only `model` rewritten
 * for an alias or fallback) on its own `/api/chat`, which honours `options.num_ctx`, `keep_alive`
 * and `think`; its NDJSON reaches the client byte for byte. Any other backend gets the request
 * as an OpenAI chat completion and its answer translated back into Ollama's lines. A request
 * without messages only loads (or, with `keep_alive: 0`, unloads) the model.
 * @module
 */
import { isFailure } from "../../lib/failures.ts";
import type { Endpoint, ParsedRequest, PlanTarget, UpstreamPlan } from "../contract.ts";
import { withModel } from "../fields.ts";
import { ollamaDialect } from "./dialect.ts";
import { fromOpenaiTranslation } from "./from-openai.ts";
import { answerContext, loadPlan } from "./plan.ts";
import { chatRequirements, readCommon } from "./request.ts";
import { chatToOpenai } from "./to-openai.ts";

export const OLLAMA_CHAT_PATH = "/api/chat";

export const ollamaChatEndpoint: Endpoint = {
  name: "ollama_chat",
  dialect: ollamaDialect,
  parse(body, text) {
    const common = readCommon(body);
    if (isFailure(common)) return common;
    const requirements = chatRequirements(body);
    if (isFailure(requirements)) return requirements;
    return { ...common, requirements, body, text };
  },
  plan(request, target) {
    if (target.backend.type === "ollama") {
      return {
        path: OLLAMA_CHAT_PATH,
        body: withModel(request.body, request.text, request.model, target.model),
        stream: request.stream,
        upstream: "ollama",
      };
    }
    return translatedChat(request, target);
  },
};

function translatedChat(request: ParsedRequest, target: PlanTarget): UpstreamPlan {
  const context = answerContext("chat", target, request);
  const messages = request.body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return loadPlan(request, target, context);
  }
  const body = chatToOpenai(request.body, target.model, target.backend.type, request.stream);
  return {
    path: "/v1/chat/completions",
    body: JSON.stringify(body),
    stream: request.stream,
    upstream: "openai",
    translation: fromOpenaiTranslation(context, target.backend.name),
  };
}
