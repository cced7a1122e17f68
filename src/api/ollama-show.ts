/**
 * `POST /api/show {"model"}` (older clients send `"name"`): the owning Ollama backend's own
 * answer — capabilities, `model_info` with the context length, template, parameters — relayed
 * as it is; for a model no Ollama backend holds, one synthesized from what Nexus knows (never a
 * 501: clients such as LangFlow and VS Code treat a failing show as an unusable model).
 * Aliases (wildcards too) and Ollama's implicit `:latest` resolve as for inference.
 * @module
 */
import type { Context } from "hono";
import { synthesizedShow } from "../dialects/mod.ts";
import { isRoutable, type ModelServing } from "../registry/mod.ts";
import type { OllamaRouteDeps } from "./ollama.ts";
import { ollamaError } from "./ollama.ts";
import { PROBE_MAX_RESPONSE_BYTES } from "../config/mod.ts";
import { boundText, readLimited } from "../lib/limits.ts";

/** A show is metadata: a backend that has not answered in this long is skipped. */
const SHOW_TIMEOUT_MS = 10_000;

export async function handleOllamaShow(c: Context, deps: OllamaRouteDeps): Promise<Response> {
  let body: Record<string, unknown>;
  try {
    body = await c.req.json();
  } catch {
    return ollamaError("invalid_request", "Request body must be a JSON object");
  }
  const requested = typeof body?.model === "string" && body.model !== ""
    ? body.model
    : typeof body?.name === "string" && body.name !== ""
    ? body.name
    : undefined;
  if (requested === undefined) return ollamaError("invalid_request", "model is required");
  // As chat resolves it: aliases, the implicit `:latest`, and wildcard aliases.
  const model = deps.router.resolveModel(requested);
  const servings = [...deps.registry.servingsFor(model)]
    .sort((a, b) => rank(a) - rank(b));
  if (servings.length === 0) {
    return ollamaError("model_not_found", `model '${boundText(requested)}' not found`);
  }
  for (const serving of servings) {
    if (serving.backend.type !== "ollama") continue;
    const answer = await askOllama(deps, serving, body, c.req.raw.signal);
    if (answer) return answer;
  }
  const first = servings[0]!;
  return c.json(synthesizedShow(first.info, new Date(deps.startedAt).toISOString()));
}

/** Routable Ollama backends first: their own answer is the richest. */
function rank(serving: ModelServing): number {
  const routable = isRoutable(serving.backend.status) ? 0 : 2;
  return routable + (serving.backend.type === "ollama" ? 0 : 1);
}

/** The backend's answer (its status and body) or undefined when it could not be reached. */
async function askOllama(
  deps: OllamaRouteDeps,
  serving: ModelServing,
  body: Record<string, unknown>,
  clientSignal: AbortSignal,
): Promise<Response | undefined> {
  const { backend, info } = serving;
  const headers = new Headers({ "content-type": "application/json" });
  const key = deps.apiKeyFor(backend);
  if (key !== undefined) headers.set("authorization", `Bearer ${key}`);
  try {
    const upstream = await deps.fetch(`${backend.url}/api/show`, {
      method: "POST",
      headers,
      body: JSON.stringify({ ...body, model: info.id, name: info.id }),
      signal: AbortSignal.any([clientSignal, AbortSignal.timeout(SHOW_TIMEOUT_MS)]),
    });
    // A redirect is not an answer (never followed); a body is read up to the probes' cap.
    if (upstream.status >= 500 || (upstream.status >= 300 && upstream.status < 400)) {
      await upstream.body?.cancel();
      return undefined;
    }
    const read = await readLimited(upstream, PROBE_MAX_RESPONSE_BYTES);
    if (!read.ok) return undefined;
    return new Response(read.bytes, {
      status: upstream.status,
      headers: {
        "content-type": upstream.headers.get("content-type") ?? "application/json; charset=utf-8",
        "x-nexus-backend": backend.name,
      },
    });
  } catch {
    return undefined;
  }
}
