/**
 * TXT records (RFC 6763 §6): `key=value` strings; keys compare case-insensitively, the first
 * occurrence of a key wins, a string without `=` is a flag. Nexus reads `type`, `api_path` and
 * `version` (REFERENCE.md A6, B8).
 * @module
 */
import { BACKEND_TYPES, type BackendType } from "../config/mod.ts";

export interface ServiceTxt {
  /** A known backend type; an unknown value is left out (the service type decides then). */
  readonly type?: BackendType;
  /** The raw `api_path`; see `normaliseApiPath`. */
  readonly apiPath?: string;
  readonly version?: string;
}

/** RFC 6763 §6.4 suggests keys of at most 9 characters; 64 leaves room and bounds the work. */
const MAX_STRINGS = 64;
const MAX_VERSION_LENGTH = 64;
const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Every `key=value` of a TXT record, keys lower-cased, first occurrence kept. */
export function readTxtStrings(strings: readonly Uint8Array[]): Map<string, string> {
  const entries = new Map<string, string>();
  for (const bytes of strings.slice(0, MAX_STRINGS)) {
    const text = utf8.decode(bytes);
    const equals = text.indexOf("=");
    const key = (equals < 0 ? text : text.slice(0, equals)).trim().toLowerCase();
    if (key === "" || entries.has(key)) continue;
    entries.set(key, equals < 0 ? "" : text.slice(equals + 1));
  }
  return entries;
}

export function parseServiceTxt(strings: readonly Uint8Array[]): ServiceTxt {
  const entries = readTxtStrings(strings);
  const type = parseBackendType(entries.get("type"));
  const apiPath = entries.get("api_path")?.trim();
  const version = cleanVersion(entries.get("version"));
  return {
    ...(type ? { type } : {}),
    ...(apiPath ? { apiPath } : {}),
    ...(version ? { version } : {}),
  };
}

/** `Ollama`, `llama.cpp`, `lm-studio` are what people type; compare letters and digits only. */
export function parseBackendType(value: string | undefined): BackendType | undefined {
  if (value === undefined) return undefined;
  const compact = value.toLowerCase().replace(/[^a-z0-9]/g, "");
  return (BACKEND_TYPES as readonly string[]).includes(compact)
    ? compact as BackendType
    : undefined;
}

/** Versions end up in JSON and log lines: printable, short. */
function cleanVersion(value: string | undefined): string | undefined {
  const cleaned = value?.replace(/[^\x21-\x7e]/g, "").slice(0, MAX_VERSION_LENGTH);
  return cleaned || undefined;
}
