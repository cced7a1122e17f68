/**
 * Ollama (REFERENCE.md B1). `/api/version` proves it is up, `/api/tags` lists the models,
 * `/api/ps` says which are loaded in memory (a warm model answers in milliseconds, a cold one
 * may take tens of seconds), and `POST /api/show` per model gives its capabilities and context
 * window. Ollama has no API keys of its own, so none is sent. The requests go one at a time (a
 * probe holds at most one connection to a backend; see http.ts).
 * @module
 */
import type { ModelInfo, NativeModelFacts } from "../registry/mod.ts";
import { defineAdapter, failure } from "./define-adapter.ts";
import { isObject, type JsonObject, parseVersion, readArray, readString } from "./guards.ts";
import { type HttpContext, requestJson } from "./http.ts";
import { mapLimit } from "./map-limit.ts";
import { type RunningFacts, runningFacts, tagFacts } from "./ollama-facts.ts";
import { cachedDetails, showModel } from "./ollama-show.ts";
import type { ProbeContext, ProbeResult } from "./types.ts";

/** /api/show calls in flight at once: one, as every probe request (see http.ts). */
export const SHOW_CONCURRENCY = 1;

export const ollamaAdapter = defineAdapter("ollama", 11434, probeOllama);

interface OllamaTag {
  readonly name: string;
  readonly digest?: string;
  readonly native?: NativeModelFacts;
}

async function probeOllama(context: ProbeContext): Promise<ProbeResult> {
  const http: HttpContext = {
    baseUrl: context.baseUrl,
    fetch: context.fetch,
    signal: context.signal,
  };
  const version = await requestJson(http, "/api/version", parseVersion);
  if (!version.ok) return failure(version.reason);
  const tags = await requestJson(http, "/api/tags", parseTags);
  if (!tags.ok) return failure(tags.reason);
  const running = await requestJson(http, "/api/ps", parseRunning);
  const loaded = running.ok ? running.value : undefined;
  const previous = new Map((context.previousModels ?? []).map((model) => [model.id, model]));
  // Past the deadline the remaining lookups fail at once and those models stay unknown: the
  // server did answer /api/tags, and the next probe fills in what this one could not.
  const models = await mapLimit(tags.value, SHOW_CONCURRENCY, async (tag): Promise<ModelInfo> => {
    const details = cachedDetails(previous, tag.name, tag.digest) ??
      await showModel(http, tag.name);
    const running = loaded?.get(tag.name);
    // What the loaded model runs with, else the Modelfile's num_ctx; Ollama caps either at the
    // model's own maximum.
    const defaultContext = atMost(
      running?.context_length ?? details?.num_ctx,
      details?.context_length,
    );
    const native = nativeFacts(tag.native, running, details?.num_ctx);
    return {
      id: tag.name,
      capabilities: details?.capabilities ?? {},
      ...(details?.context_length === undefined ? {} : { context_length: details.context_length }),
      // No digest without details, so the cache never keeps a failed lookup.
      ...(details === undefined || tag.digest === undefined ? {} : { digest: tag.digest }),
      ...(loaded === undefined ? {} : { loaded: running !== undefined }),
      ...(defaultContext === undefined ? {} : { default_context: defaultContext }),
      ...(native === undefined ? {} : { native }),
    };
  });
  return { ok: true, models, version: version.value };
}

/** `{"models":[{"name","model","digest",…}]}`; entries without a name are skipped. */
export function parseTags(json: unknown): OllamaTag[] | undefined {
  const entries = modelEntries(json);
  if (!entries) return undefined;
  const tags: OllamaTag[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = readString(entry, "name") ?? readString(entry, "model");
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    const digest = readString(entry, "digest");
    const native = tagFacts(entry);
    tags.push({
      name,
      ...(digest === undefined ? {} : { digest }),
      ...(native === undefined ? {} : { native }),
    });
  }
  return tags;
}

/** `/api/ps`: the models in memory now, by name, with what the server says about each. */
export function parseRunning(json: unknown): Map<string, RunningFacts> | undefined {
  const entries = modelEntries(json);
  return entries ? runningFacts(entries) : undefined;
}

function atMost(value: number | undefined, limit: number | undefined): number | undefined {
  return value === undefined || limit === undefined ? value : Math.min(value, limit);
}

function nativeFacts(
  tag: NativeModelFacts | undefined,
  running: RunningFacts | undefined,
  numCtx: number | undefined,
): NativeModelFacts | undefined {
  if (running === undefined && numCtx === undefined) return tag;
  const { context_length: _context, ...memory } = running ?? {};
  return { ...tag, ...memory, ...(numCtx === undefined ? {} : { num_ctx: numCtx }) };
}

function modelEntries(json: unknown): JsonObject[] | undefined {
  if (!isObject(json)) return undefined;
  // Ollama builds that marshal an empty Go slice send `"models": null`.
  if (json.models === null) return [];
  return readArray(json, "models")?.filter(isObject);
}
