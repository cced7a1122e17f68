/**
 * The frame every two-host network test shares: namespaces A and B, a temp folder for its
 * config, `nexus serve` under each runtime in B, an HTTP client inside B, and everything it
 * started stopped in reverse order when it closes (then the namespaces and the folder go).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHostPair, type HostPair } from "./netns.ts";
import { type NamespaceClient, startNamespaceClient } from "./netns-client.ts";
import { type NexusIn, startNexusIn } from "./netns-peers.ts";
import type { RuntimeName } from "./processes.ts";

/** Nexus runs under both runtimes in every network test. */
export const RUNTIMES = ["bun", "deno"] as const satisfies readonly RuntimeName[];

interface Stoppable {
  stop(signal?: NodeJS.Signals): Promise<unknown>;
}

export class TwoHostScene {
  readonly pair: HostPair;
  readonly dir: string;
  readonly #started: Stoppable[] = [];

  private constructor(pair: HostPair, dir: string) {
    this.pair = pair;
    this.dir = dir;
  }

  static async create(prefix: string): Promise<TwoHostScene> {
    const pair = await createHostPair();
    return new TwoHostScene(pair, mkdtempSync(join(tmpdir(), `${prefix}-`)));
  }

  /** Stopped (SIGKILL) when the scene closes, the last started first. */
  track<T extends Stoppable>(item: T): T {
    this.#started.push(item);
    return item;
  }

  /** Writes `nexus.toml` in the scene's folder; returns its path. */
  writeConfig(text: string): string {
    const path = join(this.dir, "nexus.toml");
    writeFileSync(path, text);
    return path;
  }

  /** `nexus serve -c config` under every runtime in B, by runtime. */
  async startNexusEverywhere(config: string): Promise<Map<RuntimeName, NexusIn>> {
    // Settled, not raced: a runtime that fails to start must not leave the other one starting
    // after the test has given up (and closed the scene).
    const started = await Promise.allSettled(
      RUNTIMES.map((runtime) => this.startNexus(runtime, config)),
    );
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    const servers = started.map((result) => (result as PromiseFulfilledResult<NexusIn>).value);
    return new Map(servers.map((server) => [server.runtime, server]));
  }

  async startNexus(runtime: RuntimeName, config: string): Promise<NexusIn> {
    const server = await startNexusIn(this.pair, this.pair.b, runtime, config);
    this.track(server.process);
    return server;
  }

  /** An HTTP client inside B (the addresses exist only in the namespaces). */
  async client(): Promise<NamespaceClient> {
    const client = await startNamespaceClient(this.pair, this.pair.b);
    this.track({ stop: () => client.close() });
    return client;
  }

  async close(): Promise<void> {
    for (const item of this.#started.splice(0).reverse()) {
      await item.stop("SIGKILL").catch(() => {});
    }
    await this.pair.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
