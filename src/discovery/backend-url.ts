/**
 * From a resolved service to a Nexus backend: its base URL and type. Nexus base URLs carry no
 * `/v1` (the proxy appends `/v1/chat/completions`), so an `api_path` of `/v1` means the server
 * root and `/llm/v1` means `/llm` — never `/v1/v1/…`.
 * @module
 */
import type { BackendType } from "../config/mod.ts";

/**
 * Characters a prefix may hold. A query, fragment, space or percent-escape (`%2e%2e` would be
 * `..` to a URL parser) makes the whole value ignored: the server root is used instead.
 */
const SAFE_PATH = /^[\w\-.~/]*$/;

/**
 * `/v1`, `v1`, `/v1/`, `/` and `` → ``; `/llm/v1` → `/llm`; `/openai` → `/openai`. For Ollama,
 * `/api` (its native prefix, which people put there) is the root too.
 */
export function normaliseApiPath(raw: string | undefined, type: BackendType): string {
  if (raw === undefined || !SAFE_PATH.test(raw)) return "";
  let path = `/${raw}`.replace(/\/{2,}/g, "/").replace(/\/+$/, "");
  while (/\/v1$/i.test(path)) path = path.slice(0, -3);
  if (type === "ollama" && /^\/api$/i.test(path)) path = "";
  if (path.split("/").some((segment) => segment === "." || segment === "..")) return "";
  return path;
}

/** `http://10.0.0.5:11434`, `http://[fd00::5]:8000/llm`. */
export function buildBackendUrl(address: string, port: number, apiPath: string): string {
  const host = address.includes(":") ? `[${address}]` : address;
  return `http://${host}:${port}${apiPath}`;
}

/** TXT `type` when it names a known type; else `_ollama._…` → ollama; else generic. */
export function backendTypeFor(
  serviceType: readonly string[],
  txtType: BackendType | undefined,
): BackendType {
  if (txtType) return txtType;
  return serviceType[0]?.toLowerCase() === "_ollama" ? "ollama" : "generic";
}

/**
 * Addresses a backend URL can use. IPv6 link-local needs a zone (`%eth0`) that DNS cannot
 * carry, so it is skipped; so are unspecified, multicast and broadcast addresses.
 */
export function isUsableAddress(address: string): boolean {
  if (address.includes(":")) {
    const lower = address.toLowerCase();
    return !/^fe[89ab]/.test(lower) && !lower.startsWith("ff") && lower !== "::";
  }
  const first = Number(address.split(".")[0]);
  return address !== "0.0.0.0" && first < 224;
}
