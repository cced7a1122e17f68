/**
 * How much each scenario of bench/run.ts measures: the full run (`npm run bench`, ~15 min,
 * writes RESULTS.md) and the quick one (`--quick`, the CI guard's, ≤ 150 s).
 * @module
 */
import type { BigPromptOptions } from "./big-prompt.ts";
import type { FrontDoorOptions } from "./front-doors.ts";
import type { HeadOfLineOptions } from "./head-of-line.ts";
import type { KeysOptions } from "./keys-rows.ts";
import type { MemoryOptions } from "./memory.ts";
import type { OpenLoopOptions } from "./open-loop.ts";
import type { Profile } from "./result.ts";

export interface LoopSettings {
  readonly seconds: number;
  /** Per target and configuration, before its rounds. */
  readonly warmupSeconds: number;
  readonly rounds: number;
}

export interface Settings {
  readonly seq: { rounds: number; perRound: number; warmup: number };
  /** Closed loops (wrk): c=32 and c=64 with the mock at 0 ms, c=64 at 50 ms. */
  readonly loop: LoopSettings | null;
  readonly stream: { rounds: number; levels: { concurrency: number; streams: number }[] };
  readonly abort: { trials: number; waitMs: number };
  readonly memory: MemoryOptions | null;
  readonly coldRuns: number;
  readonly open: OpenLoopOptions | null;
  readonly headOfLine: HeadOfLineOptions | null;
  readonly bigPrompt: BigPromptOptions | null;
  readonly doors: FrontDoorOptions | null;
  /** Nexus with API keys on, limits in process and in Redis, beside Nexus with keys off. */
  readonly keys: KeysOptions | null;
  /** Run the sources under Deno too (Nexus and the bare pass-through). */
  readonly deno: boolean;
  readonly nginx: boolean;
  /** Hard limit for the whole run; past it every child is killed and the run fails. */
  readonly limitMs: number;
}

export const PROFILES: Record<Profile, Settings> = {
  full: {
    seq: { rounds: 30, perRound: 50, warmup: 300 },
    loop: { seconds: 3, warmupSeconds: 3, rounds: 5 },
    stream: {
      rounds: 5,
      levels: [
        { concurrency: 1, streams: 20 },
        { concurrency: 16, streams: 64 },
        { concurrency: 256, streams: 256 },
      ],
    },
    abort: { trials: 10, waitMs: 1000 },
    // 15 s of quiet: past Bun's idle full collection (10 s), so garbage is not read as growth.
    memory: { streams: 1000, rounds: 8, settleMs: 4000, quietMs: 15_000 },
    coldRuns: 20,
    open: { rates: [500, 1000, 3000], seconds: 10, warmupSeconds: 1, timeoutMs: 10_000 },
    headOfLine: { concurrency: 200, seconds: 6 },
    bigPrompt: { chars: 400_000, rounds: 5, perRound: 20, warmup: 10, burst: 16 },
    doors: { rounds: 3, perRound: 40, warmup: 20, streams: 150, concurrency: 16 },
    keys: { rounds: 10, perRound: 50, warmup: 100, loop: { seconds: 3, warmupSeconds: 2 } },
    deno: true,
    nginx: true,
    limitMs: 35 * 60_000,
  },
  quick: {
    seq: { rounds: 9, perRound: 60, warmup: 100 },
    loop: null,
    stream: {
      rounds: 3,
      levels: [{ concurrency: 1, streams: 10 }, { concurrency: 16, streams: 32 }],
    },
    abort: { trials: 3, waitMs: 1000 },
    memory: null,
    coldRuns: 0,
    open: null,
    headOfLine: null,
    bigPrompt: null,
    // The translation guard: each door's CPU per event beside the chat passthrough's.
    doors: { rounds: 2, perRound: 10, warmup: 10, streams: 60, concurrency: 12 },
    keys: null,
    deno: false,
    nginx: false,
    limitMs: 200_000,
  },
};

/**
 * The full profile's scenarios at a fraction of their size (`--short`): a check that every row
 * runs and renders, in about two minutes; its figures mean little.
 */
export function shortened(full: Settings): Settings {
  return {
    ...full,
    seq: { rounds: 3, perRound: 20, warmup: 50 },
    loop: { seconds: 1, warmupSeconds: 1, rounds: 2 },
    stream: {
      rounds: 1,
      levels: [{ concurrency: 1, streams: 5 }, { concurrency: 16, streams: 16 }],
    },
    abort: { trials: 2, waitMs: 1000 },
    memory: { streams: 100, rounds: 2, settleMs: 1000, quietMs: 2000 },
    coldRuns: 3,
    open: { rates: [500, 3000], seconds: 1, warmupSeconds: 0.5, timeoutMs: 10_000 },
    headOfLine: { concurrency: 20, seconds: 2 },
    bigPrompt: { chars: 400_000, rounds: 2, perRound: 3, warmup: 2, burst: 4 },
    doors: { rounds: 1, perRound: 5, warmup: 3, streams: 10, concurrency: 5 },
    keys: { rounds: 2, perRound: 10, warmup: 10, loop: { seconds: 1, warmupSeconds: 1 } },
  };
}
