/**
 * Backend API keys, read from the environment variables the config names (`api_key_env`): the
 * reader every upstream request and probe uses, the redactor of every configured secret, and
 * the startup warning for a variable that is not set.
 * @module
 */
import type { BackendConfig, NexusConfig } from "./config/mod.ts";
import type { Logger } from "./lib/logger.ts";
import { Redactor } from "./lib/secrets.ts";
import type { Backend } from "./registry/mod.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** A backend's key, read when asked (an empty variable is no key). */
export function apiKeyReader(env: Env): (backend: Backend) => string | undefined {
  return (backend) => backend.api_key_env ? env[backend.api_key_env] || undefined : undefined;
}

/** Every configured secret: redacted from upstream text Nexus copies anywhere. */
export function secretsRedactor(env: Env): (settings: NexusConfig) => Redactor {
  return (settings) =>
    new Redactor([
      settings.server.admin_token,
      ...settings.backends.map((b) => (b.api_key_env ? env[b.api_key_env] : undefined)),
    ]);
}

export function warnIfKeyUnset(backend: BackendConfig, env: Env, logger: Logger): void {
  if (backend.api_key_env && !env[backend.api_key_env]) {
    logger.warn("backend API key variable is not set", {
      backend: backend.name,
      api_key_env: backend.api_key_env,
    });
  }
}
