/**
 * A fake `fetch` for backend adapter tests: routes `"METHOD /path"` to canned replies (usually
 * the captured bytes in tests/fixtures/backends/) and records every request it sees.
 */
import { readFileSync } from "node:fs";
import { adapterFor, type ProbeContext, type ProbeResult } from "../../src/backends/mod.ts";
import type { BackendType, ModelInfo } from "../../src/registry/mod.ts";

export type Reply =
  | {
    readonly status?: number;
    readonly body?: string | Uint8Array<ArrayBuffer> | null;
    readonly contentType?: string;
  }
  /** Never answers; rejects when the request's signal aborts, as a real fetch does. */
  | "hang"
  /** Never answers and ignores the signal: a fetch (or runtime) that fails to honour it. */
  | "stall"
  /** Answers 200 with headers, then never finishes the body. */
  | "hang-body"
  /** Rejects at once, like a network failure. */
  | Error
  | ((request: RecordedRequest) => Reply | Promise<Reply>);

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;
}

export const BASE_URL = "http://gpu-box.lan:8080";

const FIXTURES = new URL("../fixtures/backends/", import.meta.url);

/** The captured bytes of a fixture, unchanged. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES).pathname, "utf8");
}

/** A fixture served as JSON. */
export function json(name: string, status = 200): Reply {
  return { status, body: fixture(name), contentType: "application/json; charset=utf-8" };
}

export interface FakeFetch {
  readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  readonly requests: RecordedRequest[];
  /** How many requests reached `"METHOD /path"`. */
  calls(route: string): number;
}

/**
 * Routes are `"GET /api/tags"`-style keys; `"*"` answers every other request. Without it,
 * unrouted paths answer 404 with Go's net/http body, as Ollama does.
 */
export function createFakeFetch(routes: Readonly<Record<string, Reply>>): FakeFetch {
  const requests: RecordedRequest[] = [];
  const fetch = (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const request: RecordedRequest = {
      method: init.method ?? "GET",
      path: url.pathname,
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? init.body : undefined,
      signal: init.signal ?? undefined,
    };
    requests.push(request);
    const reply = routes[`${request.method} ${request.path}`] ?? routes["*"] ?? NOT_FOUND;
    return answer(reply, request);
  };
  return {
    fetch,
    requests,
    calls: (route) => requests.filter((r) => `${r.method} ${r.path}` === route).length,
  };
}

const NOT_FOUND: Reply = {
  status: 404,
  body: "404 page not found",
  contentType: "text/plain; charset=utf-8",
};

async function answer(reply: Reply, request: RecordedRequest): Promise<Response> {
  if (typeof reply === "function") return answer(await reply(request), request);
  if (reply instanceof Error) return Promise.reject(reply);
  if (reply === "stall") return new Promise<Response>(() => {});
  if (reply === "hang") {
    return new Promise<Response>((_, reject) => {
      request.signal?.addEventListener("abort", () => reject(request.signal?.reason));
    });
  }
  if (reply === "hang-body") {
    const body = new ReadableStream<Uint8Array>({ start: () => {} });
    return Promise.resolve(new Response(body, { status: 200 }));
  }
  const headers = reply.contentType ? { "content-type": reply.contentType } : undefined;
  return Promise.resolve(
    new Response(reply.body ?? null, { status: reply.status ?? 200, headers }),
  );
}

export interface ProbeOptions {
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly previousModels?: readonly ModelInfo[];
  readonly signal?: AbortSignal;
}

/** Probes a fake server of `type` answering `routes`; returns the result and the requests. */
export async function probeFake(
  type: BackendType,
  routes: Readonly<Record<string, Reply>>,
  options: ProbeOptions = {},
): Promise<{ result: ProbeResult; fake: FakeFetch }> {
  const fake = createFakeFetch(routes);
  const context: ProbeContext = {
    baseUrl: options.baseUrl ?? BASE_URL,
    fetch: fake.fetch,
    signal: options.signal ?? new AbortController().signal,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.previousModels === undefined ? {} : { previousModels: options.previousModels }),
  };
  const result = await adapterFor(type).probe(context);
  return { result, fake };
}

/** The models of a successful result; fails the test with the reason otherwise. */
export function modelsOf(result: ProbeResult): readonly ModelInfo[] {
  if (!result.ok) throw new Error(`probe failed: ${result.reason}`);
  return result.models;
}
