/**
 * Field checks in Anthropic's words: a 400 `invalid_request_error` whose message starts with the
 * path of the field at fault (`messages.1.content: …`), as Anthropic's own validation answers.
 * @module
 */
import { type Failure, failure } from "../../lib/failures.ts";
import { typeName } from "../fields.ts";

export function bad(path: string, problem: string): Failure {
  return failure("invalid_request", `${path}: ${problem}`, { param: path });
}

export function required(path: string): Failure {
  return bad(path, "Field required");
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `a string`, `an object` …, `nothing` for a missing value. */
export function typeOf(value: unknown): string {
  return value === undefined ? "nothing" : typeName(value);
}

/** An optional number in [min, max]. */
export function readNumber(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  integer = false,
): number | undefined | Failure {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  const ok = typeof value === "number" && Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) && value >= min && value <= max;
  if (ok) return value;
  const what = integer ? "an integer" : "a number";
  const got = typeof value === "number" ? String(value) : typeOf(value);
  return bad(key, `Input should be ${what} between ${min} and ${max}, got ${got}`);
}
