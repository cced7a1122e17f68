/**
 * Keeps the registry in step with the browser's events: found → added `unknown` and probed;
 * changed (address, port, type) → updated in place, `unknown`, probed; lost → `unknown`, left
 * alone by the health checker, removed after the grace period unless found again. A URL another
 * backend already has means the instance is ignored (config wins); a removal frees the URL for
 * an ignored twin.
 *
 * Announcements are unauthenticated, so: an address outside `discovery.allowed_networks` (and
 * any link-local one) is ignored; a URL known to be this very Nexus is ignored; and at most
 * `maxUnprobed` discovered backends wait for their first probe at once — the rest queue, so a
 * flood of announcements cannot turn into a flood of probes.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { type Backend, type Registry, RegistryConflictError } from "../registry/mod.ts";
import type { BrowserEvent } from "./browser.ts";
import { sanitiseBackendName, uniqueName } from "./names.ts";
import type { ResolvedService } from "./resolve.ts";

export interface RegistrySyncDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly graceSeconds: number;
  readonly probe: (backend: Backend) => Promise<void>;
  /** Whether the browser resolves this instance now. */
  readonly isResolved: (key: string) => boolean;
  /** Whether an announced address may become a backend (`discovery.allowed_networks`). */
  readonly acceptAddress?: (address: string) => boolean;
  /** Why a URL must not become a backend (it is this Nexus), or undefined. */
  readonly refuseUrl?: (url: string) => string | undefined;
  /** Discovered backends that may wait for their first probe at once. */
  readonly maxUnprobed?: number;
}

export const DEFAULT_MAX_UNPROBED = 16;
const WAITING = "mDNS: instance waits, too many discovered backends await a first probe";

/** Discovered backends sit in the middle of the 0–100 priority range, like configured ones. */
const DISCOVERED_PRIORITY = 50;

interface Entry {
  service: ResolvedService;
  /** Registry name while it has a backend. */
  name?: string;
  /** Removal timer while lost (in its grace period). */
  removal?: TimerHandle;
  /** Removed through the admin API: stays out until it goes away and comes back. */
  dismissed?: boolean;
  /** The reason it was last ignored for, once logged (logged again only when it changes). */
  ignoredFor?: string;
}

export class RegistrySync {
  readonly #deps: RegistrySyncDeps;
  readonly #entries = new Map<string, Entry>();
  readonly #keyByName = new Map<string, string>();
  #unsubscribe: (() => void) | undefined;

  constructor(deps: RegistrySyncDeps) {
    this.#deps = deps;
    this.#unsubscribe = deps.registry.onChange((event) => {
      if (event.kind === "removed") this.#onRemoved(event.backend);
      // A first probe ended: a queued instance may take its place.
      else if (event.kind === "status" && event.previous === "unknown") this.#admitQueued();
    });
  }

  /** Cancels pending removals and stops listening to the registry. */
  close(): void {
    for (const entry of this.#entries.values()) this.#cancelRemoval(entry);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Lost and waiting out its grace period. */
  isSuspended(backend: Backend): boolean {
    const key = this.#keyByName.get(backend.name);
    return key !== undefined && this.#entries.get(key)?.removal !== undefined;
  }

  /** Applies one browser event to the registry; logs found / lost / removed once each. */
  handle(event: BrowserEvent): void {
    const { service } = event;
    const entry = this.#entries.get(service.key);
    if (event.kind === "lost") return entry ? this.#lose(entry, event.reason) : undefined;
    if (!entry) {
      const created: Entry = { service };
      this.#entries.set(service.key, created);
      return this.#register(created);
    }
    const previous = entry.service;
    entry.service = service;
    const backend = entry.name === undefined ? undefined : this.#deps.registry.get(entry.name);
    if (!backend) return this.#register(entry);
    const wasLost = entry.removal !== undefined;
    this.#cancelRemoval(entry);
    if (previous.url !== service.url || previous.type !== service.type) {
      this.#move(entry, backend, previous);
    } else {
      this.#deps.registry.update(backend.name, { metadata: metadataOf(service) });
      if (wasLost) {
        this.#deps.logger.info("mDNS: backend announced again", { backend: backend.name });
        void this.#deps.probe(backend);
      }
    }
  }

  #register(entry: Entry): void {
    const { registry, logger } = this.#deps;
    const { service } = entry;
    if (entry.dismissed || entry.name !== undefined) return;
    const owner = registry.findByUrl(service.url);
    if (owner) {
      return this.#ignore(entry, "mDNS: instance ignored, its URL belongs to another backend", {
        backend: owner.name,
        source: owner.source,
      });
    }
    const refused = this.#refusal(service);
    if (refused) return this.#ignore(entry, refused.message, refused.fields);
    if (this.#unprobed() >= (this.#deps.maxUnprobed ?? DEFAULT_MAX_UNPROBED)) {
      // Queued: admitted when a first probe ends (#admitQueued).
      return this.#ignore(entry, WAITING, {}, "debug");
    }
    entry.ignoredFor = undefined;
    const name = uniqueName(sanitiseBackendName(service.instance), (n) => !!registry.get(n));
    const backend = registry.add({
      name,
      url: service.url,
      type: service.type,
      priority: DISCOVERED_PRIORITY,
      source: "mdns",
      metadata: metadataOf(service),
    }, { status: "unknown" });
    entry.name = name;
    this.#keyByName.set(name, service.key);
    logger.info("mDNS: backend found", {
      backend: name,
      url: service.url,
      type: service.type,
      instance: service.instance,
      service: service.serviceType,
      version: service.version,
    });
    void this.#deps.probe(backend);
  }

  /** Why this service must not become a backend at all, if it must not. */
  #refusal(
    service: ResolvedService,
  ): { message: string; fields: Record<string, string> } | undefined {
    if (this.#deps.acceptAddress && !this.#deps.acceptAddress(service.address)) {
      return {
        message: "mDNS: instance ignored, its address is outside discovery.allowed_networks",
        fields: { address: service.address },
      };
    }
    const reason = this.#deps.refuseUrl?.(service.url);
    return reason === undefined
      ? undefined
      : { message: "mDNS: instance ignored, it may not be a backend", fields: { reason } };
  }

  /** Logs why an instance is not a backend, once per reason. */
  #ignore(
    entry: Entry,
    message: string,
    fields: Record<string, string>,
    level: "info" | "debug" = "info",
  ): void {
    if (entry.ignoredFor === message) return;
    entry.ignoredFor = message;
    this.#deps.logger[level](message, {
      instance: entry.service.instance,
      url: entry.service.url,
      ...fields,
    });
  }

  /** Discovered backends still waiting for their first probe. */
  #unprobed(): number {
    let count = 0;
    for (const [name, key] of this.#keyByName) {
      const entry = this.#entries.get(key);
      if (entry?.removal === undefined && this.#deps.registry.get(name)?.status === "unknown") {
        count++;
      }
    }
    return count;
  }

  #admitQueued(): void {
    for (const entry of this.#entries.values()) {
      if (entry.name === undefined && !entry.dismissed && entry.ignoredFor === WAITING) {
        this.#register(entry);
      }
    }
  }

  #move(entry: Entry, backend: Backend, previous: ResolvedService): void {
    const { registry, logger } = this.#deps;
    const { service } = entry;
    const refused = this.#refusal(service);
    if (refused) {
      logger.info("mDNS: backend moved to an address it may not use; removing it", {
        backend: backend.name,
        url: service.url,
        ...refused.fields,
      });
      registry.remove(backend.name);
      return;
    }
    try {
      registry.update(backend.name, {
        url: service.url,
        type: service.type,
        metadata: metadataOf(service),
      });
    } catch (error) {
      if (!(error instanceof RegistryConflictError)) throw error;
      // It moved onto another backend's URL: that backend speaks for the server now.
      logger.info("mDNS: backend moved onto another backend's URL; removing it", {
        backend: backend.name,
        url: service.url,
      });
      registry.remove(backend.name);
      return;
    }
    // A new address has to prove itself like a new backend.
    registry.setStatus(backend.name, "unknown");
    logger.info("mDNS: backend changed", {
      backend: backend.name,
      from: previous.url,
      to: service.url,
      type: service.type,
    });
    void this.#deps.probe(backend);
  }

  #lose(entry: Entry, reason: "goodbye" | "expired"): void {
    const name = entry.name;
    if (name === undefined || !this.#deps.registry.get(name)) {
      this.#entries.delete(entry.service.key);
      return;
    }
    const graceSeconds = this.#deps.graceSeconds;
    this.#deps.registry.setStatus(name, "unknown");
    this.#deps.logger.info("mDNS: backend lost", {
      backend: name,
      reason,
      removal_in_seconds: graceSeconds,
    });
    this.#cancelRemoval(entry);
    entry.removal = this.#deps.clock.setTimeout(() => {
      entry.removal = undefined;
      if (this.#deps.registry.remove(name)) {
        this.#deps.logger.info("mDNS: backend removed", {
          backend: name,
          after_seconds: graceSeconds,
        });
      }
    }, graceSeconds * 1000);
  }

  /** Any removal (grace over, admin API) ends our claim on the name; an ignored twin may go in. */
  #onRemoved(backend: Backend): void {
    const key = this.#keyByName.get(backend.name);
    if (key === undefined) return;
    this.#keyByName.delete(backend.name);
    const entry = this.#entries.get(key);
    if (entry) {
      const lost = entry.removal !== undefined || !this.#deps.isResolved(key);
      this.#cancelRemoval(entry);
      entry.name = undefined;
      if (lost) this.#entries.delete(key);
      else entry.dismissed = true;
    }
    for (const other of this.#entries.values()) {
      if (other.name === undefined && !other.dismissed) this.#register(other);
    }
  }

  #cancelRemoval(entry: Entry): void {
    if (entry.removal !== undefined) this.#deps.clock.clearTimeout(entry.removal);
    entry.removal = undefined;
  }
}

function metadataOf(service: ResolvedService): Record<string, string> {
  return {
    mdns_instance: service.instance,
    mdns_service: service.serviceType,
    mdns_host: service.host,
    ...(service.version ? { version: service.version } : {}),
  };
}
