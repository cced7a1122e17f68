/**
 * What keeps a gateway from being turned against itself, its host or its network (issue 14),
 * wired once by the composition root:
 * - the upstream guard every request and probe goes through (no redirects, `X-Nexus-Via`, an
 *   answer from this very Nexus refused; src/lib/upstream-guard.ts);
 * - a backend found to be this Nexus is removed from the registry at once, with one error line,
 *   so no model is ever listed (or routed) through it, whether it came from the config, the
 *   admin API or an mDNS announcement;
 * - the networks discovered addresses must be in (`discovery.allowed_networks`);
 * - a warning when a backend lists more models than `server.max_models_per_backend`.
 * @module
 */
import type { NexusConfig } from "./config/mod.ts";
import type { Logger } from "./lib/logger.ts";
import { SelfLoopError, THIS_NEXUS } from "./lib/loop.ts";
import { hostNetworks, NetworkAllowList, parseCidr } from "./lib/networks.ts";
import { type FetchLike, originOf, UpstreamGuard } from "./lib/upstream-guard.ts";
import type { Registry } from "./registry/mod.ts";
import type { InterfaceAddress } from "./runtime/mod.ts";

export interface SelfDefenceOptions {
  readonly instanceId: string;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly interfaces?: readonly InterfaceAddress[];
}

export class SelfDefence {
  readonly guard: UpstreamGuard;
  readonly #options: SelfDefenceOptions;

  constructor(options: SelfDefenceOptions) {
    this.#options = options;
    this.guard = new UpstreamGuard({
      instanceId: options.instanceId,
      onSelf: (origin) => this.#refuseOrigin(origin),
    });
    options.registry.onChange((event) => {
      if (event.kind !== "models" || event.dropped === 0) return;
      options.logger.warn("backend lists more models than server.max_models_per_backend", {
        backend: event.backend.name,
        kept: event.backend.models.length,
        dropped: event.dropped,
      });
    });
  }

  /** Where discovered backends may be (`discovery.allowed_networks`, never link-local). */
  networksFor(settings: Pick<NexusConfig["discovery"], "allowed_networks">): NetworkAllowList {
    const configured = settings.allowed_networks;
    return new NetworkAllowList(
      configured
        ? configured.map((text) => parseCidr(text)!)
        : hostNetworks(this.#options.interfaces),
    );
  }

  /** Why `url` must not become a backend, or undefined. */
  refusal(url: string): string | undefined {
    return this.guard.isSelf(url) ? THIS_NEXUS : undefined;
  }

  /** Asks `url` once (GET /health, through a guarded `fetch`) whether it is this Nexus. */
  async isSelf(url: string, fetch: FetchLike, signal: AbortSignal): Promise<boolean> {
    if (this.guard.isSelf(url)) return true;
    try {
      const response = await fetch(`${url.replace(/\/+$/, "")}/health`, {
        method: "GET",
        signal,
      });
      await response.body?.cancel().catch(() => {});
      return false;
    } catch (error) {
      return error instanceof SelfLoopError;
    }
  }

  /** An origin answered as this Nexus: every backend there goes, with one line each. */
  #refuseOrigin(origin: string): void {
    const { registry, logger } = this.#options;
    for (const backend of registry.list()) {
      if (originOf(backend.url) !== origin) continue;
      registry.remove(backend.name);
      logger.error("backend removed: that is this Nexus (its own address)", {
        backend: backend.name,
        url: backend.url,
        source: backend.source,
        reason: `requests sent there come back to this Nexus (${THIS_NEXUS})`,
      });
    }
  }
}
