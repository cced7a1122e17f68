/**
 * Reading JSON text without parsing it again: where a string ends, and the members of the
 * top-level object. The request-body scans (the nesting depth, duplicate top-level keys, the
 * `model` rewrite) skip every string this way, with a native search for its quote rather than a
 * look at each character.
 * @module
 */

const BACKSLASH = 92;

/**
 * Index of the quote closing the string that opens at `i`, or `text.length` when none does. A
 * quote after an odd run of backslashes is escaped (`\"`); after an even one (`\\"`) it closes.
 */
export function stringEnd(text: string, i: number): number {
  let j = i;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

/** One member of a top-level object: its key (unescaped) and where its value's text lies. */
export interface TopLevelMember {
  readonly key: string;
  /** Index of the value's first character. */
  readonly start: number;
  /** Index just past the value's last character. */
  readonly end: number;
}

/** The members of the top-level object of `text` (valid JSON: it has already parsed), in order. */
export function* topLevelMembers(text: string): Generator<TopLevelMember> {
  let i = skipSpace(text, 0);
  if (text[i] !== "{") return;
  i++;
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] !== '"') return;
    const keyEnd = stringEnd(text, i);
    const raw = text.slice(i + 1, keyEnd);
    const key = raw.includes("\\") ? JSON.parse(`"${raw}"`) as string : raw;
    const start = skipSpace(text, skipSpace(text, keyEnd + 1) + 1); // past ':'
    const end = valueEnd(text, start);
    yield { key, start, end };
    i = skipSpace(text, end);
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

/** Index just past the value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return stringEnd(text, i) + 1;
  if (first !== "{" && first !== "[") {
    let j = i;
    while (
      j < text.length && text[j] !== "," && text[j] !== "}" && text[j] !== "]" &&
      text[j] !== " " && text[j] !== "\n" && text[j] !== "\r" && text[j] !== "\t"
    ) j++;
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
