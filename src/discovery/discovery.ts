/**
 * mDNS discovery: runs the browser on the runtime's multicast socket, and `RegistrySync` turns
 * what it finds into backends. A found instance is added `unknown` and probed at once, so it
 * carries traffic only after a successful probe (a spoofed announcement of something that is not
 * an LLM server never does). A socket that cannot open costs one warning; the gateway keeps
 * serving its configured backends.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import { describeError } from "../lib/errors.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import type { MulticastOptions, MulticastSocket } from "../runtime/mod.ts";
import { ServiceBrowser } from "./browser.ts";
import { formatServiceType, parseServiceType } from "./names.ts";
import { RegistrySync } from "./registry-sync.ts";
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
  /** Whether an announced address may become a backend (`discovery.allowed_networks`). */
  readonly acceptAddress?: (address: string) => boolean;
  /** Why a URL must not become a backend (it is this Nexus), or undefined. */
  readonly refuseUrl?: (url: string) => string | undefined;
}

export class Discovery {
  readonly #deps: DiscoveryDeps;
  #socket: MulticastSocket | undefined;
  #browser: ServiceBrowser | undefined;
  #sync: RegistrySync | undefined;
  #stopped = false;
  #sendFailed = false;

  constructor(deps: DiscoveryDeps) {
    this.#deps = deps;
  }

  /** Opens the socket and starts browsing; false (after one warning) when it cannot. */
  async start(): Promise<boolean> {
    const { logger, socketOptions = {} } = this.#deps;
    const serviceTypes = this.#deps.config.service_types.map(parseServiceType);
    if (serviceTypes.length === 0) {
      logger.info("mDNS discovery off: discovery.service_types is empty");
      return false;
    }
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
    const sync = new RegistrySync({
      registry: this.#deps.registry,
      clock: this.#deps.clock,
      logger,
      graceSeconds: this.#deps.config.grace_period_seconds,
      probe: this.#deps.probe,
      isResolved: (key) => this.services.some((service) => service.key === key),
      ...(this.#deps.acceptAddress ? { acceptAddress: this.#deps.acceptAddress } : {}),
      ...(this.#deps.refuseUrl ? { refuseUrl: this.#deps.refuseUrl } : {}),
    });
    this.#sync = sync;
    const browser = new ServiceBrowser({
      clock: this.#deps.clock,
      serviceTypes,
      port: socket.port,
      send: (packet) => this.#send(packet),
      onEvent: (event) => {
        // Events arrive from socket and timer callbacks, where a throw would end the process.
        try {
          sync.handle(event);
        } catch (error) {
          logger.error("mDNS: could not apply a discovery event", {
            event: event.kind,
            instance: event.service.instance,
            reason: describeError(error),
          });
        }
      },
      onDrop: (reason, from) => logger.debug("mDNS packet dropped", { from, reason }),
    });
    this.#browser = browser;
    socket.onMessage((datagram) => browser.handleDatagram(datagram));
    socket.onError((error) => logger.debug("mDNS socket error", { reason: describeError(error) }));
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
    this.#sync?.close();
    await this.#socket?.close();
  }

  /** Lost and waiting out its grace period: the health checker leaves it alone. */
  isSuspended(backend: Backend): boolean {
    return this.#sync?.isSuspended(backend) ?? false;
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
}
