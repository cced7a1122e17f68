import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { adapterFor, detectBackendType, type ProbeResult } from "../../../src/backends/mod.ts";
import { BACKEND_TYPES } from "../../../src/config/mod.ts";
import type { ModelInfo } from "../../../src/registry/mod.ts";
import {
  BASE_URL,
  createFakeFetch,
  fixture,
  type Reply,
} from "../../helpers/fake-backend-fetch.ts";

/** Each route with the fixture a real server answers it with. */
const ROUTES = {
  "GET /api/version": "ollama-version.json",
  "GET /api/tags": "ollama-tags.json",
  "GET /api/ps": "ollama-ps.json",
  "POST /api/show": "ollama-show-qwen3.json",
  "GET /health": "llamacpp-health-ok.json",
  "GET /props": "llamacpp-props.json",
  "GET /version": "vllm-version.json",
  "GET /v1/models": "vllm-models.json",
  "GET /api/v0/models": "lmstudio-v0-models.json",
  "*": "llamacpp-health-loading.json",
} as const;

/** Keys the adapters look for, so generated JSON often comes close to a real answer. */
const KEYS = [
  "models",
  "data",
  "version",
  "name",
  "model",
  "digest",
  "id",
  "capabilities",
  "model_info",
  "llama.context_length",
  "default_generation_settings",
  "n_ctx",
  "modalities",
  "vision",
  "total_slots",
  "build_info",
  "type",
  "state",
  "max_context_length",
  "max_model_len",
  "context_length",
  "context_window",
  "owned_by",
  "status",
] as const;

const nearShape = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom("completion", "tools", "vision", "embedding", "llm", "vlm", "loaded"),
    tie("object"),
    fc.array(tie("value"), { maxLength: 4 }),
  ),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie("value"), { maxKeys: 6 }),
})).object;

/** The real answer with one value replaced by anything, or one key removed. */
function mutated(text: string) {
  return fc.tuple(fc.nat(), fc.option(fc.jsonValue(), { nil: undefined })).map(([pick, value]) => {
    const root: unknown = JSON.parse(text);
    const slots: Array<[Record<string, unknown>, string]> = [];
    const walk = (node: unknown) => {
      if (typeof node !== "object" || node === null) return;
      for (const [key, child] of Object.entries(node)) {
        slots.push([node as Record<string, unknown>, key]);
        walk(child);
      }
    };
    walk(root);
    const slot = slots[pick % Math.max(1, slots.length)];
    if (slot && value === undefined) delete slot[0][slot[1]];
    else if (slot) slot[0][slot[1]] = value;
    return JSON.stringify(root);
  });
}

function bodyFor(route: keyof typeof ROUTES) {
  const real = fixture(ROUTES[route]);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(real) },
    { weight: 3, arbitrary: mutated(real) },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array(b)) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: nearShape.map((value) => JSON.stringify(value)) },
  );
}

/** Statuses whose responses cannot carry a body (Fetch standard "null body status"). */
const NULL_BODY = new Set([204, 205, 304]);

function replyFor(route: keyof typeof ROUTES): fc.Arbitrary<Reply> {
  const body = bodyFor(route);
  return fc.oneof(
    { weight: 8, arbitrary: body.map((b) => ({ status: 200, body: b })) },
    { weight: 2, arbitrary: fc.record({ status: fc.integer({ min: 200, max: 599 }), body }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Reply>(
        new TypeError("fetch failed"),
        Object.assign(new TypeError("socket closed"), { code: "ECONNRESET" }),
        "hang",
        "stall",
        "hang-body",
        () => {
          throw new RangeError("thrown by fetch");
        },
      ),
    },
  ).map((r) =>
    typeof r === "object" && !(r instanceof Error) && NULL_BODY.has(r.status ?? 200)
      ? { ...r, body: null }
      : r
  );
}

const routes = fc.record(
  Object.fromEntries(
    Object.keys(ROUTES).map((route) => [route, replyFor(route as keyof typeof ROUTES)]),
  ) as Record<
    keyof typeof ROUTES,
    fc.Arbitrary<Reply>
  >,
);

const previousModels = fc.option(
  fc.array(
    fc.record({
      id: fc.constantFrom("qwen3:8b", "llama3.1:8b", "llava:7b", "x"),
      capabilities: fc.constant({}),
      digest: fc.option(fc.string(), { nil: undefined }),
    }),
    { maxLength: 4 },
  ),
  { nil: undefined },
) as fc.Arbitrary<ModelInfo[] | undefined>;

/**
 * Aborts after `ticks` microtasks (landing mid-probe), or with none given once the current
 * macrotask is over (a probe of prompt answers is done by then): either way hung replies end.
 */
function deadline(ticks: number | undefined): AbortSignal {
  const controller = new AbortController();
  let chain = Promise.resolve();
  for (let i = 0; i < (ticks ?? 0); i++) chain = chain.then(() => {});
  if (ticks === undefined) setTimeout(() => controller.abort(), 0);
  else chain.then(() => controller.abort());
  return controller.signal;
}

const ticks = fc.option(fc.nat({ max: 40 }), { nil: undefined, freq: 3 });

function expectWellFormed(result: ProbeResult): void {
  if (result.ok) {
    for (const model of result.models) {
      expect(typeof model.id).toBe("string");
      expect(model.id.length).toBeGreaterThan(0);
      expect(typeof model.capabilities).toBe("object");
      if (model.context_length !== undefined) {
        expect(Number.isSafeInteger(model.context_length) && model.context_length > 0).toBe(true);
      }
    }
  } else {
    expect(typeof result.reason).toBe("string");
    expect(result.reason.length).toBeGreaterThan(0);
  }
}

describe("probe() property", () => {
  for (const type of BACKEND_TYPES) {
    test(`${type}: resolves with a well-formed result whatever the server sends`, async () => {
      await fc.assert(
        fc.asyncProperty(
          routes,
          previousModels,
          ticks,
          async (r, previous, ticks) => {
            const fake = createFakeFetch(r);
            const result = await adapterFor(type).probe({
              baseUrl: BASE_URL,
              fetch: fake.fetch,
              signal: deadline(ticks),
              ...(previous === undefined ? {} : { previousModels: previous }),
            });
            expectWellFormed(result);
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  test("detectBackendType() resolves with a type or undefined whatever the server sends", async () => {
    await fc.assert(
      fc.asyncProperty(routes, ticks, async (r, ticks) => {
        const fake = createFakeFetch(r);
        const type = await detectBackendType({
          baseUrl: BASE_URL,
          fetch: fake.fetch,
          signal: deadline(ticks),
        });
        expect(type === undefined || BACKEND_TYPES.includes(type)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
