/**
 * `nexus serve` as a real Bun and Deno process with discovery on, kept on loopback through
 * NEXUS_MDNS_INTERFACE / NEXUS_MDNS_PORT (no packet reaches a real network): it finds an
 * announced mock Ollama and routes a chat request to it; a bad interface costs one warning and
 * nothing else; a bad variable stops startup naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Announcer, startAnnouncer } from "../helpers/mdns-announcer.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { runNexus, startNexus } from "../helpers/processes.ts";
import { randomMdnsPort, uniqueLabel } from "../helpers/udp-port.ts";

const port = randomMdnsPort();
const instance = uniqueLabel("gpu");
let ollama: MockBackend;
let announcer: Announcer;

beforeAll(async () => {
  ollama = await startMockBackend({ flavor: "ollama", models: [{ id: "qwen2.5:7b" }] });
  announcer = await startAnnouncer({
    interface: "127.0.0.1",
    port,
    services: [{
      instance,
      service: "_ollama._tcp.local",
      host: "gpu.local",
      port: ollama.port,
      addresses: ["127.0.0.1"],
      txt: ["type=ollama"],
    }],
  });
});

afterAll(async () => {
  await announcer.close();
  await ollama.close();
});

for (const runtime of ["bun", "deno"] as const) {
  describe(`discovery in nexus serve on ${runtime}`, () => {
    test("finds an announced backend and routes a chat request to it", async () => {
      const nexus = await startNexus(runtime, [], {
        env: { NEXUS_MDNS_INTERFACE: "127.0.0.1", NEXUS_MDNS_PORT: String(port) },
      });
      try {
        await waitFor(
          () => nexus.output().includes(`backend healthy backend=${instance}`),
          "the announced backend to become healthy",
          20_000,
        );
        const response = await fetch(`${nexus.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            model: "qwen2.5:7b",
            messages: [{ role: "user", content: "hi" }],
          }),
        });
        expect(response.status).toBe(200);
        expect(response.headers.get("x-nexus-backend")).toBe(instance);
        await response.body?.cancel();
      } finally {
        expect(await nexus.stop()).toBe(0);
      }
      expect(nexus.output()).toContain(`mDNS discovery started service_types=`);
      expect(nexus.output()).toContain(`interface=127.0.0.1 port=${port}`);
      expect(nexus.output()).toContain(`mDNS: backend found backend=${instance}`);
    }, 30_000);

    test("an interface this host does not have: one warning, and it keeps serving", async () => {
      const nexus = await startNexus(runtime, [], {
        env: { NEXUS_MDNS_INTERFACE: "192.0.2.1", NEXUS_MDNS_PORT: String(port) },
      });
      try {
        await waitFor(() => nexus.output().includes("mDNS discovery unavailable"), "the warning");
        expect((await fetch(`${nexus.url}/health`)).status).toBe(200);
      } finally {
        await nexus.stop();
      }
      const warnings = nexus.output().split("\n").filter((line) => line.includes(" WARN "));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        'mDNS discovery unavailable; serving configured backends only reason="cannot join 224.0.0.251 on interface 192.0.2.1',
      );
    }, 30_000);

    test("--no-discovery opens no socket", async () => {
      const nexus = await startNexus(runtime, ["--no-discovery"], {
        env: { NEXUS_MDNS_INTERFACE: "127.0.0.1", NEXUS_MDNS_PORT: String(port) },
      });
      await nexus.stop();
      expect(nexus.output()).toContain("discovery=false");
      expect(nexus.output()).not.toContain("mDNS");
    }, 30_000);

    test("NEXUS_DISCOVERY=false opens no socket", async () => {
      const nexus = await startNexus(runtime, [], {
        env: {
          NEXUS_DISCOVERY: "false",
          NEXUS_MDNS_INTERFACE: "127.0.0.1",
          NEXUS_MDNS_PORT: String(port),
        },
      });
      await nexus.stop();
      expect(nexus.output()).toContain("discovery=false");
      expect(nexus.output()).not.toContain("mDNS");
    }, 30_000);

    test("a bad NEXUS_MDNS_PORT stops startup, naming the variable", async () => {
      const result = await runNexus(runtime, ["serve", "-p", "0"], {
        env: { NEXUS_MDNS_PORT: "99999" },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'error: Invalid configuration:\n  NEXUS_MDNS_PORT: expected a UDP port from 1 to 65535, got "99999" (from env NEXUS_MDNS_PORT)\n',
      );
    }, 30_000);
  });
}
