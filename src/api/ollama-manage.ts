/**
 * Ollama's model management — `/api/pull`, `/api/push`, `/api/create`, `/api/copy`,
 * `/api/delete` and the `/api/blobs/{digest}` uploads `create` uses — acts on one Ollama backend:
 * the one named by `?backend=NAME` or the `X-Nexus-Backend: NAME` header, else the only healthy
 * Ollama backend; with several and no name, 400 lists the choices. The request goes to that
 * backend as it is and its answer (pull progress, streamed) comes back unchanged; the client
 * leaving cancels it. These routes are as open as Ollama's own.
 * @module
 */
import type { Context, Hono } from "hono";
import { describeError } from "../lib/errors.ts";
import { type Backend, isRoutable } from "../registry/mod.ts";
import { stampRequestId } from "./headers.ts";
import type { OllamaRouteDeps } from "./ollama.ts";
import { ollamaError } from "./ollama.ts";

const ROUTES: ReadonlyArray<readonly [method: "POST" | "DELETE" | "HEAD", path: string]> = [
  ["POST", "/api/pull"],
  ["POST", "/api/push"],
  ["POST", "/api/create"],
  ["POST", "/api/copy"],
  ["DELETE", "/api/delete"],
  ["HEAD", "/api/blobs/:digest"],
  ["POST", "/api/blobs/:digest"],
];

export const MANAGEMENT_PATHS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^\/api\/(pull|push|create|copy)$/, ["POST"]],
  [/^\/api\/delete$/, ["DELETE"]],
  [/^\/api\/blobs\/[^/]+$/, ["HEAD", "POST"]],
];

export function mountOllamaManagement(app: Hono, deps: OllamaRouteDeps): void {
  for (const [method, path] of ROUTES) {
    if (method === "HEAD") {
      // Hono routes a HEAD request as GET (and drops the body it answers): a route registered
      // for HEAD is never reached. A real GET is still no method of this path.
      app.get(path, async (c, next) => {
        if (c.req.raw.method !== "HEAD") return await next();
        return stampRequestId(c.req.raw, await relay(c, deps));
      });
      continue;
    }
    app.on(method, path, async (c) => stampRequestId(c.req.raw, await relay(c, deps)));
  }
}

async function relay(c: Context, deps: OllamaRouteDeps): Promise<Response> {
  const name = namedBackend(c);
  if (name instanceof Response) return name;
  const target = chooseBackend(deps, name);
  if (target instanceof Response) return target;
  const request = c.req.raw;
  const url = new URL(request.url);
  url.searchParams.delete("backend");
  const headers = new Headers();
  for (const name of ["content-type", "content-length"]) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const key = deps.apiKeyFor(target);
  if (key !== undefined) headers.set("authorization", `Bearer ${key}`);
  const hasBody = request.method !== "HEAD" && request.body !== null;
  let upstream: Response;
  try {
    upstream = await deps.fetch(target.url + url.pathname + url.search, {
      method: request.method,
      headers,
      ...(hasBody ? { body: request.body, duplex: "half" } as RequestInit : {}),
      signal: request.signal,
    });
  } catch (error) {
    return ollamaError(
      "upstream_failed",
      `Backend ${target.name} could not be reached: ${describeError(error)}`,
    );
  }
  const out = new Headers({ "x-nexus-backend": target.name });
  const type = upstream.headers.get("content-type");
  if (type !== null) out.set("content-type", type);
  return new Response(request.method === "HEAD" ? null : upstream.body, {
    status: upstream.status,
    headers: out,
  });
}

/**
 * The backend `?backend=` or `X-Nexus-Backend` names; two different names are refused rather
 * than one picked silently (a pull of many gigabytes to the wrong machine is not undone).
 */
function namedBackend(c: Context): string | undefined | Response {
  const query = c.req.query("backend");
  const header = c.req.header("x-nexus-backend");
  if (query !== undefined && header !== undefined && query !== header) {
    return ollamaError(
      "invalid_request",
      `?backend=${query} and X-Nexus-Backend: ${header} name different backends; name one`,
    );
  }
  return query ?? header;
}

/** The named Ollama backend, or the only healthy one; an Ollama error response otherwise. */
function chooseBackend(deps: OllamaRouteDeps, name: string | undefined): Backend | Response {
  const ollamas = deps.registry.list().filter((b) => b.type === "ollama");
  const choices = ollamas.map((b) => b.name).join(", ") || "none";
  if (name !== undefined && name !== "") {
    const backend = deps.registry.get(name);
    if (backend === undefined) {
      return ollamaError("not_found", `No backend named "${name}" (Ollama backends: ${choices})`);
    }
    if (backend.type !== "ollama") {
      return ollamaError(
        "invalid_request",
        `Backend "${name}" is of type ${backend.type}; model management needs an Ollama backend (${choices})`,
      );
    }
    return backend;
  }
  const healthy = ollamas.filter((b) => isRoutable(b.status));
  if (healthy.length === 1) return healthy[0]!;
  return ollamaError(
    "invalid_request",
    healthy.length === 0
      ? `No healthy Ollama backend to manage models on (Ollama backends: ${choices})`
      : `Several Ollama backends could do this: name one with ?backend=NAME or the X-Nexus-Backend header (${
        healthy.map((b) => b.name).join(", ")
      })`,
  );
}
