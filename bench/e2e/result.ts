/**
 * The shape of one benchmark run, as written to bench/results.json under the `e2e` key.
 * @module
 */
import type { BigPromptResult } from "./big-prompt.ts";
import type { ClosedLoopResult } from "./closed-loop.ts";
import type { FrontDoorResult } from "./front-doors.ts";
import type { HeadOfLineResult } from "./head-of-line.ts";
import type { KeysResult } from "./keys-rows.ts";
import type { OpenLoopResult } from "./open-loop.ts";
import type { GatewayName } from "./topology.ts";
import type { ColdStartResult } from "./cold-start.ts";
import type { DisconnectResult } from "./disconnect.ts";
import type { MemoryResult } from "./memory.ts";
import type { SequentialResult } from "./sequential.ts";
import type { StreamingResult } from "./streaming.ts";

export type Profile = "full" | "quick";

export interface RunMeta {
  readonly date: string;
  readonly profile: Profile;
  readonly seconds: number;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly os: string;
    readonly kernel: string;
  };
  readonly versions: Record<string, string>;
  /** The load average (1, 5, 15 min) when the run started and when it ended. */
  readonly load?: { readonly start: number[]; readonly end: number[] };
  /** How Nexus ran: the compiled binary or `bun src/main.ts serve`. */
  readonly nexus: string;
  readonly pinning: string;
  readonly portkey: string;
  readonly git: string;
}

export interface Check {
  readonly id: string;
  readonly metric: string;
  /** Nexus's figure (for "added" metrics: through Nexus − direct). */
  readonly measured: number;
  readonly unit: string;
  /** The direct figure it was measured against, as text for the table. */
  readonly baseline: string;
  readonly target: string;
  readonly pass: boolean;
  /** The upper limit `measured` is held to, when the check is a number against a limit. */
  readonly limit?: number;
}

export interface BenchResult {
  readonly meta: RunMeta;
  /** VmRSS of each gateway a second after it started, MiB. */
  readonly idleRss?: Partial<Record<GatewayName, number>>;
  readonly sequential?: SequentialResult;
  /** `fast`: c=64, mock 0 ms; `fast32`: c=32, mock 0 ms; `slow`: c=64, mock 50 ms. */
  readonly closedLoop?: {
    fast?: ClosedLoopResult;
    fast32?: ClosedLoopResult;
    slow?: ClosedLoopResult;
    skipped?: string;
  };
  readonly openLoop?: OpenLoopResult;
  readonly headOfLine?: HeadOfLineResult;
  readonly bigPrompt?: BigPromptResult;
  readonly frontDoors?: FrontDoorResult;
  readonly keys?: KeysResult;
  /** Rows that could not run in this checkout, and why (keys, Redis …). */
  readonly notRun?: Record<string, string>;
  readonly streaming?: StreamingResult;
  readonly disconnect?: DisconnectResult;
  readonly memory?: MemoryResult;
  readonly coldStart?: ColdStartResult;
  readonly checks: Check[];
}
