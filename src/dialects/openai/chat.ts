/**
 * `POST /v1/chat/completions`: the hot path. Checks `model`, `messages` (a non-empty array) and
 * `stream`; forwards the original text (re-serialised only when an alias or fallback rewrote
 * `model`) to the same path of every backend, and passes the answer through untouched — except a
 * prompt too long for an Ollama backend's default context, which Ollama's OpenAI endpoint would
 * cut: that one goes to Ollama's native API with the context it needs
 * (src/dialects/ollama/context.ts).
 * @module
 */
import { isFailure } from "../../lib/failures.ts";
import { requirementsOf } from "../../routing/mod.ts";
import type { Endpoint } from "../contract.ts";
import { emptyArray, invalid, missing, readModel, readStream, withModel } from "../fields.ts";
import { ollamaContextPlan, ollamaContextRefusal } from "../ollama/context.ts";
import { openaiDialect } from "./dialect.ts";

export const CHAT_PATH = "/v1/chat/completions";

export const chatEndpoint: Endpoint = {
  name: "chat",
  dialect: openaiDialect,
  parse(body, text) {
    const model = readModel(body);
    if (isFailure(model)) return model;
    if (body.messages === undefined) return missing("messages");
    if (!Array.isArray(body.messages)) return invalid("messages", "an array", body.messages);
    const stream = readStream(body);
    if (isFailure(stream)) return stream;
    // OpenAI's own 400: a backend's refusal of an empty list is often a 500 or a riddle.
    if (body.messages.length === 0) return emptyArray("messages");
    return { model, stream, requirements: requirementsOf(body), body, text };
  },
  refusal(request, target) {
    return target.backend.type === "ollama" ? ollamaContextRefusal(request, target) : undefined;
  },
  plan(request, target) {
    if (target.backend.type === "ollama") {
      const native = ollamaContextPlan(request, target);
      if (native !== undefined) return native;
    }
    return {
      path: CHAT_PATH,
      body: withModel(request.body, request.text, request.model, target.model),
      stream: request.stream,
      upstream: "openai",
    };
  },
};
