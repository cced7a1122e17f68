/**
 * Fault injection. A fault either answers in place of the route, or shapes how the route's
 * answer is delivered (cut mid-way, corrupted).
 * @module
 */
import type { Exchange, StreamCut } from "./context.ts";
import { abandoned, jsonText, loadingModel, openaiError } from "./http.ts";
import { CHAT_PATH } from "./openai.ts";
import { garbageSse } from "./sse.ts";
import type { MockFault, RecordedRequest } from "./types.ts";

export type FaultOutcome =
  | { readonly respond: Response }
  | { readonly respond?: undefined; readonly cut?: StreamCut; readonly malformed?: boolean };

const PASS: FaultOutcome = {};

/** Chat completions unless the fault names its paths; `loading` hits every path. */
export function inScope(fault: MockFault, rec: RecordedRequest): boolean {
  if (fault.paths) return fault.paths.includes(rec.path);
  return fault.kind === "loading" || (rec.method === "POST" && rec.path === CHAT_PATH);
}

export async function applyFault(exchange: Exchange): Promise<FaultOutcome> {
  const { settings, rec, life } = exchange;
  const fault = settings.fault;
  if (fault.kind === "none" || !inScope(fault, rec)) return PASS;
  switch (fault.kind) {
    case "loading":
      return { respond: loadingModel() };
    case "status":
      return { respond: statusResponse(fault.status, fault.body, fault.headers) };
    case "flaky":
      settings.faultHits++;
      if (settings.faultHits % Math.max(1, fault.every) !== 0) return PASS;
      return { respond: flakyResponse(fault.status) };
    case "hang-before-headers":
      await life.untilEnd();
      return { respond: abandoned() };
    case "slow-first-byte":
      return (await life.sleep(fault.ms)) ? PASS : { respond: abandoned() };
    case "invalid-sse":
      return { respond: garbageSse(exchange) };
    case "malformed-json":
      return { malformed: true };
    case "hang-mid-stream":
      return { cut: { afterChunks: fault.afterChunks, mode: "hang" } };
    case "close-mid-stream":
      return { cut: { afterChunks: fault.afterChunks, mode: "close" } };
  }
}

function statusResponse(status: number, body?: string, headers?: Record<string, string>) {
  const type = body === undefined
    ? undefined
    : body.trimStart().startsWith("{")
    ? "application/json"
    : "text/plain; charset=utf-8";
  return new Response(body ?? null, {
    status,
    headers: { ...(type ? { "content-type": type } : {}), ...headers },
  });
}

function flakyResponse(status: number): Response {
  if (status === 429) {
    return openaiError(
      429,
      "Rate limit reached (mock flaky fault).",
      "requests",
      null,
      "rate_limit_exceeded",
    );
  }
  const type = status >= 500 ? "server_error" : "invalid_request_error";
  return openaiError(status, `Mock flaky fault: status ${status}.`, type);
}

/** The first 60% of a JSON body: valid UTF-8, invalid JSON. */
export function truncateJson(text: string, response: Response): Response {
  return jsonText(text.slice(0, Math.floor(text.length * 0.6)), response.status);
}
