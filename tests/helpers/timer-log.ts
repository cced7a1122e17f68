/**
 * Records the delays a client library asks `setTimeout` for while `run` runs, so a test can say
 * how long a library chose to wait before retrying (the `Retry-After` it was given, or its own
 * backoff) without measuring time. The timers still run as asked: only their delays are noted.
 * Every timer in the process is seen (the gateway's and the mock's too), so look for a value.
 */
export async function recordTimeouts<T>(
  run: () => Promise<T>,
): Promise<{ outcome: PromiseSettledResult<T>; delays: number[] }> {
  const delays: number[] = [];
  const original = globalThis.setTimeout;
  const recording = ((handler: TimerHandler, timeout?: number, ...args: unknown[]) => {
    delays.push(timeout ?? 0);
    return original(handler, timeout, ...args);
  }) as typeof setTimeout;
  globalThis.setTimeout = recording;
  try {
    const [outcome] = await Promise.allSettled([run()]);
    return { outcome: outcome!, delays };
  } finally {
    globalThis.setTimeout = original;
  }
}

/** The rejection of a settled outcome; throws when it was fulfilled. */
export function rejection<T>(outcome: PromiseSettledResult<T>): unknown {
  if (outcome.status === "fulfilled") throw new Error("expected the call to fail");
  return outcome.reason;
}
