/**
 * `POST /v1/responses` (stateless). A backend known to serve the Responses API itself
 * (`features.responses`, probed once) gets the request untouched and its answer is relayed byte
 * for byte; every other backend gets it translated to chat completions (`request.ts`) and its
 * answer translated back (`translation.ts`), streams and tool calls included. The translation is
 * made once, at parse time; what it cannot carry (`store: true`, a hosted tool …) refuses only the
 * candidates that would need it, so a native backend further down the list still serves it.
 * A translation for an Ollama backend that would not fit Ollama's default context goes to its
 * native `/api/chat` with `num_ctx` (the trap, src/dialects/ollama/context.ts), as on the chat and
 * Messages front doors: Ollama's OpenAI endpoint would silently cut it.
 * @module
 */
import { type Failure, isFailure } from "../../../lib/failures.ts";
import { estimateTokens, NO_REQUIREMENTS, requirementsOf } from "../../../routing/mod.ts";
import type { Endpoint, ParsedRequest, PlanTarget, UpstreamPlan } from "../../contract.ts";
import { invalid, readModel, readStream, withModel } from "../../fields.ts";
import { chainedTranslation } from "../../chained.ts";
import { ollamaContextPlan, ollamaContextRefusal } from "../../ollama/context.ts";
import { CHAT_PATH } from "../chat.ts";
import { responsesDialect } from "./dialect.ts";
import { echoOf } from "./envelope.ts";
import { type IdSource, randomIds } from "./ids.ts";
import { type ChatRequest, toChatRequest } from "./request.ts";
import { responsesTranslation } from "./translation.ts";

export const RESPONSES_PATH = "/v1/responses";

interface ResponsesRequest extends ParsedRequest {
  /** The chat request for a translated path, or why there can be none. */
  readonly chat: ChatRequest | Failure;
}

export function createResponsesEndpoint(ids: IdSource = randomIds): Endpoint {
  return {
    name: "responses",
    dialect: responsesDialect,
    parse(body, text) {
      const model = readModel(body);
      if (isFailure(model)) return model;
      const stream = readStream(body);
      if (isFailure(stream)) return stream;
      const input = body.input;
      if (input !== undefined && typeof input !== "string" && !Array.isArray(input)) {
        return invalid("input", "a string or an array of input items", input);
      }
      const chat = toChatRequest(body, stream);
      const parsed: ResponsesRequest = {
        model,
        stream,
        requirements: isFailure(chat) ? roughRequirements(body, text) : requirementsOf(chat),
        body,
        text,
        chat,
      };
      return parsed;
    },
    refusal(request, target) {
      if (native(target)) return undefined;
      const { chat } = request as ResponsesRequest;
      if (isFailure(chat)) return chat;
      if (target.backend.type !== "ollama") return undefined;
      // Too long for the model even at its maximum: refused as chat refuses it (never cut).
      const body = { model: target.model, ...chat };
      const refused = ollamaContextRefusal({ ...request, body }, target);
      return refused && { ...refused, param: "input" };
    },
    plan(request, target) {
      const { chat } = request as ResponsesRequest;
      if (native(target) || isFailure(chat)) return passthrough(request, target);
      return translatedPlan(request, chat, target, ids);
    },
  };
}

export const responsesEndpoint: Endpoint = createResponsesEndpoint();

function native(target: PlanTarget): boolean {
  return target.backend.features.responses === true;
}

function translatedPlan(
  request: ParsedRequest,
  chat: ChatRequest,
  target: PlanTarget,
  ids: IdSource,
): UpstreamPlan {
  const body = { model: target.model, ...chat };
  const text = JSON.stringify(body);
  const translation = responsesTranslation({
    ids,
    echo: echoOf(request.body),
    model: target.model,
  });
  if (target.backend.type === "ollama") {
    const native = ollamaContextPlan({ ...request, body, text }, target);
    if (native?.translation !== undefined) {
      return { ...native, translation: chainedTranslation(native.translation, translation) };
    }
  }
  return { path: CHAT_PATH, body: text, stream: request.stream, upstream: "openai", translation };
}

function passthrough(request: ParsedRequest, target: PlanTarget): UpstreamPlan {
  return {
    path: RESPONSES_PATH,
    body: withModel(request.body, request.text, request.model, target.model),
    stream: request.stream,
    upstream: "openai",
  };
}

/** Without a chat translation only the size and the tools are known (a native backend routes). */
function roughRequirements(body: Record<string, unknown>, text: string) {
  return {
    ...NO_REQUIREMENTS,
    tools: Array.isArray(body.tools) && body.tools.length > 0,
    estimated_tokens: estimateTokens(text.length),
  };
}
