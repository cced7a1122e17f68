/**
 * A request URL's path, two ways: the plain one the front-door shortcut matches on (no decoding
 * needed), and one for a log line (whatever the URL holds).
 * @module
 */

/**
 * The path of `url` when it needs no decoding (no `%`), without its query string; undefined
 * otherwise (Hono then decodes it as it always does).
 */
export function plainPath(url: string): string | undefined {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return undefined;
  const query = url.indexOf("?", start);
  const path = query < 0 ? url.slice(start) : url.slice(start, query);
  return path.includes("%") ? undefined : path;
}

/** The path of `url`, for a log line. */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
