/**
 * A mock of the LLM servers Nexus fronts (Ollama, vLLM, llama.cpp, LM Studio, generic OpenAI),
 * speaking their wire formats (REFERENCE.md Part B) with scripted latency and faults. The tests
 * use it, and the benchmark harness imports it from here (bench/ depends on tests/, never the
 * other way round). The handler is web-standard (Request → Response); the runtime adapter only
 * serves it.
 *
 * ```ts
 * const mock = createMockUpstream({ flavor: "ollama", chunks: 20, chunkGapMs: 5 });
 * const server = await runtime.serve(mock.fetch, { hostname: "127.0.0.1", port: 0 });
 * mock.setFault({ kind: "close-mid-stream", afterChunks: 3 });
 * ```
 *
 * As a process: `bun tests/mock/cli.ts --port 0 --flavor openai --latency 0 --ttft 0 --chunks 20
 * --gap 5` (see cli.ts).
 * @module
 */
import { anthropicRoutes, MESSAGES_PATH } from "./anthropic.ts";
import { DEFAULT_REPLY, TOOL_ARGUMENTS } from "./chat.ts";
import type { Exchange, MockSettings, Route, StreamTracker } from "./context.ts";
import { applyFault, truncateJson } from "./faults.ts";
import { abandoned, notFound, now, unauthorized } from "./http.ts";
import { RequestLifetime, type TimerCount } from "./lifetime.ts";
import { ollamaRoutes } from "./ollama.ts";
import { BLOBS_ROUTE } from "./ollama-native.ts";
import { llamacppRouterRoutes, lmstudioLifecycleRoutes } from "./lifecycle.ts";
import { CHAT_PATH, openaiRoutes } from "./openai.ts";
import { RESPONSES_PATH, responsesRoutes } from "./responses.ts";
import { llamacppRoutes, lmstudioRoutes, vllmRoutes } from "./servers.ts";
import { malformedSse, partialBody } from "./sse.ts";
import type {
  MockFault,
  MockFlavor,
  MockModel,
  MockOptions,
  MockUpstream,
  RecordedRequest,
} from "./types.ts";

export type {
  FaultScope,
  MockFault,
  MockFlavor,
  MockModel,
  MockOptions,
  MockUpstream,
  RecordedRequest,
} from "./types.ts";
export { DEFAULT_REPLY } from "./chat.ts";

const NATIVE_ROUTES: Record<MockFlavor, Record<string, Route>> = {
  ollama: ollamaRoutes,
  vllm: vllmRoutes,
  llamacpp: llamacppRoutes,
  lmstudio: { ...lmstudioRoutes, ...lmstudioLifecycleRoutes },
  openai: {},
};

/** Ollama's native routes that stream unless told not to. */
const NDJSON_STREAMS = new Set(["/api/chat", "/api/generate"]);

function routesFor(settings: MockSettings): Map<string, Route> {
  const anthropic = settings.anthropic ? anthropicRoutes : {};
  const responses = settings.responses ? responsesRoutes : {};
  const router = settings.flavor === "llamacpp" && settings.router ? llamacppRouterRoutes : {};
  return new Map(
    Object.entries({
      ...openaiRoutes,
      ...anthropic,
      ...responses,
      ...NATIVE_ROUTES[settings.flavor],
      ...router,
    }),
  );
}

function settingsFrom(options: MockOptions): MockSettings {
  return {
    flavor: options.flavor ?? "openai",
    // Copies: a load or an eviction changes the mock's models, never the caller's objects.
    models: (options.models ?? [{ id: "mock-model" }]).map((model) => ({ ...model })),
    latencyMs: options.latencyMs ?? 0,
    ttftMs: options.ttftMs ?? 0,
    chunks: options.chunks ?? 5,
    chunkGapMs: options.chunkGapMs ?? 0,
    text: options.text ?? DEFAULT_REPLY,
    toolArguments: options.toolArguments ?? TOOL_ARGUMENTS,
    toolChunks: options.toolChunks ?? 3,
    stallModel: options.stallModel,
    stallMs: options.stallMs ?? 10_000,
    apiKey: options.apiKey,
    ollamaNoCapabilities: options.ollamaNoCapabilities ?? false,
    anthropic: options.anthropic ?? false,
    responses: options.responses ?? false,
    fault: { kind: "none" },
    faultHits: 0,
    coldLoadMs: options.coldLoadMs ?? 0,
    maxLoadedModels: options.maxLoadedModels ?? Number.POSITIVE_INFINITY,
    loads: 0,
    lastUsed: new Map(),
    useCounter: 0,
    router: options.router ?? false,
    lifecycle: [],
    blobs: new Set(),
  };
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Abandoned chat requests, queued until a `nextAbort()` caller takes them. */
function createAbortQueue() {
  const queued: RecordedRequest[] = [];
  const waiting: ((rec: RecordedRequest) => void)[] = [];
  return {
    push(rec: RecordedRequest): void {
      const waiter = waiting.shift();
      if (waiter) waiter(rec);
      else queued.push(rec);
    },
    next(): Promise<RecordedRequest> {
      const rec = queued.shift();
      return rec ? Promise.resolve(rec) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

export function createMockUpstream(options: MockOptions = {}): MockUpstream {
  const settings = settingsFrom(options);
  let routes = routesFor(settings);
  const requests: RecordedRequest[] = [];
  const aborts = createAbortQueue();
  const timers: TimerCount = { value: 0 };
  const live = new Set<RequestLifetime>();
  let openBodies = 0;
  let activeChats = 0;
  let peakChats = 0;

  async function answer(exchange: Exchange): Promise<Response> {
    const { rec } = exchange;
    if (settings.apiKey !== undefined && rec.path.startsWith("/v1/")) {
      const auth = rec.headers["authorization"];
      if (auth !== `Bearer ${settings.apiKey}`) return unauthorized(auth !== undefined);
    }
    const fault = await applyFault(exchange);
    if (fault.respond) return fault.respond;
    const routePath = rec.path.startsWith("/api/blobs/") ? BLOBS_ROUTE : rec.path;
    const route = routes.get(`${rec.method} ${routePath}`);
    if (!route) return notFound(settings.flavor, rec.method, rec.path);
    const stream = (rec.body as { stream?: unknown } | undefined)?.stream;
    const streamed =
      ((rec.path === CHAT_PATH || rec.path === RESPONSES_PATH || rec.path === MESSAGES_PATH) &&
        stream === true) ||
      (NDJSON_STREAMS.has(rec.path) && settings.flavor === "ollama" && stream !== false);
    if (fault.malformed && streamed) {
      return malformedSse(exchange, String((rec.body as { model?: unknown }).model));
    }
    const response = await route(fault.cut ? { ...exchange, cut: fault.cut } : exchange);
    if (streamed || exchange.life.ended || !(fault.malformed || fault.cut)) return response;
    const text = await response.text();
    return fault.cut
      ? partialBody(text, response, exchange, fault.cut)
      : truncateJson(text, response);
  }

  async function handle(request: Request): Promise<Response> {
    const receivedAt = now();
    const url = new URL(request.url);
    let bodyText: string;
    try {
      bodyText = await request.text();
    } catch {
      return abandoned(); // the client left while sending its body
    }
    const rec: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      headers: Object.fromEntries(request.headers),
      bodyText,
      body: parseJson(bodyText),
      receivedAt,
    };
    requests.push(rec);
    const life = new RequestLifetime(timers);
    live.add(life);
    const isChat = rec.method === "POST" && rec.path === CHAT_PATH;
    if (isChat) {
      activeChats++;
      peakChats = Math.max(peakChats, activeChats);
      life.onEnd(() => activeChats--);
    }
    // Deno also aborts request.signal after a successful response (its "legacy" behaviour):
    // once the lifetime has ended, an abort is not the client's.
    const clientGone = () => {
      if (life.ended) return;
      rec.abortedAt = now();
      life.end("aborted");
      if (isChat) aborts.push(rec);
    };
    const signal = request.signal;
    signal.addEventListener("abort", clientGone);
    life.onEnd(() => {
      signal.removeEventListener("abort", clientGone);
      live.delete(life);
    });
    if (signal.aborted) clientGone();
    let streaming = false;
    const streams: StreamTracker = {
      opened() {
        streaming = true;
        openBodies++;
        let open = true;
        return () => {
          if (open) openBodies--;
          open = false;
        };
      },
    };
    let response: Response;
    try {
      response = await answer({ rec, life, settings, streams, clientGone });
    } catch (error) {
      life.end("cut"); // a bug in a route must not leave its timers behind
      throw error;
    }
    if (!streaming && !life.ended) {
      rec.completedAt = now();
      life.end("completed");
    }
    return response;
  }

  return {
    fetch: handle,
    requests,
    chatRequests: () => requests.filter((r) => r.method === "POST" && r.path === CHAT_PATH),
    setFault(fault: MockFault) {
      settings.fault = fault;
      settings.faultHits = 0;
    },
    setModels(models: MockModel[]) {
      settings.models = models.map((model) => ({ ...model }));
    },
    setOptions(patch: Partial<MockOptions>) {
      const next = settingsFrom({ ...currentOptions(settings), ...patch });
      Object.assign(settings, { ...next, fault: settings.fault, faultHits: settings.faultHits });
      routes = routesFor(settings);
    },
    nextAbort: () => aborts.next(),
    activeStreams: () => openBodies,
    peakChatRequests: () => peakChats,
    loads: () => settings.loads,
    lifecycleCalls: () => [...settings.lifecycle],
    pendingTimers: () => timers.value,
    shutdown() {
      for (const life of [...live]) life.end("shutdown");
    },
  };
}

function currentOptions(settings: MockSettings): MockOptions {
  const {
    fault: _fault,
    faultHits: _hits,
    loads: _loads,
    lastUsed: _used,
    useCounter: _counter,
    lifecycle: _lifecycle,
    maxLoadedModels,
    ...options
  } = settings;
  return Number.isFinite(maxLoadedModels) ? { ...options, maxLoadedModels } : options;
}
