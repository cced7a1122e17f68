/**
 * Hostile backends for the hardening tests (issue 14): servers that answer like a real LLM server
 * where it suits them and otherwise redirect, echo the request's headers (API keys included)
 * into their errors, send bodies that never end, answer HTML, or list absurd numbers of models.
 * Each path gets a behaviour; every request is recorded, and an endless body records when the
 * client gave up on it. Served by the runtime adapter on loopback port 0 (Bun and Deno).
 */
import { loadRuntime } from "../../src/runtime/mod.ts";

export type Behaviour =
  /** This status with a `Location` (and a short body). */
  | { readonly kind: "redirect"; readonly status: number; readonly location: string }
  /** This status with every request header (Authorization included) in the body. */
  | { readonly kind: "echo-headers"; readonly status: number; readonly json?: boolean }
  /** 200 and a body that never ends (chunks until the client goes away). */
  | { readonly kind: "endless"; readonly contentType: string; readonly chunkBytes?: number }
  /** A page: 200 text/html by default (a captive portal, a login page). */
  | {
    readonly kind: "page";
    readonly contentType?: string;
    readonly status?: number;
    readonly body?: string;
  }
  /** An OpenAI model list of `count` models named `m-0` … */
  | { readonly kind: "models"; readonly count: number; readonly prefix?: string }
  /** A plain JSON answer. */
  | { readonly kind: "json"; readonly status?: number; readonly body: unknown };

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

export interface HostileBackend {
  readonly url: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** Endless bodies the client has stopped reading (their stream was cancelled). */
  readonly abandoned: () => number;
  /** Bytes of endless bodies handed to the client so far. */
  readonly sentBytes: () => number;
  set(path: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

/** `behaviours` by path; a path with none answers 404. */
export async function startHostileBackend(
  behaviours: Record<string, Behaviour>,
): Promise<HostileBackend> {
  const runtime = await loadRuntime();
  const table = new Map(Object.entries(behaviours));
  const requests: SeenRequest[] = [];
  let abandoned = 0;
  let sent = 0;
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const handler = (request: Request): Response => {
    const path = new URL(request.url).pathname;
    requests.push({
      method: request.method,
      path,
      headers: Object.fromEntries(request.headers),
    });
    const behaviour = table.get(path);
    if (!behaviour) return new Response("not here", { status: 404 });
    switch (behaviour.kind) {
      case "redirect":
        return new Response(`moved to ${behaviour.location}`, {
          status: behaviour.status,
          headers: { location: behaviour.location },
        });
      case "echo-headers": {
        const dump = Object.entries(Object.fromEntries(request.headers))
          .map(([name, value]) => `${name}: ${value}`).join("\n");
        return behaviour.json
          ? Response.json({ error: { message: `rejected; you sent:\n${dump}` } }, {
            status: behaviour.status,
          })
          : new Response(`upstream failure; request was:\n${dump}`, { status: behaviour.status });
      }
      case "endless": {
        const chunk = new Uint8Array(behaviour.chunkBytes ?? 64 * 1024).fill(0x20);
        let self: ReadableStreamDefaultController<Uint8Array>;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            self = controller;
            open.add(controller);
          },
          async pull(controller) {
            // A little pacing keeps the test's own memory flat while the client reads.
            await new Promise((resolve) => setTimeout(resolve, 1));
            sent += chunk.byteLength;
            controller.enqueue(chunk);
          },
          cancel() {
            open.delete(self);
            abandoned++;
          },
        }, { highWaterMark: 1 });
        return new Response(body, { headers: { "content-type": behaviour.contentType } });
      }
      case "page":
        return new Response(
          behaviour.body ?? "<!doctype html><html><body>Please log in to the Wi-Fi</body></html>",
          {
            status: behaviour.status ?? 200,
            headers: { "content-type": behaviour.contentType ?? "text/html; charset=utf-8" },
          },
        );
      case "models": {
        const prefix = behaviour.prefix ?? "m-";
        const data = Array.from({ length: behaviour.count }, (_, i) => ({
          id: `${prefix}${i}`,
          object: "model",
          owned_by: "hostile",
        }));
        return Response.json({ object: "list", data });
      }
      case "json":
        return Response.json(behaviour.body, { status: behaviour.status ?? 200 });
    }
  };
  const server = await runtime.serve(handler, { hostname: "127.0.0.1", port: 0 });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    requests,
    abandoned: () => abandoned,
    sentBytes: () => sent,
    set: (path, behaviour) => void table.set(path, behaviour),
    async close() {
      for (const controller of open) {
        try {
          controller.error(new Error("closing"));
        } catch { /* already closed */ }
      }
      await server.stop(true);
    },
  };
}
