/**
 * One short phrase for a failed fetch. Bun, Deno and Node word the same failure differently
 * (Bun: `code: "ConnectionRefused"`; Deno: `TypeError: fetch failed` with the OS error in
 * `cause`), and users should see the same words on every runtime.
 */
import { redactUrl } from "./urls.ts";

const REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/ECONNREFUSED|ConnectionRefused|connection refused/i, "connection refused"],
  [
    /ENOTFOUND|EAI_AGAIN|dns error|failed to lookup|getaddrinfo|name or service not known/i,
    "host not found",
  ],
  [
    /ECONNRESET|ConnectionReset|connection reset|reset by peer|socket hang up|socket connection was closed/i,
    "connection reset",
  ],
  [/EHOSTUNREACH|ENETUNREACH|unreachable/i, "host unreachable"],
];

export function networkErrorReason(error: unknown): string {
  try {
    if ((error as Error | null)?.name === "TimeoutError") return "timed out";
    const chain: unknown[] = [];
    for (
      let current = error;
      current !== undefined && chain.length < 5;
      current = (current as Error).cause
    ) {
      chain.push(current);
      if (!(current instanceof Error)) break;
    }
    const texts = chain.map(describe);
    // Deno's messages quote the URL, with any password in it.
    const detail = redactUrl(texts.join(" | "));
    for (const [pattern, reason] of REASONS) if (pattern.test(detail)) return reason;
    if (/certificate|tls|ssl/i.test(detail)) return `TLS error: ${texts[0]}`;
    return detail || "network error";
  } catch {
    return "network error"; // a thrown value that cannot even be turned into a string
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code)
    ? `${code} ${error.message}`
    : error.message;
}
