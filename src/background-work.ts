/**
 * What a running gateway does besides answering requests: health checks, breaker cool-downs,
 * feature probes, mDNS discovery, preloads, and the dashboard's and state file's upkeep. One
 * owner for all of it, so a reload changes a part through a named step and shutdown stops
 * everything in one place (before the last requests end: nothing new is probed, woken or found).
 * @module
 */
import type { FeatureProbe } from "./backends/mod.ts";
import type { NexusConfig } from "./config/mod.ts";
import type { Discovery } from "./discovery/mod.ts";
import type { BreakerCooldowns, HealthChecker } from "./health/mod.ts";
import type { Preloader } from "./lifecycle/mod.ts";
import type { Backend, Registry } from "./registry/mod.ts";
import type { StateFile } from "./statefile/mod.ts";
import type { Dashboard } from "./ui/mod.ts";
import type { Waker } from "./wake/mod.ts";

export interface BackgroundParts {
  readonly registry: Registry;
  readonly health: HealthChecker;
  readonly breakers: BreakerCooldowns;
  readonly features: FeatureProbe;
  readonly waker?: Waker;
  readonly dashboard?: Dashboard;
  readonly stateFile?: StateFile;
  /** A browser for these settings; undefined when they turn it off or the runtime has none. */
  readonly newDiscovery: (settings: NexusConfig["discovery"]) => Discovery | undefined;
  readonly newPreloader: (entries: NexusConfig["preload"]) => Preloader;
}

export class BackgroundWork {
  readonly #parts: BackgroundParts;
  #discovery: Discovery | undefined;
  #preloader: Preloader;
  /**
   * Set by `stop` (shutdown) until the next `start`: a start still in its first round, and a
   * reload during the drain, start nothing (no probes, no browser, no model loads).
   */
  #stopped = false;

  constructor(parts: BackgroundParts, config: Readonly<NexusConfig>) {
    this.#parts = parts;
    this.#discovery = parts.newDiscovery(config.discovery);
    this.#preloader = parts.newPreloader(config.preload);
  }

  get discovery(): Discovery | undefined {
    return this.#discovery;
  }

  /** Whether discovery holds this backend back (mDNS said it left; health must not revive it). */
  isSuspended(backend: Backend): boolean {
    return this.#discovery?.isSuspended(backend) ?? false;
  }

  /** Probes every backend once (on the interval when checks are on) and starts browsing. */
  async start(config: Readonly<NexusConfig>): Promise<void> {
    const { health, features } = this.#parts;
    this.#stopped = false;
    features.start();
    await Promise.all([
      config.health_check.enabled ? health.start() : health.runRound(),
      this.#discovery?.start(),
    ]);
    // Backends are known now: warm what the config asks to keep warm (a load can take minutes;
    // start does not wait for it). Unless the drain began meanwhile.
    if (!this.#stopped) void this.#preloader.start();
  }

  /** Stops every timer and socket of the background work and writes the state file. */
  async stop(): Promise<void> {
    const { dashboard, health, breakers, waker, features, stateFile } = this.#parts;
    this.#stopped = true;
    dashboard?.close();
    health.stop();
    breakers.stop();
    waker?.stop();
    this.#preloader.stop();
    features.stop();
    await this.#discovery?.stop();
    await stateFile?.flush();
  }

  /** A reload's `[health_check]`: new interval and thresholds; checks started or stopped. */
  configureHealth(settings: NexusConfig["health_check"]): void {
    const { health, breakers } = this.#parts;
    health.configure(settings);
    breakers.configure(settings);
    if (this.#stopped) return;
    if (settings.enabled && !health.running) void health.start();
    if (!settings.enabled && health.running) health.stop();
  }

  /** A reload's `[discovery]`: the old browser and what it found go; a new one starts. */
  async restartDiscovery(settings: NexusConfig["discovery"]): Promise<void> {
    if (this.#stopped) return;
    await this.#discovery?.stop();
    // The new browser finds them again; found by the old one, they would block it.
    for (const backend of this.#parts.registry.list()) {
      if (backend.source === "mdns") this.#parts.registry.remove(backend.name);
    }
    this.#discovery = this.#parts.newDiscovery(settings);
    await this.#discovery?.start();
  }

  /** A reload's `[[preload]]`: the old schedule stops; the new one loads its models now. */
  replacePreload(entries: NexusConfig["preload"]): void {
    this.#preloader.stop();
    this.#preloader = this.#parts.newPreloader(entries);
    if (!this.#stopped) void this.#preloader.start();
  }
}
