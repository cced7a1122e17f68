/**
 * What a route handler sees: the mock's current settings and the request being answered.
 * @module
 */
import type { RequestLifetime } from "./lifetime.ts";
import type { MockFault, MockFlavor, MockModel, RecordedRequest } from "./types.ts";

export interface MockSettings {
  flavor: MockFlavor;
  models: MockModel[];
  latencyMs: number;
  ttftMs: number;
  chunks: number;
  chunkGapMs: number;
  text: string;
  toolArguments: string;
  toolChunks: number;
  stallModel: string | undefined;
  stallMs: number;
  apiKey: string | undefined;
  ollamaNoCapabilities: boolean;
  anthropic: boolean;
  responses: boolean;
  fault: MockFault;
  /** Requests in the fault's scope since it was set (for `flaky`). */
  faultHits: number;
  /** How long loading a cold model takes before its first byte. */
  coldLoadMs: number;
  /** Models kept loaded at once; loading one more evicts the least recently used. */
  maxLoadedModels: number;
  /** Cold models loaded so far. */
  loads: number;
  lastUsed: Map<string, number>;
  useCounter: number;
  /** llama.cpp only: router mode (many models, loaded on demand). */
  router: boolean;
  /** Load/unload requests received, as `load MODEL` / `unload MODEL`. */
  lifecycle: string[];
  /** Ollama: digests of the blobs uploaded (`POST /api/blobs/{digest}`). */
  blobs: Set<string>;
}

/** How a faulty stream stops after `afterChunks` events. */
export interface StreamCut {
  readonly afterChunks: number;
  readonly mode: "hang" | "close";
}

/** Keeps the count of open bodies; `opened` returns the callback to call once it is done. */
export interface StreamTracker {
  opened(): () => void;
}

export interface Exchange {
  readonly rec: RecordedRequest;
  readonly life: RequestLifetime;
  readonly settings: MockSettings;
  readonly streams: StreamTracker;
  /** Set when a mid-stream fault applies to this request. */
  readonly cut?: StreamCut;
  /** The client went away (signal aborted or body cancelled); ignored once the answer is done. */
  clientGone(): void;
}

export type Route = (exchange: Exchange) => Response | Promise<Response>;

/** The parsed request body when it is a JSON object. */
export function bodyObject(body: unknown): Record<string, unknown> | undefined {
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? body as Record<string, unknown>
    : undefined;
}

export function findModel(settings: MockSettings, id: unknown): MockModel | undefined {
  return typeof id === "string" ? settings.models.find((m) => m.id === id) : undefined;
}
