/**
 * Secrets stay secret: `Redactor` removes every configured secret (backend API keys, the admin
 * token) and the client's own credential from upstream text before Nexus copies it anywhere (an
 * error message, a log line, `last_error`); `constantTimeEqual` compares a presented token
 * without telling, by its timing, how much of it was right.
 * @module
 */

export const REDACTED = "[redacted]";
/** Shorter values are not searched for: they would blank out ordinary words, not secrets. */
const MIN_SECRET_LENGTH = 8;

export class Redactor {
  #secrets: readonly string[] | undefined;
  #source: (() => Iterable<string | undefined>) | undefined;

  /**
   * `secrets` may be a function: it is then read on the first `redact`/`holdsSecret`, so a
   * request's redactor costs nothing until some upstream text has to be copied somewhere.
   */
  constructor(secrets: Iterable<string | undefined> | (() => Iterable<string | undefined>)) {
    if (typeof secrets === "function") this.#source = secrets;
    else this.#secrets = prepare(secrets);
  }

  /** This redactor plus `extra` (a request's own credentials: a function defers reading them). */
  with(extra: Iterable<string | undefined> | (() => Iterable<string | undefined>)): Redactor {
    return new Redactor(() => [
      ...this.#list(),
      ...(typeof extra === "function" ? extra() : extra),
    ]);
  }

  #list(): readonly string[] {
    if (this.#secrets === undefined) {
      this.#secrets = prepare(this.#source!());
      this.#source = undefined;
    }
    return this.#secrets;
  }

  /** `text` with every secret replaced by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#list()) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    }
    return out;
  }

  /** Whether `text` holds any secret (cheap: for bodies that are usually clean). */
  holdsSecret(text: string): boolean {
    return this.#list().some((secret) => text.includes(secret));
  }

  get size(): number {
    return this.#list().length;
  }
}

/** Long enough to be a secret, each once, longest first (one that contains another is replaced whole). */
function prepare(secrets: Iterable<string | undefined>): readonly string[] {
  const unique = new Set<string>();
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) unique.add(secret);
  }
  return [...unique].sort((a, b) => b.length - a.length);
}

/** The credentials a client sent: the Authorization value (without its scheme) and API-key headers. */
export function clientCredentials(headers: Headers): string[] {
  const found: string[] = [];
  const authorization = headers.get("authorization");
  if (authorization) {
    found.push(authorization.trim());
    const space = authorization.trim().indexOf(" ");
    if (space > 0) found.push(authorization.trim().slice(space + 1).trim());
  }
  for (const name of ["x-api-key", "api-key"]) {
    const value = headers.get(name);
    if (value) found.push(value.trim());
  }
  return found;
}

/**
 * Compares two strings in time that depends only on their lengths, never on where they first
 * differ. A length mismatch still walks the presented value, so its timing says nothing either.
 */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const a = encoder.encode(presented);
  const b = encoder.encode(expected);
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ (b[i % Math.max(1, b.length)] ?? 0);
  return difference === 0;
}

/** The token of an `Authorization: Bearer <token>` header, the scheme in any case. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match?.[1];
}

const encoder = new TextEncoder();
