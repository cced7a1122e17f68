/**
 * API keys: who may use the gateway, with what limits, and what they used (docs/api.md,
 * "API keys"; docs/architecture.md, "Keys, limits and shared state").
 *
 * ```ts
 * const auth = new Auth({ config: config.auth, keysFile, files: runtime, clock, logger, resolveModel });
 * await auth.start();
 * const who = auth.guard.authenticate(request.headers, peerAddress); // KeyIdentity | Failure
 * ```
 * @module
 */
export { Auth, type AuthDeps, usageFileOf } from "./service.ts";
export { KeyGuard, type KeyIdentity } from "./guard.ts";
export { KeyError, KeyStore, type NewKey } from "./key-store.ts";
export { generateKey, hashKey, KEY_PREFIX, sameHash } from "./key-material.ts";
export { KeyRing, type KnownKey } from "./key-ring.ts";
export type { KeyPass, KeyUse, UseOutcome } from "./pass.ts";
export {
  isLimit,
  isUsable,
  KEY_NAME_PATTERN,
  keyNameProblem,
  type KeyRecord,
  parseKeysFile,
  publicView,
  serialiseKeys,
} from "./records.ts";
export { presentedTokens } from "./credentials.ts";
export { modelMatcher } from "./globs.ts";
export { formatDuration, rateLimitHeaders } from "./rate-headers.ts";
export { AuthThrottle } from "./throttle.ts";
