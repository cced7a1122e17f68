/**
 * What `nexus serve` tells a person at startup: a URL they can paste (never the bind address
 * `0.0.0.0`, which no other machine can use), and, when there is nothing to route to yet, what
 * to do next. Pure functions of the bind address and the host's interface addresses.
 * @module
 */
import type { NetworkAddress } from "../runtime/mod.ts";

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]", ""]);

export function isWildcard(host: string): boolean {
  return WILDCARDS.has(host);
}

/**
 * The host part of a URL clients can use: the bind address itself, or, for a wildcard bind,
 * this host's first network address (IPv4 first; IPv6 only when bound to `::`). Loopback and
 * link-local addresses are skipped: other machines cannot use them.
 */
export function reachableHost(bindHost: string, addresses: readonly NetworkAddress[]): string {
  if (!isWildcard(bindHost)) return bracketed(bindHost);
  const usable = addresses.filter((a) => !a.internal && !isLinkLocal(a.address));
  const chosen = usable.find((a) => a.family === "IPv4") ??
    (bindHost === "0.0.0.0" ? undefined : usable.find((a) => a.family === "IPv6"));
  return chosen ? bracketed(chosen.address) : "127.0.0.1";
}

/** `0.0.0.0:8000`, `[::]:8000`: how the listen line shows a wildcard bind beside the URL. */
export function bindLabel(host: string, port: number): string {
  return `${bracketed(host || "0.0.0.0")}:${port}`;
}

export interface NoBackendsHint {
  /** `http://192.168.1.20:8000`, without `/v1`. */
  readonly serverUrl: string;
  readonly discovery: boolean;
  /** `[auth] mode = "keys"`: clients need a key of their own. */
  readonly keys?: boolean;
}

/** The lines `nexus serve` logs once when it starts with no configured backend. */
export function noBackendsHint(hint: NoBackendsHint): string[] {
  return [
    'No backends yet: add one with "nexus backends add http://HOST:PORT" ' +
    "(Ollama, vLLM, llama.cpp, LM Studio …) or under [[backends]] in the config file",
    hint.discovery
      ? "mDNS discovery is on: LLM servers that announce themselves on this network are added as they are found"
      : "Discovery is off: backends come from the config file and nexus backends add only",
    hint.keys
      ? `Clients use base URL ${hint.serverUrl}/v1 with a key from: nexus keys create NAME`
      : `Clients use base URL ${hint.serverUrl}/v1 with any API key`,
  ];
}

function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function isLinkLocal(address: string): boolean {
  return address.startsWith("169.254.") || /^fe[89ab]/i.test(address);
}
