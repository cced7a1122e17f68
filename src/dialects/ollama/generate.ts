/**
 * `POST /api/generate`: passed through to an Ollama backend's own `/api/generate` (templates,
 * `raw`, `suffix`, `context`, `keep_alive` and the load/unload form all behave as Ollama's);
 * translated for the others — a chat completion (system + prompt, images), or a legacy
 * completion with `prompt` and `suffix` for `raw` and fill-in-the-middle requests. A `suffix`
 * goes to any model not known to lack fill-in-the-middle, and the backend's answer (or refusal)
 * comes back as it is.
 * @module
 */
import { isFailure } from "../../lib/failures.ts";
import type { Endpoint } from "../contract.ts";
import { withModel } from "../fields.ts";
import { ollamaDialect } from "./dialect.ts";
import { fromOpenaiTranslation } from "./from-openai.ts";
import { answerContext, loadPlan } from "./plan.ts";
import { generateRequirements, readCommon } from "./request.ts";
import { generateToOpenai } from "./to-openai.ts";

export const OLLAMA_GENERATE_PATH = "/api/generate";

export const ollamaGenerateEndpoint: Endpoint = {
  name: "ollama_generate",
  dialect: ollamaDialect,
  parse(body, text) {
    const common = readCommon(body);
    if (isFailure(common)) return common;
    const requirements = generateRequirements(body);
    if (isFailure(requirements)) return requirements;
    return { ...common, requirements, body, text };
  },
  plan(request, target) {
    const { backend, model } = target;
    if (backend.type === "ollama") {
      return {
        path: OLLAMA_GENERATE_PATH,
        body: withModel(request.body, request.text, request.model, model),
        stream: request.stream,
        upstream: "ollama",
      };
    }
    const context = answerContext("generate", target, request);
    const prompt = request.body.prompt;
    const images = request.body.images;
    if ((typeof prompt !== "string" || prompt === "") && !Array.isArray(images)) {
      return loadPlan(request, target, context);
    }
    const call = generateToOpenai(request.body, model, backend.type, request.stream);
    return {
      path: call.path,
      body: JSON.stringify(call.body),
      stream: request.stream,
      upstream: "openai",
      translation: fromOpenaiTranslation(context, backend.name),
    };
  },
};
