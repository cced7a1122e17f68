/**
 * mDNS / DNS-SD discovery (REFERENCE.md A6): browses `discovery.service_types`, resolves each
 * instance (PTR → SRV → A/AAAA → TXT) and keeps the registry in step — found backends are added
 * `unknown` and probed at once, vanished ones turn `unknown` and leave after the grace period.
 * The DNS codec is Nexus's own and pure; the socket comes from the runtime adapter.
 *
 * ```ts
 * const discovery = new Discovery({
 *   registry, clock, logger, config: config.discovery,
 *   openSocket: (options) => runtime.openMulticast(options),
 *   probe: (backend) => health.check(backend),
 * });
 * await discovery.start(); // false after one warning when multicast is unavailable
 * ```
 * @module
 */
export { Discovery, type DiscoveryDeps, type OpenMulticast } from "./discovery.ts";
export {
  type BrowserDeps,
  type BrowserEvent,
  FIRST_REQUERY_MS,
  MAX_REQUERY_MS,
  ServiceBrowser,
} from "./browser.ts";
export type { ResolvedService } from "./resolve.ts";
export {
  decodeMessage,
  DnsFormatError,
  type DnsMessage,
  type DnsName,
  type DnsQuestion,
  type DnsRecord,
  encodeQuery,
  MAX_MESSAGE_BYTES,
} from "./dns-codec.ts";
export { parseServiceTxt, readTxtStrings, type ServiceTxt } from "./txt.ts";
export { backendTypeFor, buildBackendUrl, normaliseApiPath } from "./backend-url.ts";
export { parseServiceType, sanitiseBackendName, uniqueName } from "./names.ts";
export { socketOptionsFromEnv } from "./env.ts";
