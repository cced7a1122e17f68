/**
 * Discovery between two hosts: network namespaces A and B joined by a veth pair (10.x addresses
 * that exist only inside them). In A, a mock Ollama on A's address and a `multicast-dns`
 * announcer on the real mDNS port; in B, `nexus serve` under Bun and under Deno with default
 * discovery settings, and an HTTP client. Nexus finds the backend across the wire, routes a chat
 * request to it, and removes it after the announcer's goodbye and the grace period.
 * Needs root and Debian tools: skipped with the reason outside CI, a failure with CI=true.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { RunningProcess, RuntimeName } from "../helpers/processes.ts";
import { needs } from "../helpers/needs.ts";
import { NETNS_NEEDS } from "../helpers/netns.ts";
import type { NamespaceClient } from "../helpers/netns-client.ts";
import {
  type MockServer,
  type NexusIn,
  startAnnouncerIn,
  startMockIn,
} from "../helpers/netns-peers.ts";
import { RUNTIMES, TwoHostScene } from "../helpers/netns-scene.ts";
import { uniqueLabel } from "../helpers/udp-port.ts";

const gate = needs(...NETNS_NEEDS);
const instance = uniqueLabel("gpu-a");

gate.describe("mDNS discovery between two hosts (network namespaces)", () => {
  let scene: TwoHostScene | undefined;
  let mock: MockServer;
  let announcer: RunningProcess;
  let client: NamespaceClient;
  let nexus = new Map<RuntimeName, NexusIn>();

  beforeAll(async () => {
    scene = await TwoHostScene.create("nexus-netns");
    const { pair } = scene;
    const config = scene.writeConfig("[discovery]\ngrace_period_seconds = 0.3\n");
    mock = await startMockIn(pair, pair.a, "ollama", ["llama3:8b"]);
    scene.track(mock.process);
    announcer = await startAnnouncerIn(pair, pair.a, [{
      instance,
      service: "_ollama._tcp.local",
      host: "gpu-a.local",
      port: mock.port,
      addresses: [pair.a.address],
      txt: ["type=ollama", "version=0.5.7"],
    }]);
    scene.track(announcer);
    nexus = await scene.startNexusEverywhere(config);
    client = await scene.client();
  }, 60_000);

  afterAll(() => scene?.close());

  for (const runtime of RUNTIMES) {
    test(
      `Nexus on ${runtime} finds the backend on the other host and routes a chat request`,
      async () => {
        const { process, url } = nexus.get(runtime)!;
        await process.waitFor(
          new RegExp(`backend healthy backend=${instance}`),
          "the backend to be healthy",
        );
        const backends = JSON.parse((await client.fetch({ url: `${url}/v1/backends` })).body);
        expect(backends.data).toEqual([
          expect.objectContaining({
            name: instance,
            url: mock.url,
            source: "mdns",
            status: "healthy",
          }),
        ]);
        const chat = await client.fetch({
          url: `${url}/v1/chat/completions`,
          method: "POST",
          body: JSON.stringify({
            model: "llama3:8b",
            messages: [{ role: "user", content: "hi" }],
          }),
        });
        expect(chat.status).toBe(200);
        expect(chat.headers["x-nexus-backend"]).toBe(instance);
        expect(JSON.parse(chat.body).object).toBe("chat.completion");
      },
      30_000,
    );
  }

  test(
    "after the announcer's goodbye both remove the backend once the grace period ends",
    async () => {
      expect(await announcer.stop("SIGTERM")).toBe(0);
      for (const { process, url } of nexus.values()) {
        await process.waitFor(
          new RegExp(`mDNS: backend lost backend=${instance} reason=goodbye`),
          "the goodbye",
        );
        await process.waitFor(
          new RegExp(`mDNS: backend removed backend=${instance}`),
          "the removal",
        );
        const backends = JSON.parse((await client.fetch({ url: `${url}/v1/backends` })).body);
        expect(backends.data).toEqual([]);
      }
    },
    30_000,
  );
});
