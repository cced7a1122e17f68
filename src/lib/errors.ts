/**
 * The base class for errors Nexus expects and handles. Each carries a stable `code` so callers
 * branch on it instead of parsing messages; `src/api/errors.ts` alone maps codes to HTTP.
 * @module
 */

/** `E_UPPER_SNAKE` codes, e.g. `E_CONFIG_INVALID`, `E_USAGE`; each area declares its own. */
export type ErrorCode = `E_${string}`;

export class NexusError extends Error {
  override name = "NexusError";
  constructor(readonly code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A short, single-line description of any thrown value, for messages and logs. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : "";
  return cause && !error.message.includes(cause) ? `${error.message}: ${cause}` : error.message;
}
