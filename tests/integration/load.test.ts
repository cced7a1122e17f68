/**
 * 1,000 concurrent streams through a real Nexus process to a mock backend all complete with the
 * right content, and the backend is left with nothing open. The client runs as its own process
 * (see tests/helpers/load-client.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoadClient } from "../helpers/load-client.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type NexusProcess, startNexus, waitUntilRoutable } from "../helpers/processes.ts";

const TEXT = "the rain in spain stays mainly in the plain";
let mock: MockBackend;
let nexus: NexusProcess;
const dir = mkdtempSync(join(tmpdir(), "nexus-load-"));

beforeAll(async () => {
  mock = await startMockBackend({
    models: [{ id: "m" }],
    text: TEXT,
    chunks: 5,
    chunkGapMs: 20,
    latencyMs: 1000,
  });
  const config = join(dir, "nexus.toml");
  writeFileSync(config, `[[backends]]\nname = "mock"\nurl = "${mock.url}"\n`);
  // Started without BUN_CONFIG_MAX_HTTP_REQUESTS: Nexus must lift Bun's 256-request cap itself.
  nexus = await startNexus("bun", ["-c", config, "--no-discovery"], {
    env: { BUN_CONFIG_MAX_HTTP_REQUESTS: undefined },
  });
  await waitUntilRoutable(nexus.url, "m");
});

afterAll(async () => {
  await nexus.stop();
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

function maxOverlap(spans: Array<[number, number]>): number {
  const points = spans.flatMap(([start, end]) => [[start, 1], [end, -1]] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, delta] of points) max = Math.max(max, open += delta);
  return max;
}

describe("load through a real Nexus process", () => {
  test("1,000 concurrent streams complete with correct content", async () => {
    const summary = await runLoadClient(nexus.url, 1000, true, TEXT);
    expect(summary.statuses).toEqual({ "200": 1000 });
    expect(summary.correct).toBe(1000);
    await waitFor(() => mock.mock.activeStreams() === 0, "every backend stream to close");
  }, 120_000);

  test(
    "more than 256 upstream requests are in flight at once (Bun's default cap is lifted)",
    async () => {
      const before = mock.mock.chatRequests().length;
      const summary = await runLoadClient(nexus.url, 400, false, TEXT);
      expect(summary.correct).toBe(400);
      const spans = mock.mock.chatRequests().slice(before)
        .map((r) => [r.receivedAt, r.completedAt ?? r.receivedAt] as [number, number]);
      expect(maxOverlap(spans)).toBe(400);
    },
    60_000,
  );
});
