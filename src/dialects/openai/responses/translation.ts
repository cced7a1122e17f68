/**
 * How a chat backend's answer becomes a Responses answer: a whole completion through
 * `responseFromChat`, a stream through a fresh `ResponsesStream`, a refusal (4xx) as the
 * backend's own message and status in the OpenAI envelope.
 * @module
 */
import { failure } from "../../../lib/failures.ts";
import type { Translation } from "../../contract.ts";
import { errorText, ResponsesStream, type StreamContext } from "./stream.ts";
import { responseFromChat } from "./whole.ts";

/** A refusal's message is cut to this many characters (an HTML error page says nothing more). */
const MESSAGE_CHARS = 500;

export function responsesTranslation(context: StreamContext): Translation {
  return {
    framing: "sse",
    whole: (json) => responseFromChat(json, context),
    rejection: (status, body) =>
      failure("upstream_rejected", backendMessage(status, body), { status }),
    stream: () => new ResponsesStream(context),
  };
}

/** The message of an OpenAI (`error.message`), FastAPI (`detail`) or plain-text error body. */
export function backendMessage(status: number, body: string): string {
  let message: string | undefined;
  try {
    const json = JSON.parse(body) as { error?: unknown; detail?: unknown; message?: unknown };
    if (json.error !== undefined && json.error !== null) message = errorText(json.error);
    else if (typeof json.detail === "string") message = json.detail;
    else if (typeof json.message === "string") message = json.message;
  } catch {
    message = body.trim() || undefined;
  }
  const text = message ?? `HTTP ${status}`;
  return `The backend refused the request (HTTP ${status}): ${text.slice(0, MESSAGE_CHARS)}`;
}
