/**
 * How a chat backend's answer becomes an Anthropic answer: a whole completion through
 * `wholeMessage`, a stream through a fresh `MessagesStream`, a refusal (4xx) as the backend's own
 * message and status in Anthropic's envelope.
 * @module
 */
import { type Failure, failure } from "../../lib/failures.ts";
import type { Translation } from "../contract.ts";
import type { AnswerContext } from "./answer.ts";
import { isObject } from "./fields.ts";
import { errorText, MessagesStream } from "./stream.ts";
import { wholeMessage } from "./whole.ts";

/** A refusal's message is cut to this many characters (an HTML error page says nothing more). */
const MESSAGE_CHARS = 500;

export function messagesTranslation(context: AnswerContext): Translation {
  return {
    framing: "sse",
    whole: (json) => wholeMessage(json, context),
    rejection: backendRefusal,
    stream: () => new MessagesStream(context),
  };
}

/** A backend's 4xx on a translated path, with its status and its own words. */
export function backendRefusal(status: number, body: string): Failure {
  return failure(
    "upstream_rejected",
    `The backend refused the request (HTTP ${status}): ${backendMessage(body, status)}`,
    { status },
  );
}

/** The message of an OpenAI (`error.message`), FastAPI (`detail`) or plain-text error body. */
function backendMessage(body: string, status: number): string {
  let message: string | undefined;
  try {
    const json: unknown = JSON.parse(body);
    if (isObject(json)) {
      if (json.error !== undefined && json.error !== null) message = errorText(json.error);
      else if (typeof json.message === "string") message = json.message;
      else if (typeof json.detail === "string") message = json.detail;
      else if (json.detail !== undefined) message = JSON.stringify(json.detail);
    }
  } catch {
    message = body.trim() || undefined;
  }
  return (message ?? `HTTP ${status}`).slice(0, MESSAGE_CHARS);
}
