/**
 * The dashboard's minute series: requests by status class, TTFT p50/p95 per backend within the
 * histogram's ±10%, tokens, the queue's deepest moment; an hour kept, older minutes reused.
 */
import { describe, expect, test } from "bun:test";
import { MAX_BACKENDS, MINUTES, MinuteSeries } from "../../../src/ui/series.ts";

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const sample = (status: number, backend?: string, ttftMs?: number, tokensOut?: number) => ({
  status,
  backend,
  ttftMs,
  tokensOut,
});

describe("MinuteSeries", () => {
  test("counts requests by status class and keeps the deepest queue of the minute", () => {
    const series = new MinuteSeries();
    for (const status of [200, 200, 201, 404, 429, 502, 503]) {
      series.record(T0 + 1000, sample(status, "gpu"));
    }
    series.sampleQueue(T0 + 2000, 4);
    series.sampleQueue(T0 + 3000, 1);
    const [point] = series.points(T0 + 30_000);
    expect(point).toMatchObject({
      t: T0,
      seconds: 30,
      ok: 3,
      client_error: 2,
      server_error: 2,
      queue_max: 4,
    });
  });

  test("reports TTFT p50 and p95 per backend within 10%", () => {
    const series = new MinuteSeries();
    for (let ms = 1; ms <= 1000; ms++) series.record(T0, sample(200, "gpu", ms, 10));
    series.record(T0, sample(200, "cpu", 2500, 5));
    const { backends } = series.points(T0)[0]!;
    expect(backends.gpu!.ttft_p50!).toBeGreaterThan(500 * 0.9);
    expect(backends.gpu!.ttft_p50!).toBeLessThan(500 * 1.1);
    expect(backends.gpu!.ttft_p95!).toBeGreaterThan(950 * 0.9);
    expect(backends.gpu!.ttft_p95!).toBeLessThan(950 * 1.1);
    expect(backends.gpu!.tokens_out).toBe(10_000);
    expect(backends.gpu!.requests).toBe(1000);
    expect(backends.cpu!.ttft_p50!).toBeGreaterThan(2500 * 0.9);
    expect(backends.cpu!.ttft_p50!).toBeLessThan(2500 * 1.1);
  });

  test("a backend without a TTFT sample has none, and a request without a backend counts only by status", () => {
    const series = new MinuteSeries();
    series.record(T0, sample(200, "gpu"));
    series.record(T0, sample(404));
    const point = series.points(T0)[0]!;
    expect(point.backends).toEqual({
      gpu: { ttft_p50: null, ttft_p95: null, tokens_out: 0, requests: 1 },
    });
    expect(point.client_error).toBe(1);
  });

  test("keeps one point per minute for the last hour, oldest first, and forgets older ones", () => {
    const series = new MinuteSeries();
    for (let minute = 0; minute < 90; minute++) {
      series.record(T0 + minute * 60_000, sample(200, "gpu"));
    }
    const now = T0 + 89 * 60_000 + 5000;
    const points = series.points(now);
    expect(points).toHaveLength(MINUTES);
    expect(points[0]!.t).toBe(T0 + 30 * 60_000);
    expect(points.at(-1)!.t).toBe(T0 + 89 * 60_000);
    expect(points.at(-2)!.seconds).toBe(60);
    expect(series.points(now, 2).map((p) => p.t)).toEqual([T0 + 88 * 60_000, T0 + 89 * 60_000]);
  });

  test("counts backends beyond MAX_BACKENDS in one minute as other", () => {
    const series = new MinuteSeries();
    for (let i = 0; i < MAX_BACKENDS + 5; i++) series.record(T0, sample(200, `b${i}`, 10));
    const { backends } = series.points(T0)[0]!;
    expect(Object.keys(backends)).toHaveLength(MAX_BACKENDS + 1);
    expect(backends.other!.requests).toBe(5);
  });
});
