/** Builds an adapter whose `probe()` keeps the contract: it resolves, it never rejects. */
import { describeError } from "../lib/errors.ts";
import { withV1Hint } from "../lib/urls.ts";
import { TIMED_OUT } from "./http.ts";
import type { BackendAdapter, ProbeContext, ProbeFailure, ProbeResult } from "./types.ts";
import type { BackendType } from "../registry/mod.ts";

export function defineAdapter(
  type: BackendType,
  defaultPort: number,
  probe: (context: ProbeContext) => Promise<ProbeResult>,
): BackendAdapter {
  return Object.freeze({
    type,
    defaultPort,
    async probe(context: ProbeContext): Promise<ProbeResult> {
      // Requests already turn failures into values; this is the net under a parser bug, so a
      // health loop calling probe() never has to catch.
      let result: ProbeResult;
      try {
        result = await probe(context);
      } catch (error) {
        result = failure(context.signal.aborted ? TIMED_OUT : describeError(error));
      }
      // A base URL ending in /v1 fails every probe path (/v1/v1/models …): say why it failed.
      return result.ok ? result : { ...result, reason: withV1Hint(result.reason, context.baseUrl) };
    },
  });
}

export function failure(reason: string): ProbeFailure {
  return { ok: false, reason };
}
