/**
 * `POST /v1/embeddings`: `model` and `input` (a string, strings, a token array or token arrays)
 * are checked, `encoding_format` and `dimensions` when present; the request goes only to backends
 * whose model is not known to be unable to embed, and the answer passes through untouched.
 * @module
 */
import { type Failure, isFailure } from "../../lib/failures.ts";
import { NO_REQUIREMENTS, type RouteRequirements } from "../../routing/mod.ts";
import type { Endpoint } from "../contract.ts";
import { type Body, invalid, invalidValue, missing, readModel, withModel } from "../fields.ts";
import { openaiDialect } from "./dialect.ts";

export const EMBEDDINGS_PATH = "/v1/embeddings";

const EMBEDDINGS: RouteRequirements = Object.freeze({
  ...NO_REQUIREMENTS,
  operation: "embeddings",
});

export const embeddingsEndpoint: Endpoint = {
  name: "embeddings",
  dialect: openaiDialect,
  parse(body, text) {
    const model = readModel(body);
    if (isFailure(model)) return model;
    const problem = checkInput(body) ?? checkOptions(body);
    if (problem) return problem;
    return { model, stream: false, requirements: EMBEDDINGS, body, text };
  },
  plan(request, target) {
    return {
      path: EMBEDDINGS_PATH,
      body: withModel(request.body, request.text, request.model, target.model),
      stream: false,
      upstream: "openai",
    };
  },
};

const INPUT_SHAPE =
  "a string, an array of strings, an array of token ids or an array of token arrays";

function checkInput(body: Body): Failure | undefined {
  const input = body.input;
  if (input === undefined) return missing("input");
  if (typeof input === "string") return undefined;
  if (!Array.isArray(input) || input.length === 0) return invalid("input", INPUT_SHAPE, input);
  const first = input[0];
  const ok = typeof first === "string"
    ? input.every((item) => typeof item === "string")
    : typeof first === "number"
    ? input.every(isTokenId)
    : input.every((item) => Array.isArray(item) && item.length > 0 && item.every(isTokenId));
  return ok ? undefined : invalid("input", INPUT_SHAPE, input);
}

function checkOptions(body: Body): Failure | undefined {
  const format = body.encoding_format;
  if (format !== undefined && format !== "float" && format !== "base64") {
    return invalidValue("encoding_format", '"float" or "base64"', format);
  }
  const dimensions = body.dimensions;
  if (dimensions !== undefined && !(Number.isInteger(dimensions) && (dimensions as number) > 0)) {
    return invalidValue("dimensions", "a positive integer", dimensions);
  }
  return undefined;
}

function isTokenId(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0;
}
