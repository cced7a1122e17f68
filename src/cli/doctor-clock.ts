/**
 * Clock skew: a server's `Date` header against this machine's clock (a backend's, or the running
 * Nexus's), worth a line past half a minute.
 * @module
 */
import { type Finding, finding } from "./doctor-report.ts";

/** A clock this far off is worth a line (Ollama's expires_at, preload times, TLS). */
const SKEW_WARN_SECONDS = 30;

/** A `Date` header compared with `now` (wall ms); undefined when there is none. */
export function skewFinding(
  check: string,
  subject: string,
  date: string | null,
  now: number,
): Finding | undefined {
  const at = date === null ? NaN : Date.parse(date);
  if (Number.isNaN(at)) return undefined;
  const seconds = Math.round((now - at) / 1000);
  // HTTP dates have one-second resolution: a second or two is no skew.
  if (Math.abs(seconds) <= SKEW_WARN_SECONDS) {
    return finding(check, subject, "ok", `clock within ${SKEW_WARN_SECONDS} s of this machine's`);
  }
  return finding(
    check,
    subject,
    "warn",
    `clock is ${Math.abs(seconds)} s ${seconds > 0 ? "behind" : "ahead of"} this machine's`,
    "turn on time sync on both machines (timedatectl set-ntp true)",
  );
}
