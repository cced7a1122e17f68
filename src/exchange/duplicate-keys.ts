/**
 * Duplicate top-level keys. `JSON.parse` keeps the last `"model"` of `{"model":"a",…,"model":"b"}`
 * while a backend's parser may keep the first: Nexus would route one model and the backend run
 * another. Such a body is refused. The check costs two `indexOf` calls per key on a normal body:
 * the scan below runs only when a key's quoted name appears twice, or when the body has `\u`
 * escapes (which could spell a key another way).
 * @module
 */

/** The first of `keys` that appears more than once at the top level of `text`, if any. */
export function duplicateKey(text: string, keys: readonly string[]): string | undefined {
  const escaped = text.includes("\\u");
  const suspects = escaped ? keys : keys.filter((key) => {
    const quoted = `"${key}"`;
    const first = text.indexOf(quoted);
    return first !== -1 && text.indexOf(quoted, first + quoted.length) !== -1;
  });
  if (suspects.length === 0) return undefined;
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (!suspects.includes(key)) continue;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}

/** The keys of the top-level object of `text` (valid JSON: it has already parsed). */
function* topLevelKeys(text: string): Generator<string> {
  let i = skipSpace(text, 0);
  if (text[i] !== "{") return;
  i++;
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] !== '"') return;
    const end = stringEnd(text, i);
    const raw = text.slice(i + 1, end);
    yield raw.includes("\\") ? JSON.parse(`"${raw}"`) as string : raw;
    i = skipSpace(text, end + 1) + 1; // past ':'
    i = valueEnd(text, skipSpace(text, i));
    i = skipSpace(text, i);
    if (text[i] !== ",") return;
    i++;
  }
}

function skipSpace(text: string, i: number): number {
  while (
    i < text.length && (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t")
  ) i++;
  return i;
}

/** Index of the closing quote of the string opening at `i`. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === '"') return j;
  }
  return text.length;
}

/** Index just past the value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return stringEnd(text, i) + 1;
  if (first !== "{" && first !== "[") {
    let j = i;
    while (j < text.length && text[j] !== "," && text[j] !== "}" && text[j] !== "]") j++;
    return j;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"') j = stringEnd(text, j);
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return text.length;
}
