/**
 * The dashboard's last completed requests: a ring of RECENT_SIZE reused slots, each holding the
 * request's metadata only — never its prompt or its answer.
 */
import { describe, expect, test } from "bun:test";
import type { ExchangeEvent } from "../../../src/exchange/mod.ts";
import type { RequestRecord } from "../../../src/metrics/mod.ts";
import { RECENT_SIZE } from "../../../src/ui/mod.ts";
import { RecentRequests } from "../../../src/ui/recent.ts";

function event(i: number): ExchangeEvent {
  return {
    requestId: `r-${i}`,
    endpoint: "chat",
    receivedAt: 0,
    requestedModel: "llama3",
    stream: false,
    status: 200,
  };
}

const record: RequestRecord = {
  endpoint: "chat",
  model: "llama3",
  unknownModel: false,
  backend: "gpu",
  status: 200,
  error: undefined,
  durationMs: 120.44,
  ttfbMs: 80,
  overheadMs: 0.5,
  usage: { prompt: 12, completion: 30 },
  chunks: undefined,
  fallbackFrom: undefined,
};

describe("RecentRequests", () => {
  test("keeps the last RECENT_SIZE requests and lists those after a sequence number", () => {
    const recent = new RecentRequests();
    for (let i = 1; i <= RECENT_SIZE + 50; i++) recent.record(event(i), record, undefined, i);
    expect(recent.seq).toBe(RECENT_SIZE + 50);
    const all = recent.since(0);
    expect(all).toHaveLength(RECENT_SIZE);
    expect(all[0]!.id).toBe("r-51");
    expect(all.at(-1)!.id).toBe(`r-${RECENT_SIZE + 50}`);
    expect(recent.since(RECENT_SIZE + 48).map((r) => r.id)).toEqual([
      `r-${RECENT_SIZE + 49}`,
      `r-${RECENT_SIZE + 50}`,
    ]);
    expect(recent.since(RECENT_SIZE + 50)).toEqual([]);
  });

  test("holds metadata only: the fields of the events stream, rounded", () => {
    const recent = new RecentRequests();
    recent.record(event(1), record, "complete", 1234);
    expect(recent.since(0)).toEqual([{
      seq: 1,
      id: "r-1",
      at: 1234,
      endpoint: "chat",
      stream: false,
      model: "llama3",
      served_model: null,
      backend: "gpu",
      status: 200,
      error: null,
      message: null,
      route_reason: null,
      attempts: [],
      queue_ms: 0,
      sent_ms: 0.5,
      ttft_ms: 80,
      duration_ms: 120.4,
      tokens_in: 12,
      tokens_out: 30,
      end: "complete",
    }]);
  });
});
