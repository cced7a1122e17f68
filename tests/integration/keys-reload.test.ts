/**
 * A config reload in keys mode: `[auth] metrics` applies at once, the keys file is read again
 * (a key another instance or `nexus keys create` wrote is accepted without a restart), and
 * `[auth] mode` is reported as needing a restart and left as it was.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { NexusConfig } from "../../src/config/mod.ts";
import { memoryFiles } from "../../src/state/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";

let backend: MockBackend;
let serving: RunningGateway;
let writer: RunningGateway;
/** Both gateways' files: one keys file, as two instances on one host would share. */
const files = new Map<string, string>();
let next: NexusConfig;

const chat = (key: string) =>
  fetch(`${serving.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });

beforeAll(async () => {
  backend = await startMockBackend({ models: [{ id: "m" }] });
  const backends = [{ name: "b", url: backend.url, type: "generic", models: ["m"] }];
  const shared = { files: memoryFiles(files), keysFile: "/keys/nexus-keys.json" };
  serving = await startGateway(backends, { auth: { mode: "keys" } }, {
    ...shared,
    loadConfig: () => Promise.resolve({ config: next, path: undefined, warnings: [] }),
  });
  writer = await startGateway(backends, { auth: { mode: "keys" } }, shared);
  next = serving.gateway.config;
});

afterAll(async () => {
  await serving.close();
  await writer.close();
  await backend.close();
});

describe("reload in keys mode", () => {
  test("a key written to the keys file by someone else is accepted after a reload", async () => {
    const created = await fetch(`${writer.url}/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "laptop" }),
    }).then((response) => response.json() as Promise<{ key: string }>);
    expect((await chat(created.key)).status).toBe(401);
    next = { ...serving.gateway.config, logging: { ...next.logging, level: "debug" } };
    const report = await serving.gateway.reload("test");
    expect(report.ok).toBe(true);
    const known = () => serving.gateway.auth!.keys.list().some((key) => key.name === "laptop");
    await waitFor(known, "the keys file read again");
    expect((await chat(created.key)).status).toBe(200);
  });

  test("[auth] metrics applies at once; [auth] mode waits for a restart", async () => {
    // From another machine: loopback callers are admins.
    const scrape = async () =>
      (await serving.gateway.fetch(new Request(`${serving.url}/metrics`), {
        remoteAddress: "192.168.1.20",
      })).status;
    expect(await scrape()).toBe(200);
    const config = serving.gateway.config;
    next = { ...config, auth: { ...config.auth, metrics: "admin", mode: "off" } };
    const report = await serving.gateway.reload("test");
    expect(report.ok).toBe(true);
    expect(report.applied).toContain("auth.metrics: admin");
    expect(report.restart).toEqual(['auth.mode: "keys" → "off" needs a restart (still "keys")']);
    expect(await scrape()).toBe(403);
    expect(serving.gateway.config.auth.mode).toBe("keys");
  });
});
