/**
 * The `Response` object (`"object":"response"`) a translated answer is wrapped in, in the shape
 * of the openai SDK's `Response` type: what the model produced (status, output items, usage)
 * plus the request's own settings echoed back, as OpenAI does. The echo is serialised once per
 * request; the object is written as text so a stream's three snapshots cost one concatenation.
 * @module
 */
import type { ResponsesUsage } from "./usage.ts";

type Body = Readonly<Record<string, unknown>>;

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** Why a response stopped short (`incomplete_details.reason`). */
export type IncompleteReason = "max_output_tokens" | "content_filter";

export interface ResponseSnapshot {
  readonly id: string;
  readonly createdAt: number;
  readonly model: string;
  readonly status: ResponseStatus;
  /** Output items, already in their final JSON shape. */
  readonly output: readonly unknown[];
  readonly usage?: ResponsesUsage | undefined;
  readonly incomplete?: IncompleteReason | undefined;
  readonly error?: { readonly code: string; readonly message: string } | undefined;
}

/**
 * The request settings a Response repeats, as a JSON fragment (no braces). Nothing is stored,
 * so `store` is false and `previous_response_id` null whatever was asked.
 */
export function echoOf(body: Body): string {
  const echo = {
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    max_output_tokens: numberOr(body.max_output_tokens),
    parallel_tool_calls: typeof body.parallel_tool_calls === "boolean"
      ? body.parallel_tool_calls
      : true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: numberOr(body.temperature),
    text: isObject(body.text) && isObject(body.text.format)
      ? { format: body.text.format }
      : { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: numberOr(body.top_p),
    truncation: "disabled",
    user: typeof body.user === "string" ? body.user : null,
    metadata: isObject(body.metadata) ? body.metadata : {},
  };
  const text = JSON.stringify(echo);
  return text.slice(1, -1);
}

export function responseJson(snapshot: ResponseSnapshot, echo: string): string {
  const { error, incomplete } = snapshot;
  return `{"id":${JSON.stringify(snapshot.id)},"object":"response",` +
    `"created_at":${snapshot.createdAt},"status":"${snapshot.status}",` +
    `"error":${error ? JSON.stringify(error) : "null"},` +
    `"incomplete_details":${incomplete ? `{"reason":"${incomplete}"}` : "null"},` +
    `"model":${JSON.stringify(snapshot.model)},"output":${JSON.stringify(snapshot.output)},` +
    `"usage":${snapshot.usage ? JSON.stringify(snapshot.usage) : "null"},${echo}}`;
}

function numberOr(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
