/**
 * Wake-on-LAN between two hosts: network namespaces A and B joined by a veth pair (10.x
 * addresses that exist only inside them, so no packet can leave the test's own namespaces). In
 * A, a "GPU box": a mock Ollama that goes to sleep on command and then wakes only when a correct
 * magic packet (6×0xFF + 16×MAC) reaches the configured broadcast address and UDP port (its
 * listener is bound to exactly that address). In B, `nexus serve` under Bun and under Deno and an
 * HTTP client. Nexus sees the box, sees it go to sleep (`asleep`), and a streaming request for
 * its model is held — keep-alives saying `waking gpu` — while Nexus sends the real packet over
 * the wire, the box boots, and the request is served by it.
 * Needs root and Debian tools: skipped with the reason outside CI, a failure with CI=true.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { RunningProcess } from "../helpers/processes.ts";
import { needs } from "../helpers/needs.ts";
import { NETNS_NEEDS } from "../helpers/netns.ts";
import type { NamespaceClient } from "../helpers/netns-client.ts";
import { RUNTIMES, TwoHostScene } from "../helpers/netns-scene.ts";
import { startWakeBoxIn } from "../helpers/wake-box.ts";

const gate = needs(...NETNS_NEEDS);
const MAC = "52:54:00:12:34:56";
const BOX_PORT = 11434;

gate.describe("Wake-on-LAN between two hosts (network namespaces)", () => {
  let scene: TwoHostScene | undefined;
  let box: RunningProcess;
  let client: NamespaceClient;
  let config: string;

  beforeAll(async () => {
    scene = await TwoHostScene.create("nexus-wol");
    const { pair } = scene;
    const broadcast = pair.a.address.replace(/\.\d+$/, ".255");
    box = await startWakeBoxIn(pair, pair.a, {
      port: BOX_PORT,
      broadcast,
      wakePort: 9,
      mac: MAC,
      models: ["llama3:8b"],
    });
    scene.track(box);
    config = scene.writeConfig(
      [
        "[discovery]",
        "enabled = false",
        "[server]",
        "sse_keepalive_seconds = 0.2",
        "[health_check]",
        // Quick to notice the box fell asleep.
        "interval_seconds = 0.5",
        "timeout_seconds = 0.5",
        "failure_threshold = 1",
        "[[backends]]",
        'name = "gpu"',
        `url = "http://${pair.a.address}:${BOX_PORT}"`,
        'type = "ollama"',
        `wake = { mac = "${MAC}", broadcast = "${broadcast}", port = 9, timeout_seconds = 60 }`,
      ].join("\n") + "\n",
    );
    client = await scene.client();
  }, 60_000);

  afterAll(() => scene?.close());

  for (const runtime of RUNTIMES) {
    test(
      `Nexus on ${runtime} wakes the sleeping box with a real magic packet and serves the held request`,
      async () => {
        const nexus = await scene!.startNexus(runtime, config);
        try {
          await nexus.process.waitFor(/backend healthy backend=gpu/, "the box to be healthy");
          box.child.stdin!.write("sleep\n");
          // The box says `asleep` once per nap: wait for this test's one.
          const asleepLines = box.output().split("\n").filter((l) => l === "asleep").length;
          await box.waitFor(
            new RegExp(`(^asleep$[\\s\\S]*){${asleepLines + 1}}`, "m"),
            "the box to sleep",
          );
          await nexus.process.waitFor(/backend asleep backend=gpu/, "Nexus to see it asleep");
          const packetsBefore = box.output().match(/^magic packet/gm)?.length ?? 0;
          const response = await client.fetch({
            url: `${nexus.url}/v1/chat/completions`,
            method: "POST",
            body: JSON.stringify({
              model: "llama3:8b",
              stream: true,
              messages: [{ role: "user", content: "hi" }],
            }),
          });
          expect(response.status).toBe(200);
          expect(response.body).toContain(": waking gpu\n\n");
          expect(response.body.trimEnd().endsWith("data: [DONE]")).toBe(true);
          const packets = box.output().match(/^magic packet mac=(\S+) from=(\S+)$/gm) ?? [];
          expect(packets.length - packetsBefore).toBe(1);
          expect(packets[packets.length - 1]).toBe(
            `magic packet mac=${MAC} from=${scene!.pair.b.address}`,
          );
          expect(box.output()).not.toContain("not a magic packet");
          await nexus.process.waitFor(/backend woke backend=gpu/, "the wake log line");
          const metrics = await client.fetch({ url: `${nexus.url}/metrics` });
          expect(metrics.body).toContain('nexus_wakes_total{backend="gpu"} 1');
        } finally {
          await nexus.process.stop("SIGKILL");
        }
      },
      90_000,
    );
  }
});
