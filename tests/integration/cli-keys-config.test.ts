/**
 * `nexus keys …` with no `--url` and no NEXUS_URL finds the server where the config says it
 * listens. It used to try 127.0.0.1:8000 only: with `port = 9000` in the config it said "No Nexus
 * server answered", wrote the key into the keys file behind the running server's back, and the
 * new key got 401 until the next restart.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../../src/cli/mod.ts";
import { memoryFiles } from "../../src/state/mod.ts";
import { createFakeRuntime } from "../helpers/fake-runtime.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";

let backend: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  backend = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([{ name: "gpu", url: backend.url, models: ["m"] }], {
    auth: { mode: "keys", failures_per_minute: 1000 },
  }, { files: memoryFiles(new Map()), keysFile: "/srv/nexus-keys.json" });
});

afterAll(async () => {
  await gateway.close();
  await gateway.gateway.stop();
  await backend.close();
});

describe("nexus keys with a config whose server listens on another port", () => {
  test("create talks to that server, and the new key works at once", async () => {
    const port = new URL(gateway.url).port;
    // The host a server binds to everywhere is reached on loopback.
    const config = `[server]\nhost = "0.0.0.0"\nport = ${port}\n[auth]\nmode = "keys"\n`;
    const runtime = createFakeRuntime({ files: { "/etc/nexus/nexus.toml": config } });
    const code = await runCli(runtime, ["keys", "create", "alice", "-c", "/etc/nexus/nexus.toml"]);
    expect(runtime.stderrText()).not.toContain("No Nexus server answered");
    expect(code).toBe(0);
    const key = runtime.stdoutText().match(/nx-[A-Za-z0-9_-]{32}/)?.[0];
    expect(key).toBeDefined();
    // Written by the server itself, not into the config's keys file.
    expect(runtime.files.has("/etc/nexus/nexus-keys.json")).toBe(false);
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(200);
    const list = createFakeRuntime({ files: { "/etc/nexus/nexus.toml": config } });
    expect(await runCli(list, ["keys", "list", "-c", "/etc/nexus/nexus.toml"])).toBe(0);
    expect(list.stdoutText()).toContain("alice");
    expect(list.stderrText()).toBe("");
  });
});
