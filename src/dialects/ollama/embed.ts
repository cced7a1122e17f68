/**
 * `POST /api/embed` (`input`: a string or strings → `embeddings`) and the older
 * `POST /api/embeddings` (`prompt` → `embedding`): passed through to Ollama backends, translated
 * to `/v1/embeddings` for the others. Both count as the `ollama_embed` endpoint.
 * @module
 */
import { isFailure } from "../../lib/failures.ts";
import type { Endpoint } from "../contract.ts";
import { readModel, withModel } from "../fields.ts";
import { ollamaDialect } from "./dialect.ts";
import { embedTranslation } from "./from-openai.ts";
import { answerContext } from "./plan.ts";
import { embedRequirements } from "./request.ts";
import { embedToOpenai } from "./to-openai.ts";

function embedEndpoint(path: string, field: "input" | "prompt"): Endpoint {
  return {
    name: "ollama_embed",
    dialect: ollamaDialect,
    parse(body, text) {
      const model = readModel(body);
      if (isFailure(model)) return model;
      const requirements = embedRequirements(body, field);
      if (isFailure(requirements)) return requirements;
      return { model, stream: false, requirements, body, text };
    },
    plan(request, target) {
      if (target.backend.type === "ollama") {
        return {
          path,
          body: withModel(request.body, request.text, request.model, target.model),
          stream: false,
          upstream: "ollama",
        };
      }
      return {
        path: "/v1/embeddings",
        body: JSON.stringify(embedToOpenai(request.body, target.model, field)),
        stream: false,
        upstream: "openai",
        translation: embedTranslation(
          answerContext("chat", target, request),
          target.backend.name,
          field === "prompt",
        ),
      };
    },
  };
}

export const ollamaEmbedEndpoint = embedEndpoint("/api/embed", "input");
export const ollamaEmbeddingsEndpoint = embedEndpoint("/api/embeddings", "prompt");
