/**
 * Resolution of one service instance from the cache: PTR → SRV (host, port) → A/AAAA → TXT.
 * Choices are sticky: while the SRV or address in use is still cached it stays chosen, so a host
 * announcing two addresses never flips between them; a replaced record (cache-flush, goodbye,
 * expiry) hands over to the next one. IPv4 is preferred over IPv6.
 * @module
 */
import type { BackendType } from "../config/mod.ts";
import {
  backendTypeFor,
  buildBackendUrl,
  isUsableAddress,
  normaliseApiPath,
} from "./backend-url.ts";
import type { CachedRecord, RecordCache } from "./cache.ts";
import {
  type DnsName,
  type DnsQuestion,
  type DnsRecord,
  RR_A,
  RR_AAAA,
  RR_PTR,
  RR_SRV,
  RR_TXT,
} from "./dns-codec.ts";
import { formatName, formatServiceType, instanceLabel, nameKey } from "./names.ts";
import { parseServiceTxt } from "./txt.ts";

/** A service instance Nexus can talk to. */
export interface ResolvedService {
  /** Case-insensitive key of the instance's full name. */
  readonly key: string;
  /** The instance label as announced (`ollama gpu1`). */
  readonly instance: string;
  readonly serviceType: string;
  /** SRV target host (`gpu1.local`). */
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly type: BackendType;
  readonly url: string;
  /** TXT `version`, when announced. */
  readonly version?: string;
}

export interface Resolution {
  readonly service: ResolvedService;
  /** Cache identities it rests on: losing one of them loses the service. */
  readonly ptr: string;
  readonly srv: string;
  readonly address: string;
}

export interface Candidate {
  readonly key: string;
  readonly name: DnsName;
  readonly instance: string;
  readonly serviceType: DnsName;
  readonly ptr: CachedRecord;
}

/** Every instance some PTR of a browsed service type points at. */
export function findCandidates(cache: RecordCache, serviceTypes: readonly DnsName[]): Candidate[] {
  const candidates = new Map<string, Candidate>();
  for (const serviceType of serviceTypes) {
    for (const ptr of cache.find(nameKey(serviceType), RR_PTR)) {
      if (ptr.record.data.type !== RR_PTR) continue;
      const name = ptr.record.data.target;
      const instance = instanceLabel(name, serviceType);
      const key = nameKey(name);
      if (instance !== undefined && !candidates.has(key)) {
        candidates.set(key, { key, name, instance, serviceType, ptr });
      }
    }
  }
  return [...candidates.values()];
}

/** A PTR of a browsed type naming an instance of it, or an SRV/TXT of such an instance. */
export function isServiceRecord(
  record: DnsRecord,
  serviceTypes: ReadonlyMap<string, DnsName>,
): boolean {
  const { data } = record;
  if (data.type === RR_PTR) {
    const serviceType = serviceTypes.get(nameKey(record.name));
    return serviceType !== undefined && instanceLabel(data.target, serviceType) !== undefined;
  }
  if (data.type !== RR_SRV && data.type !== RR_TXT) return false;
  for (const serviceType of serviceTypes.values()) {
    if (instanceLabel(record.name, serviceType) !== undefined) return true;
  }
  return false;
}

/** Keys of every host a cached SRV of a candidate points at. */
export function srvTargets(cache: RecordCache, serviceTypes: readonly DnsName[]): Set<string> {
  const targets = new Set<string>();
  for (const candidate of findCandidates(cache, serviceTypes)) {
    for (const srv of cache.find(candidate.key, RR_SRV)) {
      if (srv.record.data.type === RR_SRV) targets.add(nameKey(srv.record.data.target));
    }
  }
  return targets;
}

/** The candidate's service, or undefined plus the questions that would complete it. */
export function resolveCandidate(
  cache: RecordCache,
  candidate: Candidate,
  previous: Resolution | undefined,
): { resolution?: Resolution; missing: DnsQuestion[] } {
  const srvs = cache.find(candidate.key, RR_SRV).filter((entry) =>
    entry.record.data.type === RR_SRV && entry.record.data.port > 0 &&
    entry.record.data.target.length > 0
  );
  const srv = sticky(srvs, previous?.srv);
  if (!srv || srv.record.data.type !== RR_SRV) {
    return {
      missing: [{ name: candidate.name, type: RR_SRV }, { name: candidate.name, type: RR_TXT }],
    };
  }
  const target = srv.record.data.target;
  const usable = (entry: CachedRecord) =>
    "address" in entry.record.data && isUsableAddress(entry.record.data.address);
  const v4 = cache.find(nameKey(target), RR_A).filter(usable);
  const v6 = cache.find(nameKey(target), RR_AAAA).filter(usable);
  const address = v4.length > 0 ? sticky(v4, previous?.address) : sticky(v6, previous?.address);
  if (!address || !("address" in address.record.data)) {
    return { missing: [{ name: target, type: RR_A }, { name: target, type: RR_AAAA }] };
  }
  const txtRecords = cache.find(candidate.key, RR_TXT);
  const newestTxt = txtRecords.reduce<CachedRecord | undefined>(
    (newest, entry) => (!newest || entry.receivedAt >= newest.receivedAt ? entry : newest),
    undefined,
  );
  const txt = newestTxt?.record.data.type === RR_TXT
    ? parseServiceTxt(newestTxt.record.data.strings)
    : {};
  const type = backendTypeFor(candidate.serviceType, txt.type);
  const { port } = srv.record.data;
  const service: ResolvedService = {
    key: candidate.key,
    instance: candidate.instance,
    serviceType: formatServiceType(candidate.serviceType),
    host: formatName(target),
    address: address.record.data.address,
    port,
    type,
    url: buildBackendUrl(address.record.data.address, port, normaliseApiPath(txt.apiPath, type)),
    ...(txt.version ? { version: txt.version } : {}),
  };
  return {
    resolution: {
      service,
      ptr: candidate.ptr.identity,
      srv: srv.identity,
      address: address.identity,
    },
    missing: newestTxt ? [] : [{ name: candidate.name, type: RR_TXT }],
  };
}

/** The entry chosen last time when it is still there, else the earliest to arrive. */
function sticky(
  entries: readonly CachedRecord[],
  previous: string | undefined,
): CachedRecord | undefined {
  return entries.find((entry) => entry.identity === previous) ?? entries[0];
}

/** Whether two resolutions of one instance differ in anything a backend records. */
export function sameService(a: ResolvedService, b: ResolvedService): boolean {
  return a.url === b.url && a.type === b.type && a.version === b.version && a.host === b.host &&
    a.instance === b.instance;
}
