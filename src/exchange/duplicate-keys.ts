/**
 * Duplicate top-level keys. `JSON.parse` keeps the last `"model"` of `{"model":"a",…,"model":"b"}`
 * while a backend's parser may keep the first: Nexus would route one model and the backend run
 * another. Such a body is refused.
 *
 * Kept cheap: a body up to 64 KiB (nearly every chat request) is first searched for the keys'
 * quoted names and for `\u` escapes (which could spell a key another way), and only a suspect is
 * scanned. A larger body goes straight to the scan, which reads only the top level and skips
 * every string with a native search — cheaper than three full searches of an 8 MiB body.
 * @module
 */

import { type Failure, failure } from "../lib/failures.ts";
import { topLevelMembers } from "../lib/json-text.ts";

/** Keys Nexus routes on: a body with two of one could be read differently by a backend. */
const ROUTED_KEYS = ["model", "stream"] as const;
/** Each routed key as it is written in JSON, built once. */
const QUOTED: ReadonlyMap<string, string> = new Map(ROUTED_KEYS.map((key) => [key, `"${key}"`]));

/** Bodies up to this size get the textual pre-check; larger ones are scanned directly. */
const PRECHECK_CHARS = 64 * 1024;

/** 400 naming the routed key `text` has twice, if it has one (`body`: `text` parsed). */
export function duplicateKeyFailure(
  text: string,
  body: Record<string, unknown>,
): Failure | undefined {
  // A key the parsed body lacks cannot be there twice: only the present ones are looked for.
  const twice = duplicateKey(text, ROUTED_KEYS, body);
  return twice === undefined ? undefined : failure(
    "invalid_request",
    `Request body has the key "${twice}" more than once; send it once`,
    { param: twice },
  );
}

/**
 * The first of `keys` that appears more than once at the top level of `text`, if any; with
 * `body` (`text` parsed), only the keys it has. The pre-check allocates nothing when no key is
 * suspect (every request pays for it): a loop, not `filter`s and quoted names built per key.
 */
export function duplicateKey(
  text: string,
  keys: readonly string[],
  body?: Record<string, unknown>,
): string | undefined {
  if (text.length > PRECHECK_CHARS || text.includes("\\u")) {
    const present = body === undefined ? keys : keys.filter((key) => Object.hasOwn(body, key));
    return present.length === 0 ? undefined : firstRepeated(text, present);
  }
  let suspects: string[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (body !== undefined && !Object.hasOwn(body, key)) continue;
    const quoted = QUOTED.get(key) ?? `"${key}"`;
    const first = text.indexOf(quoted);
    if (first !== -1 && text.indexOf(quoted, first + quoted.length) !== -1) {
      (suspects ??= []).push(key);
    }
  }
  return suspects === undefined ? undefined : firstRepeated(text, suspects);
}

function firstRepeated(text: string, keys: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const { key } of topLevelMembers(text)) {
    if (!keys.includes(key)) continue;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}
