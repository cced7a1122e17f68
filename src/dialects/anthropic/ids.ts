/**
 * The only inputs of the Anthropic translation that come from neither the request nor the
 * backend: fresh message ids, and tool-use ids for a backend's tool call that has none. Passed
 * in, so tests and benchmarks can make them deterministic.
 * @module
 */

export interface IdSource {
  /** `msg_…` */
  message(): string;
  /** `toolu_…`, for a tool call the backend gave no id (the backend's own id is kept otherwise). */
  toolUse(): string;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Anthropic-looking ids: a prefix and 24 random base-62 characters. */
function randomId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let id = prefix;
  for (const byte of bytes) id += BASE62[byte % 62]!;
  return id;
}

export const randomIds: IdSource = {
  message: () => randomId("msg_"),
  toolUse: () => randomId("toolu_"),
};

/** `msg_1`, `toolu_2` …: for tests and benchmarks. */
export function countingIds(): IdSource {
  let next = 0;
  return { message: () => `msg_${++next}`, toolUse: () => `toolu_${++next}` };
}
