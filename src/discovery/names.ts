/**
 * DNS-SD names (RFC 6763 §4): `<Instance>.<_service>.<_proto>.local`, where the instance is one
 * label of any UTF-8 (dots and spaces included), and backend names derived from it.
 * @module
 */
import type { DnsName } from "./dns-codec.ts";

/**
 * `_ollama._tcp`, `_ollama._tcp.local` and `_ollama._tcp.local.` all mean the same browse
 * domain; only `.local` is multicast DNS.
 */
export function parseServiceType(text: string): DnsName {
  const labels = text.trim().replace(/\.+$/, "").split(".");
  if (labels[labels.length - 1]?.toLowerCase() !== "local") labels.push("local");
  return labels;
}

/** The text form users write: `_ollama._tcp.local`. */
export function formatServiceType(name: DnsName): string {
  return name.join(".");
}

/**
 * A case-insensitive key for a name (RFC 6762 §16: mDNS names compare case-insensitively).
 * Dots inside a label are escaped so `a.b` (one label) never equals `a` + `b`.
 */
export function nameKey(name: DnsName): string {
  return name.map((label) => label.toLowerCase().replace(/[\\.]/g, "\\$&")).join(".");
}

/** Text for logs: labels joined by dots (an instance label may contain dots or spaces). */
export function formatName(name: DnsName): string {
  return name.join(".");
}

/** The instance label when `name` is `<Instance>.<serviceType>`, else undefined. */
export function instanceLabel(name: DnsName, serviceType: DnsName): string | undefined {
  if (name.length !== serviceType.length + 1) return undefined;
  return nameKey(name.slice(1)) === nameKey(serviceType) ? name[0] : undefined;
}

const MAX_NAME_LENGTH = 63;
const FALLBACK_NAME = "mdns-backend";

/**
 * Backend names appear in headers, metric labels and admin URLs (`[\w.:-]` only). Accents are
 * dropped rather than the letters (`Küche` → `Kuche`); every other run of characters becomes one
 * `-`; leading and trailing dots and dashes go, so a name is never `.` or `..` in a URL path.
 */
export function sanitiseBackendName(instance: string): string {
  const name = instance
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\w.:-]+/g, "-")
    .slice(0, MAX_NAME_LENGTH)
    .replace(/^[.-]+|[.-]+$/g, "");
  return name === "" ? FALLBACK_NAME : name;
}

/** `base`, else `base-2`, `base-3` … — the first that `taken` rejects; bounded. */
export function uniqueName(base: string, taken: (name: string) => boolean): string {
  if (!taken(base)) return base;
  for (let suffix = 2; suffix < 10_000; suffix++) {
    const candidate = `${base}-${suffix}`;
    if (!taken(candidate)) return candidate;
  }
  throw new RangeError(`no free backend name for "${base}"`);
}
