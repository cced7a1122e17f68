/**
 * Keeps the registry in step with the browser's events: found → added `unknown` and probed;
 * changed (address, port, type) → updated in place, `unknown`, probed; lost → `unknown`, left
 * alone by the health checker, removed after the grace period unless found again. A URL another
 * backend already has means the instance is ignored (config wins); a removal frees the URL for
 * an ignored twin.
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
}

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
  /** The "ignored: URL taken" line was logged. */
  ignoredLogged?: boolean;
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
      if (!entry.ignoredLogged) {
        logger.info("mDNS: instance ignored, its URL belongs to another backend", {
          instance: service.instance,
          url: service.url,
          backend: owner.name,
          source: owner.source,
        });
      }
      entry.ignoredLogged = true;
      return;
    }
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

  #move(entry: Entry, backend: Backend, previous: ResolvedService): void {
    const { registry, logger } = this.#deps;
    const { service } = entry;
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
