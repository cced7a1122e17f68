/**
 * mDNS discovery: runs the browser on the runtime's multicast socket and keeps the registry in
 * step with what it finds. A found instance is added `unknown` and probed at once, so it carries
 * traffic only after a successful probe (a spoofed announcement of something that is not an LLM
 * server never does). Its URL matching a configured or manual backend means it is ignored
 * (config wins). Lost (goodbye or expiry) → `unknown`, not probed, removed after
 * `grace_period_seconds` unless announced again. A new address or port updates it in place.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import { describeError } from "../lib/errors.ts";
import type { Clock, TimerHandle } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { type Backend, type Registry, RegistryConflictError } from "../registry/mod.ts";
import type { MulticastOptions, MulticastSocket } from "../runtime/mod.ts";
import { type BrowserEvent, ServiceBrowser } from "./browser.ts";
import { formatServiceType, parseServiceType, sanitiseBackendName, uniqueName } from "./names.ts";
import type { ResolvedService } from "./resolve.ts";

export type OpenMulticast = (options: MulticastOptions) => Promise<MulticastSocket>;

export interface DiscoveryDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: Pick<NexusConfig["discovery"], "service_types" | "grace_period_seconds">;
  readonly openSocket: OpenMulticast;
  /** Socket settings (tests: loopback and a private port); default the real mDNS group. */
  readonly socketOptions?: MulticastOptions;
  /** Probes a backend now (the health checker's `check`). */
  readonly probe: (backend: Backend) => Promise<void>;
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

export class Discovery {
  readonly #deps: DiscoveryDeps;
  readonly #entries = new Map<string, Entry>();
  readonly #keyByName = new Map<string, string>();
  #socket: MulticastSocket | undefined;
  #browser: ServiceBrowser | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;
  #sendFailed = false;

  constructor(deps: DiscoveryDeps) {
    this.#deps = deps;
  }

  /** Opens the socket and starts browsing; false (after one warning) when it cannot. */
  async start(): Promise<boolean> {
    const { logger, socketOptions = {} } = this.#deps;
    const serviceTypes = this.#deps.config.service_types.map(parseServiceType);
    let socket: MulticastSocket;
    try {
      socket = await this.#deps.openSocket(socketOptions);
    } catch (error) {
      const reason = (error as { reason?: unknown }).reason ?? describeError(error);
      logger.warn("mDNS discovery unavailable; serving configured backends only", { reason });
      return false;
    }
    if (this.#stopped) {
      await socket.close();
      return false;
    }
    this.#socket = socket;
    const browser = new ServiceBrowser({
      clock: this.#deps.clock,
      serviceTypes,
      port: socket.port,
      send: (packet) => this.#send(packet),
      onEvent: (event) => this.#onEvent(event),
      onDrop: (reason, from) => logger.debug("mDNS packet dropped", { from, reason }),
    });
    this.#browser = browser;
    socket.onMessage((datagram) => browser.handleDatagram(datagram));
    socket.onError((error) => logger.debug("mDNS socket error", { reason: describeError(error) }));
    this.#unsubscribe = this.#deps.registry.onChange((event) => {
      if (event.kind === "removed") this.#onRemoved(event.backend);
    });
    logger.info("mDNS discovery started", {
      service_types: serviceTypes.map(formatServiceType),
      interface: socketOptions.interface ?? "all",
      port: socket.port,
    });
    browser.start();
    return true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#browser?.stop();
    for (const entry of this.#entries.values()) this.#cancelRemoval(entry);
    this.#unsubscribe?.();
    await this.#socket?.close();
  }

  /** Lost and waiting out its grace period: the health checker leaves it alone. */
  isSuspended(backend: Backend): boolean {
    const key = this.#keyByName.get(backend.name);
    return key !== undefined && this.#entries.get(key)?.removal !== undefined;
  }

  /** Services resolved now (whether or not they became backends). */
  get services(): ResolvedService[] {
    return this.#browser?.services ?? [];
  }

  #send(packet: Uint8Array): void {
    this.#socket?.send(packet).catch((error) => {
      // The first failure is what a user needs to see (no route for multicast, firewall);
      // repeating it on every re-query would flood the log.
      const fields = { reason: describeError(error) };
      if (this.#sendFailed) return this.#deps.logger.debug("mDNS query not sent", fields);
      this.#sendFailed = true;
      this.#deps.logger.warn("mDNS query could not be sent; discovery may find nothing", fields);
    });
  }

  #onEvent(event: BrowserEvent): void {
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
    const graceSeconds = this.#deps.config.grace_period_seconds;
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
      const lost = entry.removal !== undefined ||
        !this.#browser?.services.some((s) => s.key === key);
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
