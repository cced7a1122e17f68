/**
 * Narrow, hand-written field guards shared by every dialect's parser. Only what Nexus itself
 * needs is checked; every other field is the backend's business and passes through untouched.
 * Messages name the field and what was wrong, as OpenAI's own errors do.
 * @module
 */
import { type Failure, failure } from "../lib/failures.ts";
import { topLevelMembers } from "../lib/json-text.ts";

export type Body = Record<string, unknown>;

/** `model`: required, a non-empty string. */
export function readModel(body: Body): string | Failure {
  const model = body.model;
  if (model === undefined) return missing("model");
  if (typeof model !== "string" || model === "") {
    return invalid("model", "a non-empty string", model);
  }
  return model;
}

/** `stream`: a boolean, null or absent (then `fallback`). */
export function readStream(body: Body, fallback = false): boolean | Failure {
  const stream = body.stream;
  if (stream === undefined || stream === null) return fallback;
  if (typeof stream !== "boolean") return invalid("stream", "a boolean", stream);
  return stream;
}

export function missing(param: string): Failure {
  return failure("invalid_request", `Missing required parameter: '${param}'`, { param });
}

export function invalid(param: string, expected: string, value: unknown): Failure {
  return failure(
    "invalid_request",
    `Invalid '${param}': expected ${expected}, got ${typeName(value)}`,
    { param },
  );
}

/** An array that must hold at least one item, in OpenAI's words (code `empty_array`). */
export function emptyArray(param: string): Failure {
  return failure(
    "empty_array",
    `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    { param },
  );
}

/**
 * `invalid` for a field whose type may be right but whose value is not allowed: a string or
 * number is quoted (cut short), so "got a string" does not hide which one.
 */
export function invalidValue(param: string, expected: string, value: unknown): Failure {
  if (typeof value !== "string" && typeof value !== "number") {
    return invalid(param, expected, value);
  }
  // JSON has no Infinity (a client's 1e309): JSON.stringify would say "null".
  const shown = typeof value === "number" ? String(value) : JSON.stringify(value);
  return failure(
    "invalid_request",
    `Invalid '${param}': expected ${expected}, got ${
      shown.length > 40 ? `${shown.slice(0, 40)}…` : shown
    }`,
    { param },
  );
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  if (typeof value === "string") return value === "" ? "an empty string" : "a string";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * The original text, with only the value of `model` replaced when the name changed (an alias, a
 * fallback): every other field passes through as the client wrote it. Serialising the parsed body
 * again would not: an integer past 2^53 (a `seed`) loses digits, `1e309` becomes `null`, so a
 * request that works by a model's own name would fail, or change, by its alias.
 */
export function withModel(body: Body, text: string, requested: string, model: string): string {
  if (model === requested) return text;
  // A body with `model` twice was refused (duplicate-keys.ts): the first is the only one.
  for (const member of topLevelMembers(text)) {
    if (member.key === "model") {
      return text.slice(0, member.start) + JSON.stringify(model) + text.slice(member.end);
    }
  }
  // No top-level `model` in the text (a parsed body with one always has it): serialise it.
  return JSON.stringify({ ...body, model });
}
