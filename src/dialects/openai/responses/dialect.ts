/**
 * The Responses front door speaks the OpenAI dialect (same error envelope, statuses, keep-alive
 * comments) except for a stream that fails after its 200: a Responses client reads typed events,
 * so the last one is an `error` event (`{"type":"error","code","message","param"}`). It also
 * carries the OpenAI `error` object, which the openai SDK's stream reader turns into an
 * `APIError` with the real message before its accumulator sees the event — otherwise a stream
 * that failed before `response.created` (a held stream, a passed-through one cut early) would
 * surface as "expected 'response.created' event". A passed-through stream's sequence numbers
 * are the backend's, unknown to Nexus, so this event carries none.
 * @module
 */
import { type Failure, rowOf } from "../../../lib/failures.ts";
import type { Dialect } from "../../contract.ts";
import { finishEvent, openaiDialect } from "../dialect.ts";

export const responsesDialect: Dialect = {
  ...openaiDialect,
  inStreamError(failure, tail) {
    return `${finishEvent(tail)}event: error\ndata: {"type":"error",${errorFields(failure)}}\n\n`;
  },
};

/** The fields of a Responses `error` event (a JSON fragment), sequence number aside. */
export function errorFields(failure: Pick<Failure, "kind" | "message">): string {
  const code = rowOf(failure as Failure).code;
  const error = { message: failure.message, type: "server_error", param: null, code };
  return `"code":${JSON.stringify(code)},"message":${JSON.stringify(failure.message)},` +
    `"param":null,"error":${JSON.stringify(error)}`;
}
