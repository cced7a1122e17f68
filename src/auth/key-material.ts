/**
 * What a key is made of and how it is kept. A key is `nx-` and 32 characters of base64url from
 * 24 random bytes (192 bits, from the runtime's CSPRNG). Only its SHA-256 is stored: a key this
 * random needs no salt or slow hash (nobody can guess 2^192 inputs; a slow hash guards
 * low-entropy passwords), and SHA-256 is quick enough to run on every request. Presented tokens
 * are hashed, looked up by hash, and the stored hash is compared in constant time: how long a
 * lookup takes depends on the hash of what was sent, never on how much of a real key it matches.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const KEY_PREFIX = "nx-";
const KEY_BYTES = 24;
const HASH_PREFIX = "sha256:";

export function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return KEY_PREFIX + btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** `sha256:<64 hex>`: the form a key is stored in. */
export function hashKey(key: string): string {
  return HASH_PREFIX + createHash("sha256").update(key).digest("hex");
}

export function isKeyHash(value: unknown): value is string {
  return typeof value === "string" && /^sha256:[0-9a-f]{64}$/.test(value);
}

/** Constant-time equality of two stored-form hashes. */
export function sameHash(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
