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

/**
 * An `item_reference` to a message or call: the text it stands for was never kept. The AI SDK's
 * `openai(model)` sends one for each earlier assistant message unless told `store: false`, so
 * the message says how to do that there.
 */
export function unresolvedReference(param: string): Failure {
  return failure(
    "invalid_request",
    `An item reference (${param}) cannot be resolved: Nexus keeps no responses, so earlier ` +
      `output must be sent whole in 'input'. Tell the client not to rely on stored responses ` +
      `('store' false; in the AI SDK, providerOptions: { openai: { store: false } }, or use ` +
      `openai.chat(model)).`,
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
