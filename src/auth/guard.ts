/**
 * The two questions an inference request answers under `[auth] mode = "keys"`: who is asking
 * (`authenticate`: a usable key in Authorization or x-api-key, else 401 — the same answer for a
 * missing, unknown, revoked or expired key; an address that keeps failing gets 429 first), and
 * may this request start (`admit`: the key may use the model, aliases resolved first, and its
 * per-minute requests and tokens and its concurrent requests allow it, else 403 or 429 with
 * `Retry-After` and `x-ratelimit-*`). Both are cheap: a hash and two map lookups, and the limit
 * store (in process, or one Redis round trip).
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import { type Failure, failure } from "../lib/failures.ts";
import type { AdmitRequest, Decision, LimitName, LimitStore } from "../state/mod.ts";
import type { KeyRing, KnownKey } from "./key-ring.ts";
import { AdmittedPass, type KeyPass, type KeyUse, type RecordUse, RefusedUse } from "./pass.ts";
import { presentedTokens } from "./credentials.ts";
import { rateLimitHeaders } from "./rate-headers.ts";
import type { AuthThrottle } from "./throttle.ts";

/** A caller whose key checked out. */
export interface KeyIdentity {
  readonly known: KnownKey;
}

export interface GuardDeps {
  readonly ring: KeyRing;
  readonly limits: LimitStore;
  readonly throttle: AuthThrottle;
  readonly clock: Clock;
  /** The model a requested name reaches (aliases, `:latest`, wildcard aliases). */
  readonly resolveModel: (model: string) => string;
  readonly recordUse: RecordUse;
}

const UNAUTHORIZED =
  "Missing or invalid API key: send it as Authorization: Bearer <key> (or in x-api-key)";
const LIMIT_WORDS: Record<LimitName, string> = {
  requests: "requests per minute",
  tokens: "tokens per minute",
  concurrency: "requests at once",
};

export class KeyGuard {
  readonly #deps: GuardDeps;
  #leases = 0;
  readonly #instance = crypto.randomUUID().slice(0, 8);

  constructor(deps: GuardDeps) {
    this.#deps = deps;
  }

  authenticate(headers: Headers, address: string): KeyIdentity | Failure {
    const { throttle, ring, clock } = this.#deps;
    const wait = throttle.waitMs(address);
    if (wait > 0) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      return failure(
        "auth_throttled",
        `Too many failed authentications from this address; retry in ${seconds} s`,
        { retryAfter: String(seconds) },
      );
    }
    const now = clock.now();
    const tokens = presentedTokens(headers);
    for (const token of tokens) {
      const known = ring.verify(token, now);
      if (known !== undefined) return { known };
    }
    // Only a credential that was presented is a guess. A request with none (a client not yet
    // given its key, `nexus models` run on the host) is refused without counting, or it would
    // lock the address's real keys out for a minute.
    if (tokens.length > 0 || headers.has("authorization")) throttle.failed(address);
    return failure("unauthorized", UNAUTHORIZED);
  }

  /** Whether the request carries a usable key; no throttling, no log (`/health`'s details). */
  identifies(headers: Headers): boolean {
    const now = this.#deps.clock.now();
    return presentedTokens(headers).some((token) => this.#deps.ring.verify(token, now));
  }

  /** The same refusal as for an unknown key, for a key revoked elsewhere (found by Redis). */
  unauthorized(address: string): Failure {
    this.#deps.throttle.failed(address);
    return failure("unauthorized", UNAUTHORIZED);
  }

  /** Whether the key may use `model` now: a pass to hold until the request ends, or why not. */
  admit(
    identity: KeyIdentity,
    model: string,
    estimate: number,
    address: string,
  ):
    | { pass: KeyPass }
    | { refused: Failure; use?: KeyUse }
    | Promise<
      { pass: KeyPass } | { refused: Failure; use?: KeyUse }
    > {
    const { record, allows } = identity.known;
    if (!allows(this.#deps.resolveModel(model))) {
      return {
        refused: failure("forbidden", `This API key may not use the model "${model}"`, {
          param: "model",
        }),
        use: new RefusedUse(record.name, this.#deps.recordUse),
      };
    }
    const request: AdmitRequest = {
      name: record.name,
      hash: record.hash,
      limits: record,
      estimate: Math.max(0, Math.ceil(estimate)),
      lease: `${this.#instance}:${this.#leases++}`,
    };
    const decision = this.#deps.limits.admit(request);
    return decision instanceof Promise
      ? decision.then((decided) => this.#decided(request, decided, address))
      : this.#decided(request, decision, address);
  }

  #decided(
    request: AdmitRequest,
    decision: Decision,
    address: string,
  ): { pass: KeyPass } | { refused: Failure; use?: KeyUse } {
    if (decision.revoked) return { refused: this.unauthorized(address) };
    const headers = rateLimitHeaders(decision);
    if (decision.ok) {
      return {
        pass: new AdmittedPass(
          request,
          decision.held,
          headers,
          this.#deps.limits,
          this.#deps.recordUse,
        ),
      };
    }
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    const limit = decision.limited!;
    const value = limit === "requests"
      ? request.limits.rpm
      : limit === "tokens"
      ? request.limits.tpm
      : request.limits.concurrency;
    return {
      refused: failure(
        "rate_limited",
        `This API key's limit of ${value} ${LIMIT_WORDS[limit]} is reached; retry in ${seconds} s`,
        { retryAfter: String(seconds), headers },
      ),
      use: new RefusedUse(request.name, this.#deps.recordUse),
    };
  }
}
