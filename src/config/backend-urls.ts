/**
 * A backend's base URL as Nexus keeps it, and the name a backend without one gets from it.
 * @module
 */

/** Base URLs are kept without a trailing slash so paths join predictably. */
export function normaliseBaseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/** `http://gpu-box.local:11434` → `gpu-box.local-11434`: readable, and unique per host and port. */
export function nameFromUrl(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "").replace(/[^\w.-]/g, "_");
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  return `${host}-${port}`;
}
