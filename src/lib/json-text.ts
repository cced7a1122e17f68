/**
 * Reading JSON text without parsing it again: where a string ends. The request-body scans (the
 * nesting depth, duplicate top-level keys) skip every string this way, with a native search for
 * its quote rather than a look at each character.
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
