/**
 * Small readers for JSON of unknown shape. Each returns `undefined` for anything unexpected, so
 * a server that adds, drops or retypes a field degrades to "unknown" instead of crashing a probe.
 * @module
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readObject(source: JsonObject, key: string): JsonObject | undefined {
  const value = source[key];
  return isObject(value) ? value : undefined;
}

export function readArray(source: JsonObject, key: string): readonly unknown[] | undefined {
  const value = source[key];
  return Array.isArray(value) ? value : undefined;
}

/** A non-empty string. */
export function readString(source: JsonObject, key: string): string | undefined {
  const value = source[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function readBoolean(source: JsonObject, key: string): boolean | undefined {
  const value = source[key];
  return typeof value === "boolean" ? value : undefined;
}

/** A positive safe integer: context lengths and slot counts. */
export function readPositiveInt(source: JsonObject, key: string): number | undefined {
  const value = source[key];
  return isPositiveInt(value) ? value : undefined;
}

export function isPositiveInt(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/** The strings of an array, skipping anything else. */
export function stringsOf(values: readonly unknown[]): string[] {
  return values.filter((value): value is string => typeof value === "string");
}

/** `{"version":"0.6.3"}`: vLLM `/version`, Ollama `/api/version`. */
export function parseVersion(json: unknown): string | undefined {
  return isObject(json) ? readString(json, "version") : undefined;
}
