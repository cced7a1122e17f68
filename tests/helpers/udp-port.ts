/**
 * A UDP port for a test's private mDNS traffic on loopback. Sockets share ports (reuseAddr), so
 * "free" cannot be checked by binding: a random high port keeps two suites running at the same
 * time on one machine (other worktrees, bun and deno) from hearing each other.
 */
export function randomMdnsPort(): number {
  return 20_000 + Math.floor(Math.random() * 40_000);
}

/** A label no other run uses, so a stray packet from elsewhere can never match. */
export function uniqueLabel(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
