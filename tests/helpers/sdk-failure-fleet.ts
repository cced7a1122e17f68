/**
 * The fleet the SDK suites' failure cases drive (tests/integration/ai-sdk.test.ts,
 * langchain.test.ts): model "m" on a one-slot backend whose faults a test sets, and "slow", a
 * stream long enough to leave in the middle of. No retries, a queue that answers at once, no
 * circuit breaker: every failure a test provokes reaches the app as the backend made it.
 */
import { type MockBackend, startMockBackend } from "./mock-backend.ts";
import { type RunningGateway, startGateway } from "./gateway.ts";

export interface FailureFleet {
  readonly flaky: MockBackend;
  readonly slow: MockBackend;
  readonly edge: RunningGateway;
  close(): Promise<void>;
}

export async function startFailureFleet(text: string): Promise<FailureFleet> {
  const flaky = await startMockBackend({ models: [{ id: "m" }], text, chunks: 8 });
  // Long enough to abort in the middle of, short enough that the mock's timers stay cheap.
  const slow = await startMockBackend({ models: [{ id: "slow" }], chunks: 200, chunkGapMs: 20 });
  const edge = await startGateway([
    { name: "flaky", url: flaky.url, models: ["m"], max_concurrent: 1 },
    { name: "slow", url: slow.url, models: ["slow"] },
  ], {
    routing: { max_retries: 0 },
    // A full queue answers at once; its Retry-After is a quarter of the longest wait (3 s).
    queue: { max_size: 0, max_wait_seconds: 12 },
    // Every failure must reach the backend, not an open circuit breaker.
    health_check: { breaker_failures: 0 },
  });
  return {
    flaky,
    slow,
    edge,
    async close() {
      await edge.close();
      await flaky.close();
      await slow.close();
    },
  };
}
