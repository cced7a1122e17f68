/**
 * Narrow, hand-written guards for the OpenAI chat request. Only what Nexus itself needs is
 * checked (model, messages, stream); every other field is the backend's business and passes
 * through untouched.
 * @module
 */

export interface ChatRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly body: Record<string, unknown>;
}

export type ParseResult =
  | { readonly ok: true; readonly request: ChatRequest }
  | { readonly ok: false; readonly message: string; readonly param: string | null };

export function parseChatRequest(text: string): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? `: ${error.message}` : "";
    return { ok: false, message: `Request body is not valid JSON${detail}`, param: null };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { ok: false, message: "Request body must be a JSON object", param: null };
  }
  const fields = body as Record<string, unknown>;
  if (fields.model === undefined) {
    return { ok: false, message: "Missing required parameter: 'model'", param: "model" };
  }
  if (typeof fields.model !== "string" || fields.model === "") {
    return {
      ok: false,
      message: `Invalid 'model': expected a non-empty string, got ${typeName(fields.model)}`,
      param: "model",
    };
  }
  if (fields.messages === undefined) {
    return { ok: false, message: "Missing required parameter: 'messages'", param: "messages" };
  }
  if (!Array.isArray(fields.messages)) {
    return {
      ok: false,
      message: `Invalid 'messages': expected an array, got ${typeName(fields.messages)}`,
      param: "messages",
    };
  }
  if (fields.stream !== undefined && fields.stream !== null && typeof fields.stream !== "boolean") {
    return {
      ok: false,
      message: `Invalid 'stream': expected a boolean, got ${typeName(fields.stream)}`,
      param: "stream",
    };
  }
  return {
    ok: true,
    request: { model: fields.model, stream: fields.stream === true, body: fields },
  };
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value === "" ? "an empty string" : "a string";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
