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
  // The first item says which of the three list shapes it is; the first item that breaks it is
  // named by its index ("got an array" would not say which of 500 inputs is wrong), down to the
  // token in a list of token arrays.
  const first = input[0];
  if (Array.isArray(first)) return badTokenArray(input);
  const [check, expected] = typeof first === "string"
    ? [isString, "a string"]
    : typeof first === "number"
    ? [isTokenId, "a token id (an integer from 0)"]
    : [isString, "a string, an array of token ids or a token id"];
  const bad = input.findIndex((item) => !check(item));
  if (bad < 0) return undefined;
  // The shape input[0] set, when it is another item that breaks it.
  const shaped = bad > 0 ? `${expected}, as input[0] is` : expected;
  return invalidItem(`input[${bad}]`, shaped, input[bad]);
}

function badTokenArray(input: readonly unknown[]): Failure | undefined {
  for (let i = 0; i < input.length; i++) {
    const item = input[i];
    if (!Array.isArray(item) || item.length === 0) {
      const expected = "a non-empty array of token ids";
      return invalid(`input[${i}]`, i > 0 ? `${expected}, as input[0] is` : expected, item);
    }
    const bad = item.findIndex((token) => !isTokenId(token));
    if (bad >= 0) {
      return invalidItem(`input[${i}][${bad}]`, "a token id (an integer from 0)", item[bad]);
    }
  }
  return undefined;
}

/** A number is shown as it is (-1, 1.5, Infinity): "got a number" would not say what is wrong. */
const invalidItem = (param: string, expected: string, value: unknown) =>
  typeof value === "number"
    ? invalidValue(param, expected, value)
    : invalid(param, expected, value);

const isString = (item: unknown) => typeof item === "string";

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
