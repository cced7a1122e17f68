/**
 * How deeply a request body nests its arrays and objects. `JSON.parse` takes any depth, but
 * re-serialising a body (a `model` rewrite, a translation) recurses: past some 20,000 levels
 * Bun's `JSON.stringify` overflows the stack, and only after seconds of CPU — an 80 KB body cost
 * 3 s of a core and answered 500. Bodies deeper than Go's `encoding/json` accepts (Ollama's own
 * limit, 10,000) are refused before any of that.
 *
 * Cheap: each level takes two characters, so only a body longer than twice the limit is scanned
 * at all (nearly every chat request is shorter); one with no more brackets than the limit is let
 * through after a native count of them; and the scan skips strings with a native search.
 * @module
 */
import { stringEnd } from "./json-text.ts";

/** Go's `encoding/json` maxNestingDepth: what Ollama itself refuses past. */
export const MAX_JSON_DEPTH = 10_000;

/** Whether `text` (valid JSON: it has parsed) nests arrays and objects deeper than `limit`. */
export function nestsDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  if (text.length <= 2 * limit || openingsAtMost(text, limit)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}

const QUOTE = 34;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

/**
 * Whether `text` holds at most `limit` `[` and `{` in all (strings included): then nothing can
 * nest deeper. Counted with native searches, this settles a long real body (prose, code, token
 * ids: far fewer brackets than characters) at a fraction of the character scan's cost: 120 KB of
 * chat about code 117 µs instead of 511, 900 KB of token ids 29 µs instead of 2.6 ms (Bun). A
 * body with more brackets than the limit pays the count of its first 10,000 too (100–250 µs).
 */
function openingsAtMost(text: string, limit: number): boolean {
  let count = 0;
  for (let i = text.indexOf("["); i !== -1; i = text.indexOf("[", i + 1)) {
    if (++count > limit) return false;
  }
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) {
    if (++count > limit) return false;
  }
  return true;
}
