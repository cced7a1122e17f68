/**
 * The first hour as a user meets it (specs/012-first-hour): real `nexus` processes under Bun and
 * Deno, a real server on loopback, and the mock Ollama as the backend.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { runNexus, startNexus } from "../helpers/processes.ts";

let mock: MockBackend;
let dir: string;

beforeAll(async () => {
  mock = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.2" }] });
  dir = mkdtempSync(join(tmpdir(), "nexus-first-hour-"));
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the runtime adapter lists this host's addresses, loopback marked internal", async () => {
  const addresses = (await loadRuntime()).networkAddresses();
  expect(addresses).toContainEqual({ address: "127.0.0.1", family: "IPv4", internal: true });
  for (const entry of addresses) {
    expect(entry.internal).toBe(entry.address.startsWith("127.") || entry.address === "::1");
  }
});

for (const runtime of ["bun", "deno"] as const) {
  describe(`nexus on ${runtime}`, () => {
    test(
      "invalid flag values exit 2 with the flag, the value, the choices and the usage",
      async () => {
        const port = await runNexus(runtime, ["serve", "-p", "abc"]);
        expect(port.code).toBe(2);
        expect(port.stderr).toBe(
          "error: invalid --port 'abc' (expected an integer from 0 to 65535)\n\n" +
            "Usage: nexus serve [options]\nRun 'nexus serve --help' for more information.\n",
        );
        const status = await runNexus(runtime, ["backends", "list", "--status", "weird"]);
        expect(status.code).toBe(2);
        expect(status.stderr.split("\n")[0]).toBe(
          "error: invalid --status 'weird' (expected one of: unknown, healthy, busy, unhealthy, asleep, draining)",
        );
      },
      30_000,
    );

    test("nexus help <command> and nexus version", async () => {
      const help = await runNexus(runtime, ["help", "backends", "add"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Usage: nexus backends add <url> [options]");
      const version = await runNexus(runtime, ["version"]);
      expect(version.code).toBe(0);
      expect(version.stdout).toMatch(/^nexus \d+\.\d+\.\d+\n$/);
    }, 30_000);

    test("config init into a missing directory names the directory", async () => {
      const target = join(dir, runtime, "missing", "nexus.toml");
      const result = await runNexus(runtime, ["config", "init", "-o", target]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: Cannot write "${target}": directory "${
          join(dir, runtime, "missing")
        }" does not exist\n`,
      );
    }, 30_000);

    test(
      "serve with no backend says what to do; add <url>/v1 drops /v1 and the model answers",
      async () => {
        const nexus = await startNexus(runtime, ["--no-discovery"]);
        try {
          // Bound to 127.0.0.1 here (tests stay on loopback), so that is the address to paste.
          expect(nexus.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
          const hint = `Clients use base URL ${nexus.url}/v1 with any API key`;
          const deadline = performance.now() + 10_000;
          while (!nexus.output().includes(hint) && performance.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          expect(nexus.output()).toContain(hint);
          expect(nexus.output()).toContain('No backends yet: add one with "nexus backends add');
          expect(nexus.output()).toContain("Discovery is off: backends come from the config file");

          const added = await runNexus(runtime, ["backends", "add", `${mock.url}/v1`], {
            env: { NEXUS_URL: nexus.url },
          });
          expect(added.stderr).toBe(
            `note: ${mock.url}/v1 ends in /v1: drop /v1: Nexus adds it; adding ${mock.url}\n`,
          );
          expect(added.stdout).toBe(
            `Added backend 127.0.0.1-${mock.port} (ollama) at ${mock.url}: healthy, 1 model\n`,
          );
          expect(added.code).toBe(0);
          // No waiting needed: add reported the first check, so the model is routable now.
          const chat = await fetch(`${nexus.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: "Bearer anything" },
            body: JSON.stringify({
              model: "llama3.2",
              messages: [{ role: "user", content: "hi" }],
            }),
          });
          expect(chat.status).toBe(200);
          expect((await chat.json()).choices[0].message.content).toEqual(expect.any(String));
        } finally {
          expect(await nexus.stop()).toBe(0);
        }
      },
      30_000,
    );
  });
}
