/**
 * A key as the keys file, the admin API and Redis hold it: name, hash, dates, models and limits —
 * never the key. The file is `{"version":1,"keys":[…]}`, written atomically with mode 0600.
 * A revoked key stays as a record (`enabled: false`, `revoked_at`) so that an instance which
 * missed the revocation cannot bring it back: between two records of one name, the later
 * `updated_at` wins.
 * @module
 */
import type { KeyLimits } from "../state/mod.ts";
import { isKeyHash } from "./key-material.ts";

export interface KeyRecord extends KeyLimits {
  readonly name: string;
  readonly hash: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly expires_at: string | null;
  /** Model globs the key may use (`llama3*`, `qwen2.5-coder:32b`); null: every model. */
  readonly models: readonly string[] | null;
  readonly enabled: boolean;
  readonly revoked_at: string | null;
}

/** Key names appear in logs, metric labels and URLs: safe characters, and `usage` is a route. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][\w.:@-]{0,63}$/;
const RESERVED_NAMES = new Set(["usage"]);

export function keyNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || !KEY_NAME_PATTERN.test(name)) {
    return "a key name is 1-64 letters, digits and . _ : @ - (starting with a letter or digit)";
  }
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved; choose another name`;
  return undefined;
}

/** Usable now: enabled and not expired. */
export function isUsable(record: KeyRecord, now: number): boolean {
  return record.enabled && (record.expires_at === null || Date.parse(record.expires_at) > now);
}

/** Of two records of one name, the one to keep. */
export function newer(a: KeyRecord, b: KeyRecord): KeyRecord {
  return b.updated_at > a.updated_at ? b : a;
}

/** What `GET /v1/keys` and `nexus keys list` show: everything but the hash. */
export function publicView(record: KeyRecord, now: number) {
  return {
    name: record.name,
    status: !record.enabled ? "revoked" : isUsable(record, now) ? "active" : "expired",
    created_at: record.created_at,
    expires_at: record.expires_at,
    revoked_at: record.revoked_at,
    models: record.models,
    rpm: record.rpm,
    tpm: record.tpm,
    concurrency: record.concurrency,
  };
}

export function serialiseKeys(records: Iterable<KeyRecord>): string {
  const keys = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return JSON.stringify({ version: 1, keys }, null, 2) + "\n";
}

/** The records of a keys file, or what is wrong with it. */
export function parseKeysFile(text: string): KeyRecord[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return 'expected {"version": 1, "keys": [...]}';
  const records: KeyRecord[] = [];
  for (const [index, entry] of keys.entries()) {
    const record = parseRecord(entry);
    if (typeof record === "string") return `keys[${index}]: ${record}`;
    records.push(record);
  }
  return records;
}

/** A record from JSON (the file, or another instance through Redis), checked field by field. */
export function parseRecord(entry: unknown): KeyRecord | string {
  if (entry === null || typeof entry !== "object") return "not an object";
  const e = entry as Record<string, unknown>;
  const nameProblem = keyNameProblem(e.name);
  if (nameProblem) return `name: ${nameProblem}`;
  if (!isKeyHash(e.hash)) return "hash: expected sha256:<64 hex digits>";
  for (const field of ["created_at", "updated_at"] as const) {
    if (!isDate(e[field])) return `${field}: expected an ISO date`;
  }
  for (const field of ["expires_at", "revoked_at"] as const) {
    if (e[field] !== undefined && e[field] !== null && !isDate(e[field])) {
      return `${field}: expected an ISO date or null`;
    }
  }
  if (
    e.models !== undefined && e.models !== null &&
    !(Array.isArray(e.models) && e.models.every((m) => typeof m === "string" && m !== ""))
  ) return "models: expected a list of model names or globs, or null";
  for (const field of ["rpm", "tpm", "concurrency"] as const) {
    if (e[field] !== undefined && e[field] !== null && !isLimit(e[field])) {
      return `${field}: expected a whole number from 1, or null`;
    }
  }
  if (e.enabled !== undefined && typeof e.enabled !== "boolean") return "enabled: true or false";
  return {
    name: e.name as string,
    hash: e.hash,
    created_at: e.created_at as string,
    updated_at: e.updated_at as string,
    expires_at: (e.expires_at as string | undefined) ?? null,
    models: (e.models as string[] | undefined) ?? null,
    rpm: (e.rpm as number | undefined) ?? null,
    tpm: (e.tpm as number | undefined) ?? null,
    concurrency: (e.concurrency as number | undefined) ?? null,
    enabled: (e.enabled as boolean | undefined) ?? true,
    revoked_at: (e.revoked_at as string | undefined) ?? null,
  };
}

export function isLimit(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

function isDate(value: unknown): value is string {
  return typeof value === "string" && !Number.isNaN(Date.parse(value));
}
