/**
 * `POST /v1/completions` (legacy text completions, code autocomplete): `model`, `prompt`,
 * `suffix` (fill-in-the-middle) and `stream` are checked; everything else (`max_tokens`, `stop`,
 * `echo`, `logprobs`, unknown fields) passes through. Streams are relayed byte for byte, as chat.
 * @module
 */
import { type Failure, isFailure } from "../../lib/failures.ts";
import { estimateTokens, NO_REQUIREMENTS } from "../../routing/mod.ts";
import type { Endpoint } from "../contract.ts";
import { type Body, invalid, missing, readModel, readStream, withModel } from "../fields.ts";
import { openaiDialect } from "./dialect.ts";

export const COMPLETIONS_PATH = "/v1/completions";

const PROMPT_SHAPE =
  "a string, an array of strings, an array of token ids or an array of token arrays";

export const completionsEndpoint: Endpoint = {
  name: "completions",
  dialect: openaiDialect,
  parse(body, text) {
    const model = readModel(body);
    if (isFailure(model)) return model;
    const prompt = promptLength(body);
    if (isFailure(prompt)) return prompt;
    const suffix = body.suffix;
    if (suffix !== undefined && suffix !== null && typeof suffix !== "string") {
      return invalid("suffix", "a string", suffix);
    }
    const stream = readStream(body);
    if (isFailure(stream)) return stream;
    const suffixLength = typeof suffix === "string" ? suffix.length : 0;
    return {
      model,
      stream,
      requirements: {
        ...NO_REQUIREMENTS,
        operation: "completions",
        estimated_tokens: estimateTokens(prompt + suffixLength),
        fim: typeof suffix === "string" && suffix !== "",
      },
      body,
      text,
    };
  },
  plan(request, target) {
    return {
      path: COMPLETIONS_PATH,
      body: withModel(request.body, request.text, request.model, target.model),
      stream: request.stream,
      upstream: "openai",
    };
  },
};

/** Characters of prompt text (token ids count one token each, as four characters). */
function promptLength(body: Body): number | Failure {
  const prompt = body.prompt;
  if (prompt === undefined) return missing("prompt");
  if (typeof prompt === "string") return prompt.length;
  if (!Array.isArray(prompt)) return invalid("prompt", PROMPT_SHAPE, prompt);
  let chars = 0;
  for (const item of prompt) {
    if (typeof item === "string") chars += item.length;
    else if (Number.isInteger(item)) chars += 4;
    else if (Array.isArray(item) && item.every(Number.isInteger)) chars += 4 * item.length;
    else return invalid("prompt", PROMPT_SHAPE, prompt);
  }
  return chars;
}
