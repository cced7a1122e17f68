/**
 * The only inputs of the Responses translation that do not come from the request or the
 * backend: fresh ids and the time. Passed in, so the translation stays a pure function of its
 * inputs and tests (property tests, benchmarks) can make them deterministic.
 * @module
 */

export interface IdSource {
  /** A fresh id such as `resp_…`, `msg_…`, `fc_…`, `rs_…`, `call_…`. */
  id(prefix: string): string;
  /** Unix seconds, when the backend's answer carries no `created`. */
  nowSeconds(): number;
}

/** Each byte's two hex digits: one lookup and one concatenation a byte, not four operations. */
const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** 24 random bytes as hex, like OpenAI's ids (`resp_` + 48 hex digits). */
export const randomIds: IdSource = {
  id(prefix) {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    let id = prefix;
    for (let i = 0; i < 24; i++) id += HEX_PAIRS[bytes[i]!]!;
    return id;
  },
  nowSeconds: () => Math.floor(Date.now() / 1000),
};

/** Predictable ids (`resp_1`, `msg_2` …) and a fixed time, for tests and benchmarks. */
export function countingIds(seconds = 1_700_000_000): IdSource {
  let next = 0;
  return { id: (prefix) => `${prefix}${++next}`, nowSeconds: () => seconds };
}
