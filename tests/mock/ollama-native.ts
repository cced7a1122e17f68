/**
 * Ollama's native inference and management routes (REFERENCE.md B1; Ollama's docs/api.md):
 * `/api/chat` and `/api/generate` (NDJSON streams unless `"stream": false`, the load/unload
 * form without messages or prompt, tool calls as whole objects, `suffix` only for models with
 * the `insert` capability), `/api/embed`, `/api/embeddings`, and `/api/pull` (progress lines),
 * `/api/delete`, `/api/copy`, `/api/create`, `/api/push`, `/api/blobs/{digest}` (HEAD, POST).
 * Prompts longer than the context are cut as Ollama cuts them (ollama-context.ts).
 * @module
 */
import { splitText, TOOL_ARGUMENTS } from "./chat.ts";
import { bodyObject, type Exchange, findModel, type Route } from "./context.ts";
import { describeModel } from "./catalog.ts";
import { fimReply } from "./completions.ts";
import { abandoned, json } from "./http.ts";
import { ollamaGenerate } from "./lifecycle.ts";
import { loadModel } from "./memory.ts";
import { fitContext, requestedContext } from "./ollama-context.ts";
import { streamBody } from "./sse.ts";

const NDJSON_HEADERS = { "content-type": "application/x-ndjson" };
const MS = 1_000_000;

function notFound(model: unknown): Response {
  return json({ error: `model "${String(model)}" not found, try pulling it first` }, 404);
}

function line(value: unknown): { delayMs: number; text: string; stamped: false } {
  return { delayMs: 0, text: JSON.stringify(value) + "\n", stamped: false };
}

function isUnload(body: Record<string, unknown>): boolean {
  return body.keep_alive === 0 || body.keep_alive === "0" || body.keep_alive === "0s";
}

/** Answers as Ollama does: one `done: false` line per piece, then the final counts. */
function answer(
  exchange: Exchange,
  body: Record<string, unknown>,
  shape: "chat" | "generate",
  promptTokens: number,
  toolCall: string | undefined,
  text = exchange.settings.text,
): Response | Promise<Response> {
  const { settings } = exchange;
  const model = body.model;
  const createdAt = new Date().toISOString();
  const piece = (text: string, extra: Record<string, unknown> = {}) =>
    shape === "chat"
      ? { model, created_at: createdAt, message: { role: "assistant", content: text, ...extra } }
      : { model, created_at: createdAt, response: text };
  const calls = toolCall === undefined ? undefined : [{
    function: { name: toolCall, arguments: JSON.parse(TOOL_ARGUMENTS) },
  }];
  const evalCount = Math.max(1, Math.ceil(text.length / 4));
  const final = (content: string) => ({
    ...piece(content, !body.stream && calls ? { tool_calls: calls } : {}),
    done: true,
    done_reason: "stop",
    total_duration: 5 * MS,
    load_duration: MS,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: MS,
    eval_count: evalCount,
    eval_duration: 3 * MS,
  });
  if (body.stream === false) return json(final(calls ? "" : text));
  const steps = calls
    ? [line({ ...piece("", { tool_calls: calls }), done: false })]
    : splitText(text, settings.chunks).map((text) => line({ ...piece(text), done: false }));
  steps.push(line(final("")));
  steps[0] = { ...steps[0]!, delayMs: settings.ttftMs };
  for (let i = 1; i < steps.length - 1; i++) {
    steps[i] = { ...steps[i]!, delayMs: settings.chunkGapMs };
  }
  return streamBody(steps, exchange, { headers: NDJSON_HEADERS, cut: exchange.cut });
}

const chat: Route = async (exchange) => {
  const body = bodyObject(exchange.rec.body) ?? {};
  if (!findModel(exchange.settings, body.model)) return notFound(body.model);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  if (messages.length === 0) {
    return json({
      model: body.model,
      created_at: new Date().toISOString(),
      message: { role: "assistant", content: "" },
      done_reason: isUnload(body) ? "unload" : "load",
      done: true,
    });
  }
  if (!(await loadModel(exchange, String(body.model)))) return abandoned();
  const fitted = fitContext(messages, requestedContext(body));
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const last = messages[messages.length - 1] as { role?: unknown };
  // Calls the first tool offered, unless the last message already is a tool result.
  const tool = tools.length > 0 && last?.role !== "tool"
    ? String((tools[0] as { function?: { name?: unknown } }).function?.name)
    : undefined;
  return answer(exchange, body, "chat", fitted.tokens, tool);
};

const generate: Route = async (exchange) => {
  const body = bodyObject(exchange.rec.body) ?? {};
  const model = findModel(exchange.settings, body.model);
  if (!model) return notFound(body.model);
  const prompt = typeof body.prompt === "string" ? body.prompt : "";
  // The load/unload form: loads (or unloads) and records it (lifecycle.ts).
  if (prompt === "") return ollamaGenerate(exchange);
  if (!(await loadModel(exchange, model.id))) return abandoned();
  if (typeof body.suffix === "string" && body.suffix !== "") {
    if (!describeModel(model).capabilities.includes("insert")) {
      return json({ error: `registry.ollama.ai/library/${model.id} does not support insert` }, 400);
    }
  }
  const tokens = fitContext(
    [{ content: prompt + String(body.suffix ?? "") }],
    requestedContext(body),
  );
  const suffix = typeof body.suffix === "string" && body.suffix !== "" ? body.suffix : undefined;
  const text = suffix === undefined ? undefined : fimReply(suffix);
  return answer(exchange, body, "generate", tokens.tokens, undefined, text);
};

const embed: Route = ({ rec, settings }) => {
  const body = bodyObject(rec.body) ?? {};
  const model = findModel(settings, body.model);
  if (!model) return notFound(body.model);
  if (!describeModel(model).capabilities.includes("embedding")) {
    return json({ error: `"${model.id}" does not support embeddings` }, 400);
  }
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return json({
    model: body.model,
    embeddings: inputs.map((_, i) => vector(i)),
    total_duration: 2 * MS,
    load_duration: MS,
    prompt_eval_count: inputs.length,
  });
};

const embeddings: Route = ({ rec, settings }) => {
  const body = bodyObject(rec.body) ?? {};
  if (!findModel(settings, body.model)) return notFound(body.model);
  return json({ embedding: vector(0) });
};

/** Unit-length vectors, as /api/embed returns them. */
function vector(index: number): number[] {
  const raw = Array.from({ length: 8 }, (_, k) => Math.sin(index + k + 1));
  const norm = Math.hypot(...raw);
  return raw.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}

/** `/api/pull`: progress lines (`stream` defaults to true), or only the last one. */
const pull: Route = (exchange) => {
  const body = bodyObject(exchange.rec.body) ?? {};
  const name = String(body.model ?? body.name ?? "");
  const digest = "sha256:" + "ab".repeat(32);
  const total = 4_661_224_676;
  const progress = [
    { status: "pulling manifest" },
    { status: `pulling ${digest.slice(7, 19)}`, digest, total, completed: 0 },
    { status: `pulling ${digest.slice(7, 19)}`, digest, total, completed: total / 2 },
    { status: `pulling ${digest.slice(7, 19)}`, digest, total, completed: total },
    { status: "verifying sha256 digest" },
    { status: "writing manifest" },
    { status: "success" },
  ];
  if (name !== "" && !findModel(exchange.settings, name)) {
    exchange.settings.models.push({ id: name.includes(":") ? name : `${name}:latest` });
  }
  if (body.stream === false) return json({ status: "success" });
  return streamBody(progress.map(line), exchange, { headers: NDJSON_HEADERS });
};

/** The one route with a parameter: every `/api/blobs/{digest}` path is looked up as this. */
export const BLOBS_ROUTE = "/api/blobs/:digest";

const removeModel: Route = ({ rec, settings }) => {
  const body = bodyObject(rec.body) ?? {};
  const name = body.model ?? body.name;
  const index = settings.models.findIndex((m) => m.id === name);
  if (index < 0) return json({ error: `model '${String(name)}' not found` }, 404);
  settings.models.splice(index, 1);
  return new Response(null, { status: 200 });
};

const copy: Route = ({ rec, settings }) => {
  const body = bodyObject(rec.body) ?? {};
  const source = findModel(settings, body.source);
  if (!source) return json({ error: `model '${String(body.source)}' not found` }, 404);
  settings.models.push({ ...source, id: String(body.destination) });
  return new Response(null, { status: 200 });
};

const status = (statuses: string[]): Route => (exchange) => {
  const body = bodyObject(exchange.rec.body) ?? {};
  if (body.stream === false) return json({ status: "success" });
  return streamBody(statuses.map((s) => line({ status: s })), exchange, {
    headers: NDJSON_HEADERS,
  });
};

/**
 * `HEAD /api/blobs/:digest`: 200 when the blob is there, else 404 (`ollama create` asks before
 * it uploads). `POST`: 201 once the body's SHA-256 is the digest, 400 when it is not.
 */
const blobExists: Route = ({ rec, settings }) =>
  new Response(null, { status: settings.blobs.has(digestOf(rec.path)) ? 200 : 404 });

const createBlob: Route = async ({ rec, settings }) => {
  const digest = digestOf(rec.path);
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(rec.bodyText));
  const actual = "sha256:" +
    [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (actual !== digest) return json({ error: "digest mismatch" }, 400);
  settings.blobs.add(digest);
  return new Response(null, { status: 201 });
};

const digestOf = (path: string) => decodeURIComponent(path.slice("/api/blobs/".length));

export const ollamaNativeRoutes: Record<string, Route> = {
  [`HEAD ${BLOBS_ROUTE}`]: blobExists,
  [`POST ${BLOBS_ROUTE}`]: createBlob,
  "POST /api/chat": chat,
  "POST /api/generate": generate,
  "POST /api/embed": embed,
  "POST /api/embeddings": embeddings,
  "POST /api/pull": pull,
  "DELETE /api/delete": removeModel,
  "POST /api/copy": copy,
  "POST /api/create": status(["reading model metadata", "writing manifest", "success"]),
  "POST /api/push": status(["retrieving manifest", "pushing manifest", "success"]),
};
