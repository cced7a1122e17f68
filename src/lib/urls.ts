/**
 * URL checks shared by the config, the admin API and the CLI (zod-free, so `nexus --help` stays
 * cheap). Among them the most common first-hour mistake: a backend URL ending in `/v1`, copied
 * from a client's base URL. Nexus appends `/v1/chat/completions` (and the probe paths) itself,
 * so such a URL reaches `/v1/v1/…`. One check and one wording for the CLI, the config loader,
 * the admin API and the health probe reasons.
 * @module
 */

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** What every hint says, word for word. */
export const V1_HINT = "drop /v1: Nexus adds it";

/** True for `http://h:8000/v1` and `http://h:8000/v1/` (a path that ends in the segment `v1`). */
export function endsWithV1(url: string): boolean {
  try {
    return /\/v1\/*$/.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** `http://h:8000/v1/` → `http://h:8000`; `http://h/llm/v1` → `http://h/llm`. Other URLs unchanged. */
export function withoutV1(url: string): string {
  return endsWithV1(url) ? url.replace(/\/v1\/*$/, "") : url;
}

/**
 * `reason`, led by the hint when `url` ends in `/v1` (the probe failed because of it). The hint
 * comes first so a shortened table cell still shows it.
 */
export function withV1Hint(reason: string, url: string): string {
  return endsWithV1(url) ? `${V1_HINT} (${reason})` : reason;
}

/** A URL's scheme and user info: the authority runs to the first `/`, `?`, `#` (or space). */
const USER_INFO = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi;

/**
 * `text` as it may be shown: the user info of every URL in it (`http://user:password@host`,
 * which fetch sends as Basic auth, so a home lab may put a password-protected proxy in front of
 * a server this way) becomes `***`, so `/v1/backends`, the dashboard, logs and error messages
 * never carry the credential. Only for display: requests still go to the URL as configured.
 */
export function redactUrl(text: string): string {
  // Greedy: user info ends at the authority's last `@` (a raw `@` in a password included).
  return text.includes("@") ? text.replace(USER_INFO, "$1***@") : text;
}

/**
 * A URL someone gave that was refused (a mistyped scheme, none at all: `u:pw@host`), as the
 * refusal may quote it: everything up to its last `@` but the scheme becomes `***`. `redactUrl`
 * needs a well-formed `scheme://` to see user info, and these are the URLs that lack one.
 */
export function redactGivenUrl(url: string): string {
  return url.includes("@") ? url.replace(/^([a-z][a-z0-9+.-]*:\/+)?[\s\S]*@/i, "$1***@") : url;
}
