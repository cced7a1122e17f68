/**
 * Label values from request data (model names above all) are bounded: each `LabelCache` admits
 * at most `capacity` distinct values and maps every later newcomer to `other`, so a client
 * sending 10,000 made-up model names cannot grow the series count or the memory behind it.
 * Values keep their real spelling (`llama3:8b`, not `llama3_8b`): Prometheus label values may
 * be any UTF-8, and people match them against `/v1/models` ids.
 * @module
 */

/** The label value every value past a cache's capacity shares. */
export const OTHER = "other";
/** The label value for "no such thing": no model in the request, no backend tried. */
export const NONE = "none";

/** Longer values are cut: a label is for grouping, not for storing what a client sent. */
const MAX_LABEL_LENGTH = 128;
/** Raw strings longer than this are never cached as keys, so the cache's memory is bounded too. */
const MAX_KEY_LENGTH = 256;
/** Control characters and lone surrogates (invalid UTF-8 once encoded) become `_`. */
const UNSAFE =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function sanitiseLabel(value: string): string {
  const cut = value.length > MAX_LABEL_LENGTH ? value.slice(0, MAX_LABEL_LENGTH) : value;
  const safe = cut.replace(UNSAFE, "_");
  return safe === "" ? NONE : safe;
}

export class LabelCache {
  readonly #capacity: number;
  readonly #values = new Map<string, string>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The label for `raw`: its sanitised self while there is room, `other` after that. */
  get(raw: string): string {
    const known = this.#values.get(raw);
    if (known !== undefined) return known;
    if (this.#values.size >= this.#capacity) return OTHER;
    const label = sanitiseLabel(raw);
    // A long raw value is remembered by its cut form only, so keys stay small.
    const key = raw.length > MAX_KEY_LENGTH ? label : raw;
    const existing = this.#values.get(key);
    if (existing !== undefined) return existing;
    this.#values.set(key, label);
    return label;
  }

  get size(): number {
    return this.#values.size;
  }
}
