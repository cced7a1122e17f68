/**
 * Response helpers and the error bodies each imitated server really sends (REFERENCE.md Part B).
 * @module
 */
import type { MockFlavor } from "./types.ts";

/** Milliseconds on a clock shared by every process on the machine, with sub-ms precision. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Serialised compactly, as Go, FastAPI and llama-server do. */
export function json(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return jsonText(JSON.stringify(body), status, headers);
}

export function jsonText(text: string, status = 200, headers?: Record<string, string>): Response {
  return new Response(text, { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function plainText(text: string, status = 200): Response {
  return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The OpenAI error envelope. */
export function openaiError(
  status: number,
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): Response {
  return json({ error: { message, type, param, code } }, status);
}

/** A request body the server cannot use (not JSON, missing or mistyped fields). */
export function badRequest(message: string, param: string | null = null): Response {
  return openaiError(400, message, "invalid_request_error", param, null);
}

export function unauthorized(sent: boolean): Response {
  const message = sent
    ? "Incorrect API key provided."
    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  return openaiError(401, message, "invalid_request_error", null, "invalid_api_key");
}

/** Ollama answers an unknown model on its OpenAI routes with an api_error, not model_not_found. */
export function modelNotFound(flavor: MockFlavor, model: string): Response {
  if (flavor === "ollama") {
    return openaiError(404, `model "${model}" not found, try pulling it first`, "api_error");
  }
  return openaiError(
    404,
    `The model \`${model}\` does not exist.`,
    "invalid_request_error",
    "model",
    "model_not_found",
  );
}

/** llama-server refuses every request with this while it loads a model. */
export function loadingModel(): Response {
  return json({ error: { code: 503, message: "Loading model", type: "unavailable_error" } }, 503);
}

/** Each server's own 404 for a path it does not serve. */
export function notFound(flavor: MockFlavor, method: string, path: string): Response {
  switch (flavor) {
    case "ollama": // Go's gin router
      return plainText("404 page not found", 404);
    case "vllm": // FastAPI
      return json({ detail: "Not Found" }, 404);
    case "llamacpp":
      return json(
        { error: { code: 404, message: "File Not Found", type: "not_found_error" } },
        404,
      );
    case "lmstudio":
      return json({ error: `Unexpected endpoint or method. (${method} ${path})` }, 404);
    default:
      return openaiError(404, `Invalid URL (${method} ${path})`, "invalid_request_error");
  }
}

/**
 * The answer to a request the mock gave up on (client gone, or shutdown): a body that fails at
 * once, so a client still listening sees the connection drop. `undefined` keeps Bun quiet.
 */
export function abandoned(): Response {
  return new Response(new ReadableStream({ start: (c) => c.error(undefined) }));
}
