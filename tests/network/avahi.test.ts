/**
 * A third-party announcer: Debian's avahi-daemon in network namespace A (its own D-Bus, config,
 * /run and services folder; see tests/helpers/avahi.ts), mock Ollama servers on A's address, and
 * `nexus serve` under Bun and Deno in namespace B. The README's `/etc/avahi/services` file and
 * `avahi-publish -s NAME _ollama._tcp PORT type=ollama` both become routable backends; when the
 * publisher stops, Avahi's goodbye removes its backend after the grace period.
 * Needs root and Debian tools: skipped with the reason outside CI, a failure with CI=true.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunningProcess, RuntimeName } from "../helpers/processes.ts";
import { type Avahi, AVAHI_NEEDS, startAvahi } from "../helpers/avahi.ts";
import { needs } from "../helpers/needs.ts";
import { NETNS_NEEDS } from "../helpers/netns.ts";
import type { NamespaceClient } from "../helpers/netns-client.ts";
import { type MockServer, type NexusIn, startMockIn } from "../helpers/netns-peers.ts";
import { TwoHostScene } from "../helpers/netns-scene.ts";
import { uniqueLabel } from "../helpers/udp-port.ts";

const gate = needs(...NETNS_NEEDS, ...AVAHI_NEEDS);
const published = uniqueLabel("ollama gpu");
const publishedName = published.replace(" ", "-");

/** The service file exactly as the README shows it, with the mock's port. */
function readmeServiceFile(port: number): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url).pathname, "utf8");
  const start = readme.indexOf("```xml\n", readme.indexOf("/etc/avahi/services/ollama.service"));
  const xml = readme.slice(start + "```xml\n".length, readme.indexOf("```", start + 6));
  if (!xml.includes("<port>11434</port>")) throw new Error("README service file not found");
  return xml.replace("<port>11434</port>", `<port>${port}</port>`);
}

gate.describe("discovery of services Avahi announces (network namespaces)", () => {
  let scene: TwoHostScene | undefined;
  let avahi: Avahi | undefined;
  let staticMock: MockServer;
  let publishedMock: MockServer;
  let publisher: RunningProcess;
  let client: NamespaceClient;
  let nexus = new Map<RuntimeName, NexusIn>();
  const staticName = () => `Ollama-on-${avahi!.hostName}`;
  const backendsOf = async (url: string) =>
    JSON.parse((await client.fetch({ url: `${url}/v1/backends` })).body).data as Array<
      { name: string; url: string; status: string; source: string }
    >;
  const chat = (url: string, model: string) =>
    client.fetch({
      url: `${url}/v1/chat/completions`,
      method: "POST",
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });

  beforeAll(async () => {
    scene = await TwoHostScene.create("nexus-avahi");
    const { pair } = scene;
    const config = scene.writeConfig("[discovery]\ngrace_period_seconds = 0.3\n");
    staticMock = await startMockIn(pair, pair.a, "ollama", ["qwen2.5:7b"]);
    publishedMock = await startMockIn(pair, pair.a, "ollama", ["llama3:8b"]);
    scene.track(staticMock.process);
    scene.track(publishedMock.process);
    const started = await startAvahi(pair, pair.a, join(scene.dir, "avahi"), {
      "ollama.service": readmeServiceFile(staticMock.port),
    });
    avahi = started;
    scene.track({ stop: () => started.stop() });
    nexus = await scene.startNexusEverywhere(config);
    client = await scene.client();
  }, 60_000);

  afterAll(() => scene?.close());

  test("the README's /etc/avahi/services file makes a routable backend", async () => {
    for (const { process, url } of nexus.values()) {
      await process.waitFor(
        new RegExp(`backend healthy backend=${staticName()}`),
        "the static service",
      );
      expect(await backendsOf(url)).toEqual([
        expect.objectContaining({ name: staticName(), url: staticMock.url, source: "mdns" }),
      ]);
      const response = await chat(url, "qwen2.5:7b");
      expect(response.status).toBe(200);
      expect(response.headers["x-nexus-backend"]).toBe(staticName());
    }
  }, 30_000);

  test(
    "avahi-publish -s NAME _ollama._tcp PORT type=ollama: routable for a real chat request",
    async () => {
      publisher = await avahi!.publish(published, "_ollama._tcp", publishedMock.port, [
        "type=ollama",
      ]);
      for (const { runtime, process, url } of nexus.values()) {
        await process.waitFor(
          new RegExp(`backend healthy backend=${publishedName}`),
          "the published service",
        );
        const response = await chat(url, "llama3:8b");
        expect([runtime, response.status]).toEqual([runtime, 200]);
        expect(response.headers["x-nexus-backend"]).toBe(publishedName);
        expect(JSON.parse(response.body).object).toBe("chat.completion");
      }
    },
    30_000,
  );

  test(
    "when the publisher stops, its backend leaves after the grace period; the other stays",
    async () => {
      await publisher.stop("SIGTERM");
      for (const { process, url } of nexus.values()) {
        await process.waitFor(
          new RegExp(`mDNS: backend lost backend=${publishedName} reason=goodbye`),
          "Avahi's goodbye",
        );
        await process.waitFor(
          new RegExp(`mDNS: backend removed backend=${publishedName}`),
          "the removal",
        );
        expect((await backendsOf(url)).map((b) => `${b.name} ${b.status}`)).toEqual([
          `${staticName()} healthy`,
        ]);
      }
    },
    30_000,
  );
});
