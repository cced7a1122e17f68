/**
 * `HEAD`: the GET answer's status and headers, its length included, and no body. Hono answers a
 * HEAD by running the GET handler and dropping the body before the runtime counts it, so every
 * HEAD said `Content-Length: 0`; Ollama's server (Go) says the GET body's length. So a HEAD is
 * run here as a GET and its body counted — except an event stream or an NDJSON stream, which has
 * no length to count (cancelled at once), and the routes that forward a HEAD to a backend as it
 * is (`ollama create`'s blob check, which Hono still gets as a HEAD).
 * @module
 */
import type { Hono } from "hono";
import { MANAGEMENT_PATHS } from "./ollama-manage.ts";
import { pathOf } from "./request-paths.ts";

const UNCOUNTED = /^(text\/event-stream|application\/x-ndjson)/;

export async function headAnswer(app: Hono, request: Request, env: unknown): Promise<Response> {
  if (forwardsHead(pathOf(request.url))) return await app.fetch(request, env);
  const get = new Request(request.url, {
    method: "GET",
    headers: request.headers,
    signal: request.signal,
  });
  const answer = await app.fetch(get, env);
  if (answer.body === null || answer.headers.has("content-length")) {
    await answer.body?.cancel();
    return new Response(null, answer);
  }
  if (UNCOUNTED.test(answer.headers.get("content-type") ?? "")) {
    await answer.body.cancel();
    return new Response(null, answer);
  }
  const body = await answer.blob();
  const headers = new Headers(answer.headers);
  headers.set("content-length", String(body.size));
  // Bun types a string body only as it writes it (`c.text` sets no header): the blob knows it.
  if (!headers.has("content-type") && body.type !== "") headers.set("content-type", body.type);
  return new Response(null, { status: answer.status, statusText: answer.statusText, headers });
}

function forwardsHead(path: string): boolean {
  return MANAGEMENT_PATHS.some(([pattern, methods]) =>
    methods.includes("HEAD") && pattern.test(path)
  );
}
