/**
 * The Responses front door speaks the OpenAI dialect (same error envelope, statuses, keep-alive
 * comments) except for a stream that fails after its first byte: a Responses client reads typed
 * events, so the last one is an `error` event (`{"type":"error","code","message","param"}`),
 * which the openai SDK's `responses.stream()` rejects on. A passed-through stream's sequence
 * numbers are the backend's, unknown to Nexus, so this event carries none.
 * @module
 */
import { rowOf } from "../../../lib/failures.ts";
import type { Dialect } from "../../contract.ts";
import { finishEvent, openaiDialect } from "../dialect.ts";

export const responsesDialect: Dialect = {
  ...openaiDialect,
  inStreamError(failure, tail) {
    const error = {
      type: "error",
      code: rowOf(failure).code,
      message: failure.message,
      param: null,
    };
    return `${finishEvent(tail)}event: error\ndata: ${JSON.stringify(error)}\n\n`;
  },
};
