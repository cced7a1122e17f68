/**
 * The headers sent to a backend. They come from an allow-list in a fresh object (never a copy of
 * the client's with deletions), so hop-by-hop and client-specific headers can never leak
 * upstream (RFC 9110 §7.6.1). A plain object with lower-case names: fetch builds its headers
 * from it natively, cheaper than a `Headers` filled by `set` calls. The client's own
 * credentials go upstream only to a backend configured with `forward_client_auth = true`: a key
 * meant for Nexus is not the backend's. A Nexus API key (`nx-…`) is never forwarded, even then:
 * with keys on, the header that carried it stays here and only the other one (a client's own key
 * for a cloud backend) may go on.
 * @module
 */
import type { DialectName } from "../dialects/mod.ts";
import { VIA_HEADER } from "../lib/loop.ts";
import type { Backend } from "../registry/mod.ts";

export interface UpstreamHeadersInput {
  readonly backend: Backend;
  readonly clientHeaders: Headers;
  readonly requestId: string;
  /** The backend's own key (from api_key_env), when it has one. */
  readonly apiKey: string | undefined;
  /** The dialect the backend is spoken to in (the plan's `upstream`). */
  readonly upstream?: DialectName;
  /** Path-specific headers from the endpoint's plan. */
  readonly extra?: Readonly<Record<string, string>>;
  /** `X-Nexus-Via`: the gateways the request passed, this Nexus last (src/lib/loop.ts). */
  readonly via?: string | undefined;
}

/**
 * A dialect's own protocol headers: the client's values go to a backend spoken to in that
 * dialect (a native Anthropic server), never to one that gets a translation.
 */
const DIALECT_HEADERS: Partial<Record<DialectName, readonly string[]>> = {
  anthropic: ["anthropic-version", "anthropic-beta"],
};

/** `nx-…` or `Bearer nx-…`: a Nexus API key (src/auth), which no backend may see. */
function isNexusKey(value: string): boolean {
  return /^\s*(bearer\s+)?nx-/i.test(value);
}

export function upstreamHeaders(input: UpstreamHeadersInput): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: input.clientHeaders.get("accept") ?? "application/json, text/event-stream",
    // Identity encoding keeps the bytes the client receives exactly the backend's: fetch would
    // otherwise decompress transparently and the framing headers would no longer match.
    "accept-encoding": "identity",
    "x-request-id": input.requestId,
  };
  if (input.via !== undefined) headers[VIA_HEADER] = input.via;
  if (input.apiKey !== undefined) {
    headers.authorization = `Bearer ${input.apiKey}`;
  } else if (input.backend.forward_client_auth) {
    const authorization = input.clientHeaders.get("authorization");
    if (authorization && !isNexusKey(authorization)) headers.authorization = authorization;
    // Anthropic clients send their key as x-api-key: only a native Anthropic server reads it.
    const apiKey = input.clientHeaders.get("x-api-key");
    if (apiKey && !isNexusKey(apiKey) && input.upstream === "anthropic") {
      headers["x-api-key"] = apiKey;
    }
  }
  const dialectHeaders = DIALECT_HEADERS[input.upstream ?? "openai"];
  if (dialectHeaders !== undefined) {
    for (const name of dialectHeaders) {
      const value = input.clientHeaders.get(name);
      if (value) headers[name] = value;
    }
  }
  if (input.extra) {
    for (const name in input.extra) headers[name.toLowerCase()] = input.extra[name]!;
  }
  return headers;
}
