/**
 * Amplification (issue 14, item 9): what one request costs Nexus in log and answer size is
 * bounded. A 1 MB model name makes neither a 1 MB log line nor a 1 MB error; a backend listing
 * many thousands of models is cut to `server.max_models_per_backend` (with a warning), and a 404
 * names twenty models and a count, however many there are.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type HostileBackend, startHostileBackend } from "../helpers/hostile-backend.ts";

const MAX_MODELS = 1000;
const LISTED = 5000;
let lister: HostileBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  lister = await startHostileBackend({ "/v1/models": { kind: "models", count: LISTED } });
  gateway = await startGateway([{ name: "lister", url: lister.url }], {
    server: { max_models_per_backend: MAX_MODELS },
  });
  await gateway.gateway.health.runRound();
});

afterAll(async () => {
  await gateway.close();
  await lister.close();
});

const chat = (model: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });

describe("a backend listing thousands of models", () => {
  test("keeps max_models_per_backend of them, with one warning", async () => {
    const backend = gateway.gateway.registry.get("lister")!;
    expect(backend.status).toBe("healthy");
    expect(backend.models.length).toBe(MAX_MODELS);
    await gateway.gateway.health.runRound();
    const warnings = gateway.logs.filter((line) => line.includes("max_models_per_backend"));
    expect(warnings.length).toBe(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      kept: MAX_MODELS,
      dropped: LISTED - MAX_MODELS,
    });
  });

  test("a 404 names twenty models and counts the rest", async () => {
    const response = await chat("no-such-model");
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(text.length).toBeLessThan(2000);
    expect(text).toContain(`and ${MAX_MODELS - 20} more`);
  });
});

describe("a 1 MB model name", () => {
  test("makes neither a 1 MB log line nor a 1 MB answer", async () => {
    const huge = "x".repeat(1024 * 1024);
    const response = await chat(huge);
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(text.length).toBeLessThan(4 * 1024);
    expect(text).toContain("more characters");
    for (const line of gateway.logs) expect(line.length).toBeLessThan(8 * 1024);
    expect(gateway.logs.some((line) => line.includes("more characters"))).toBe(true);
  });
});
