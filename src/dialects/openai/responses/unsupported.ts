/**
 * The 400s of the translated path: what a chat-completions backend cannot be given, each naming
 * the field at fault (OpenAI `param`) and what to do instead.
 * @module
 */
import { type Failure, failure } from "../../../lib/failures.ts";

const ROUTE_NATIVE =
  "or use a model on a backend that serves /v1/responses itself (Nexus passes the request through untouched)";

/** A stateful field: Nexus keeps no prompts or responses, so there is nothing to refer to. */
export function stateful(param: string, what: string): Failure {
  return failure(
    "invalid_request",
    `${what} is not supported: Nexus keeps no responses or conversations, and this ` +
      `backend serves chat completions only (Nexus translates the request). Send the whole ` +
      `conversation in 'input' with 'store' false, ${ROUTE_NATIVE}.`,
    { param },
  );
}

/** A tool, input item or content part a chat backend has no equivalent for. */
export function untranslatable(param: string, what: string): Failure {
  return failure(
    "invalid_request",
    `${what} (${param}) cannot be sent to a chat-completions backend: remove it, ${ROUTE_NATIVE}.`,
    { param },
  );
}

export function invalidField(param: string, expected: string): Failure {
  return failure("invalid_request", `Invalid '${param}': expected ${expected}`, { param });
}
