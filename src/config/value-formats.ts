/**
 * The formats single config values must have (origins, service types, MAC and IPv4 addresses,
 * times of day, backend names), each with the message a config error shows. The schema applies
 * them; the statefile and the admin API check names with the same pattern.
 * @module
 */

/** Backend names appear in headers, metric labels and URLs: keep them to safe characters. */
export const BACKEND_NAME_PATTERN = /^[\w.:-]+$/;

export const ORIGIN_MESSAGE =
  'must be "*" or an origin like "http://chat.lan:3000" (scheme, host, port)';

/** `scheme://host[:port]` and nothing else, or `*`: what a browser sends in `Origin`. */
export function isOrigin(value: string): boolean {
  if (value === "*") return true;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}

/** DNS-SD service types on mDNS: `_name._tcp` or `_name._udp`, optionally `.local` / `.local.`. */
export const SERVICE_TYPE_PATTERN = /^_[A-Za-z0-9-]{1,62}\._(tcp|udp)(\.local)?\.?$/i;

/** `aa:bb:cc:dd:ee:ff` or `aa-bb-…`, any case; kept lower-case with colons. */
export const MAC_PATTERN = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;
export const IPV4_PATTERN =
  /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** `HH:MM`, 24-hour local time. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
