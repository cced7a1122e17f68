/**
 * Label values come from clients, so their number is capped: 10,000 made-up model names leave
 * `/metrics` and `/v1/stats` the same size as 1,000 do, and a real model asked for afterwards
 * still gets its own label.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { OTHER } from "../../src/metrics/mod.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { needs } from "../helpers/needs.ts";
import { parseSamples, PROMTOOL, promtoolCheck } from "../helpers/prometheus.ts";

const UNKNOWN_MODEL_LABEL_CAP = 50;

let backend: MockBackend;
let gateway: RunningGateway;
/** /metrics after the 10,000-name flood of the first test. */
let after10k = "";

beforeAll(async () => {
  backend = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([{ name: "gpu", url: backend.url, models: ["m"] }]);
});

afterAll(async () => {
  await gateway.close();
  await backend.close();
});

/** Requests `count` distinct unknown models through the real app, in process (no sockets). */
async function flood(from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += 200) {
    await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const response = await gateway.gateway.app.request("/v1/chat/completions", {
        method: "POST",
        body: JSON.stringify({
          model: `bogus-${start + i}-${"x".repeat(40)}`,
          messages: [{ role: "user", content: "hi" }],
        }),
      });
      expect(response.status).toBe(404);
    }));
  }
}

const scrape = () => gateway.gateway.observability.metricsText();
const modelLabels = (text: string) =>
  new Set(
    parseSamples(text).filter((s) => s.name === "nexus_requests_total").map((s) => s.labels.model),
  );

describe("label cardinality", () => {
  test("10,000 distinct bogus model names leave the metrics output bounded", async () => {
    await flood(0, 1_000);
    const after1k = await scrape();
    await flood(1_000, 9_000);
    after10k = await scrape();

    expect(parseSamples(after10k)).toHaveLength(parseSamples(after1k).length);
    expect(after10k.length).toBeLessThan(after1k.length * 1.05);
    expect(after10k.length).toBeLessThan(200 * 1024);
    const labels = modelLabels(after10k);
    expect(labels.size).toBe(UNKNOWN_MODEL_LABEL_CAP + 1);
    expect(labels.has(OTHER)).toBe(true);
    const other = parseSamples(after10k).find((s) =>
      s.name === "nexus_requests_total" && s.labels.model === OTHER
    );
    expect(other?.value).toBe(10_000 - UNKNOWN_MODEL_LABEL_CAP);
  });

  needs(PROMTOOL).test(
    "the flooded metrics output still passes promtool check metrics",
    async () => {
      expect(after10k).toContain(`model="${OTHER}"`);
      expect((await promtoolCheck(after10k)).code).toBe(0);
    },
  );

  test("a real model asked for after the flood still has its own label", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    expect(modelLabels(await scrape()).has("m")).toBe(true);
  });

  test("/v1/stats stays bounded too", () => {
    const stats = gateway.gateway.observability.statsSnapshot();
    expect(stats.models.length).toBeLessThanOrEqual(UNKNOWN_MODEL_LABEL_CAP + 2);
    expect(stats.requests.total).toBe(10_001);
  });
});
