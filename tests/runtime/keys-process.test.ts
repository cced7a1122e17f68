/**
 * Keys in a real `nexus serve` process: `nexus keys create` before the first start (no server
 * answers: the keys file is written), then against the running server; usage counted, kept
 * across a restart, and shown by `nexus keys usage`; `nexus keys revoke`. The keys never
 * appear in the server's output or in any listing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { closedPort } from "../helpers/ports.ts";
import { runNexus, startNexus } from "../helpers/processes.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { tempDir } from "../helpers/temp-dir.ts";

describe("keys in a real nexus process", () => {
  let mock: MockBackend;
  let dir: string;
  let config: string;
  const keys: string[] = [];
  const outputs: string[] = [];

  beforeAll(async () => {
    mock = await startMockBackend({ flavor: "vllm", models: [{ id: "m" }] });
    dir = tempDir("keys-process");
    config = join(dir, "nexus.toml");
    writeFileSync(
      config,
      `[auth]\nmode = "keys"\n[health_check]\ninterval_seconds = 1\n[[backends]]\nname = "mock"\nurl = "${mock.url}"\ntype = "vllm"\n`,
    );
  });

  afterAll(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chat = async (url: string, key: string) =>
    (await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    })).status;

  async function serve() {
    const nexus = await startNexus("bun", ["-c", config, "--no-discovery"]);
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline) {
      const health = await (await fetch(`${nexus.url}/health`)).json();
      if (health.models > 0) return nexus;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("the backend never became routable");
  }

  test("create before the first start, use, restart: usage is kept; revoke", async () => {
    // No server yet: the CLI writes the keys file the config names.
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const offline = await runNexus(
      "bun",
      ["keys", "create", "alice", "--rpm", "100", "-c", config],
      {
        env: { NEXUS_URL: nowhere },
      },
    );
    expect(offline.code).toBe(0);
    const alice = /nx-[A-Za-z0-9_-]{32}/.exec(offline.stdout)![0];
    keys.push(alice);
    expect(offline.stderr).toContain("No Nexus server answered");
    expect(statSync(join(dir, "nexus-keys.json")).mode & 0o777).toBe(0o600);

    let nexus = await serve();
    try {
      expect(await chat(nexus.url, alice)).toBe(200);
      expect(await chat(nexus.url, alice)).toBe(200);
      expect(await chat(nexus.url, "nx-wrong")).toBe(401);
      // Now a server answers: the CLI goes through its admin API.
      const online = await runNexus("bun", ["keys", "create", "bob", "--json"], {
        env: { NEXUS_URL: nexus.url },
      });
      expect(online.code).toBe(0);
      const bob = JSON.parse(online.stdout).key as string;
      keys.push(bob);
      expect(await chat(nexus.url, bob)).toBe(200);
      const list = await runNexus("bun", ["keys", "list"], { env: { NEXUS_URL: nexus.url } });
      outputs.push(list.stdout, list.stderr);
      expect(list.stdout).toMatch(/^alice\s+active\s+\*\s+100/m);
      expect(list.stdout).toMatch(/^bob\s+active/m);
    } finally {
      expect(await nexus.stop("SIGTERM")).toBe(0);
      outputs.push(nexus.output());
    }

    nexus = await serve();
    try {
      const usage = await runNexus("bun", ["keys", "usage", "--json"], {
        env: { NEXUS_URL: nexus.url },
      });
      outputs.push(usage.stdout);
      const rows = JSON.parse(usage.stdout).data as Array<
        { key: string; model: string; requests: number; errors: number }
      >;
      expect(rows.find((r) => r.key === "alice" && r.model === "m")).toMatchObject({
        requests: 2,
        errors: 0,
      });
      expect(rows.find((r) => r.key === "bob")).toMatchObject({ requests: 1 });
      const revoke = await runNexus("bun", ["keys", "revoke", "alice"], {
        env: { NEXUS_URL: nexus.url },
      });
      expect(revoke.code).toBe(0);
      expect(await chat(nexus.url, keys[0]!)).toBe(401);
      expect(await chat(nexus.url, keys[1]!)).toBe(200);
      const table = await runNexus("bun", ["keys", "usage", "alice"], {
        env: { NEXUS_URL: nexus.url },
      });
      outputs.push(table.stdout);
      expect(table.stdout).toMatch(/alice\s+m\s+2\s+0/);
    } finally {
      expect(await nexus.stop("SIGTERM")).toBe(0);
      outputs.push(nexus.output());
    }
    const everything = outputs.join("\n");
    for (const key of keys) expect(everything).not.toContain(key);
  }, 90_000);
});
