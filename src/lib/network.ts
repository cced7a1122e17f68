/**
 * One short phrase for a failed fetch. Bun, Deno and Node word the same failure differently
 * (Bun: `code: "ConnectionRefused"`; Deno: `TypeError: fetch failed` with the OS error in
 * `cause`), and users should see the same words on every runtime.
 */
export function networkErrorReason(error: unknown): string {
  const chain: unknown[] = [];
  for (
    let current = error;
    current !== undefined && chain.length < 5;
    current = (current as Error).cause
  ) {
    chain.push(current);
    if (!(current instanceof Error)) break;
  }
  const codes = chain.map((e) => String((e as { code?: unknown } | null)?.code ?? ""));
  const texts = chain.map((e) => (e instanceof Error ? e.message : String(e))).join(" | ");
  if ((error as Error | null)?.name === "TimeoutError") return "timed out";
  if (
    codes.some((c) => c === "ConnectionRefused" || c === "ECONNREFUSED") ||
    /connection refused/i.test(texts)
  ) {
    return "connection refused";
  }
  if (
    codes.some((c) => c === "ECONNRESET" || c === "ConnectionReset") ||
    /reset by peer|ECONNRESET|socket connection was closed/i.test(texts)
  ) {
    return "connection reset";
  }
  if (/dns|getaddrinfo|ENOTFOUND|failed to lookup|name or service not known/i.test(texts)) {
    return "host not found";
  }
  if (/certificate|tls|ssl/i.test(texts)) return `TLS error: ${texts}`;
  return texts;
}
