import { describe, expect, test } from "bun:test";
import {
  fixture,
  json,
  modelsOf,
  probeFake,
  type RecordedRequest,
  type Reply,
} from "../../helpers/fake-backend-fetch.ts";
import type { ProbeResult } from "../../../src/backends/mod.ts";

const DIGEST_LLAMA = "46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e";

const SHOW: Readonly<Record<string, string>> = {
  "qwen3:8b": "ollama-show-qwen3.json",
  "llama3.1:8b": "ollama-show-llama3.1.json",
  "llava:7b": "ollama-show-llava.json",
  "nomic-embed-text:latest": "ollama-show-nomic-embed-text.json",
};

/** Answers /api/show by the model named in the body, as Ollama does; 404 for unknown ones. */
function showByModel(
  files: Readonly<Record<string, string>>,
  overrides: Record<string, Reply> = {},
) {
  return (request: RecordedRequest): Reply => {
    const model = JSON.parse(request.body ?? "{}").model as string;
    const file = files[model];
    if (overrides[model]) return overrides[model]!;
    if (file) return json(file);
    return { status: 404, body: `{"error":"model '${model}' not found"}` };
  };
}

function ollama(routes: Record<string, Reply> = {}): Record<string, Reply> {
  return {
    "GET /api/version": json("ollama-version.json"),
    "GET /api/tags": json("ollama-tags.json"),
    "GET /api/ps": json("ollama-ps.json"),
    "POST /api/show": showByModel(SHOW),
    ...routes,
  };
}

/** The tags fixture with `name`'s digest replaced. */
function tagsWithDigest(name: string, digest: string): Reply {
  const tags = JSON.parse(fixture("ollama-tags.json"));
  for (const model of tags.models) if (model.name === name) model.digest = digest;
  return { body: JSON.stringify(tags) };
}

/** The probe's result without the listing facts (tested on their own below). */
function routingFacts(result: ProbeResult): unknown {
  if (!result.ok) return result;
  return { ...result, models: result.models.map(({ native: _native, ...model }) => model) };
}

describe("ollama adapter probe()", () => {
  test("reads capabilities and context windows from /api/show and loaded state from /api/ps", async () => {
    const { result } = await probeFake("ollama", ollama());
    expect(routingFacts(result)).toEqual({
      ok: true,
      version: "0.6.8",
      models: [
        {
          id: "qwen3:8b",
          capabilities: {
            vision: false,
            tools: true,
            json_mode: true,
            embeddings: false,
            completion: true,
            fim: false,
          },
          context_length: 40960,
          digest: "500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
          loaded: false,
        },
        {
          id: "llama3.1:8b",
          capabilities: {
            vision: false,
            tools: true,
            json_mode: true,
            embeddings: false,
            completion: true,
            fim: false,
          },
          context_length: 131072,
          digest: DIGEST_LLAMA,
          loaded: true,
        },
        {
          id: "llava:7b",
          capabilities: {
            vision: true,
            tools: false,
            json_mode: true,
            embeddings: false,
            completion: true,
            fim: false,
          },
          context_length: 32768,
          digest: "8dd30f6b0cb19f555f2c7a7ebda861449ea2cc76bf1f44e262931f45fc81d081",
          loaded: false,
        },
        {
          id: "nomic-embed-text:latest",
          capabilities: {
            vision: false,
            tools: false,
            json_mode: false,
            embeddings: true,
            completion: false,
            fim: false,
          },
          context_length: 2048,
          digest: "0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f",
          loaded: false,
          // the Modelfile's `PARAMETER num_ctx 8192`, capped at the model's own 2048
          default_context: 2048,
        },
      ],
    });
  });

  test("sends both model and name in the /api/show body, as a JSON POST", async () => {
    const { fake } = await probeFake("ollama", ollama());
    const shows = fake.requests.filter((r) => r.path === "/api/show");
    expect(shows.map((r) => JSON.parse(r.body!))).toContainEqual({
      model: "llava:7b",
      name: "llava:7b",
    });
    expect(shows.every((r) => r.headers.get("content-type") === "application/json")).toBe(true);
  });

  test("falls back to name heuristics on servers without a capabilities field", async () => {
    const { result } = await probeFake("ollama", {
      "GET /api/version": json("ollama-version-legacy.json"),
      "GET /api/tags": json("ollama-tags-legacy.json"),
      "GET /api/ps": json("ollama-ps.json"),
      "POST /api/show": json("ollama-show-legacy.json"),
    });
    const byId = Object.fromEntries(modelsOf(result).map((m) => [m.id, m.capabilities]));
    expect(byId).toEqual({
      "llava:13b": { vision: true },
      "llama3.2-vision:11b": { vision: true },
      "mistral:7b": { tools: true },
      "qwen2.5:7b": { tools: true },
      "phi3:mini": {},
    });
    expect(modelsOf(result)[0]!.context_length).toBe(131072);
  });

  test("a failing /api/show leaves that model unknown without failing the probe", async () => {
    const show = showByModel(SHOW, { "llava:7b": { status: 500, body: '{"error":"boom"}' } });
    const { result } = await probeFake("ollama", ollama({ "POST /api/show": show }));
    const { native: _native, ...llava } = modelsOf(result).find((m) => m.id === "llava:7b")!;
    expect(llava).toEqual({ id: "llava:7b", capabilities: {}, loaded: false });
    expect(modelsOf(result)).toHaveLength(4);
  });

  test("leaves loaded unknown when /api/ps fails", async () => {
    const { result } = await probeFake("ollama", ollama({ "GET /api/ps": { status: 500 } }));
    expect(modelsOf(result).every((m) => m.loaded === undefined)).toBe(true);
  });

  test("treats a null model list as no models", async () => {
    const { result } = await probeFake(
      "ollama",
      ollama({ "GET /api/tags": { body: '{"models":null}' } }),
    );
    expect(result).toEqual({ ok: true, models: [], version: "0.6.8" });
  });

  test("never sends an API key: Ollama has none", async () => {
    const { fake } = await probeFake("ollama", ollama(), { apiKey: "sk-secret" });
    expect(fake.requests.some((r) => r.headers.has("authorization"))).toBe(false);
  });
});

describe("ollama adapter listing facts", () => {
  test("keeps size, details and modification time from /api/tags, memory and expiry from /api/ps", async () => {
    const { result } = await probeFake("ollama", ollama());
    const llama = modelsOf(result).find((m) => m.id === "llama3.1:8b")!;
    expect(llama.native).toEqual({
      size: 4920753328,
      modified_at: "2025-05-02T14:21:07.387563541+02:00",
      format: "gguf",
      family: "llama",
      families: ["llama"],
      parameter_size: "8.0B",
      quantization_level: "Q4_K_M",
      size_vram: 6654289920,
      expires_at: "2025-05-02T14:46:31.123456789+02:00",
    });
    const qwen = modelsOf(result).find((m) => m.id === "qwen3:8b")!;
    expect(qwen.native?.size).toBe(5225388164);
    expect(qwen.native?.size_vram).toBeUndefined();
  });

  test("the default context: what the loaded model runs with, else the Modelfile's num_ctx", async () => {
    const ps = {
      body: JSON.stringify({
        models: [{ name: "llama3.1:8b", model: "llama3.1:8b", context_length: 16384 }],
      }),
    };
    const show = (request: RecordedRequest): Reply => {
      const model = JSON.parse(request.body ?? "{}").model as string;
      const body = JSON.parse(fixture(SHOW[model]!));
      body.parameters =
        'num_ctx                        8192\nstop                           "<|eot_id|>"';
      return { body: JSON.stringify(body) };
    };
    const { result } = await probeFake(
      "ollama",
      ollama({ "GET /api/ps": ps, "POST /api/show": show }),
    );
    const byId = new Map(modelsOf(result).map((m) => [m.id, m]));
    expect(byId.get("llama3.1:8b")!.default_context).toBe(16384);
    expect(byId.get("qwen3:8b")!.default_context).toBe(8192);
    expect(byId.get("qwen3:8b")!.native?.num_ctx).toBe(8192);
  });
});

describe("ollama adapter /api/show cache", () => {
  test("skips /api/show for a model whose digest is unchanged", async () => {
    const first = await probeFake("ollama", ollama());
    const second = await probeFake("ollama", ollama(), { previousModels: modelsOf(first.result) });
    expect(second.fake.calls("POST /api/show")).toBe(0);
    const withoutLoaded = (r: typeof first.result) =>
      modelsOf(r).map(({ loaded: _, ...rest }) => rest);
    expect(withoutLoaded(second.result)).toEqual(withoutLoaded(first.result));
  });

  test("calls /api/show again for a model whose digest changed", async () => {
    const first = await probeFake("ollama", ollama());
    const routes = ollama({ "GET /api/tags": tagsWithDigest("llava:7b", "f".repeat(64)) });
    const second = await probeFake("ollama", routes, { previousModels: modelsOf(first.result) });
    const shows = second.fake.requests.filter((r) => r.path === "/api/show");
    expect(shows.map((r) => JSON.parse(r.body!).model)).toEqual(["llava:7b"]);
    expect(modelsOf(second.result).find((m) => m.id === "llava:7b")?.digest).toBe("f".repeat(64));
  });

  test("retries a model whose /api/show failed last time instead of caching the failure", async () => {
    const failing = showByModel(SHOW, { "qwen3:8b": { status: 500 } });
    const first = await probeFake("ollama", ollama({ "POST /api/show": failing }));
    const second = await probeFake("ollama", ollama(), { previousModels: modelsOf(first.result) });
    const shows = second.fake.requests.filter((r) => r.path === "/api/show");
    expect(shows.map((r) => JSON.parse(r.body!).model)).toEqual(["qwen3:8b"]);
    expect(modelsOf(second.result)[0]!.capabilities.tools).toBe(true);
  });

  test("runs the /api/show calls one at a time (a probe holds one connection)", async () => {
    const tags = JSON.parse(fixture("ollama-tags.json"));
    const template = tags.models[0];
    tags.models = Array.from({ length: 11 }, (_, i) => ({ ...template, name: `m${i}:latest` }));
    let inFlight = 0;
    let most = 0;
    const show = async (): Promise<Reply> => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      return json("ollama-show-qwen3.json");
    };
    const routes = ollama({
      "GET /api/tags": { body: JSON.stringify(tags) },
      "POST /api/show": show,
    });
    const { result, fake } = await probeFake("ollama", routes);
    expect(fake.calls("POST /api/show")).toBe(11);
    expect(most).toBe(1);
    expect(modelsOf(result).map((m) => m.id)).toEqual(
      tags.models.map((m: { name: string }) => m.name),
    );
  });
});

describe("ollama adapter deadline", () => {
  test("a deadline during /api/show keeps the listed models with their details unknown", async () => {
    const deadline = new AbortController();
    const show = (): Reply => {
      deadline.abort();
      return "hang";
    };
    const routes = ollama({ "POST /api/show": show });
    const { result } = await probeFake("ollama", routes, { signal: deadline.signal });
    // /api/tags answered, so the server is up; no digest, so the next probe asks again.
    expect(modelsOf(result).map(({ id, capabilities, digest }) => ({ id, capabilities, digest })))
      .toEqual([
        { id: "qwen3:8b", capabilities: {}, digest: undefined },
        { id: "llama3.1:8b", capabilities: {}, digest: undefined },
        { id: "llava:7b", capabilities: {}, digest: undefined },
        { id: "nomic-embed-text:latest", capabilities: {}, digest: undefined },
      ]);
  });
});

describe("ollama adapter failures", () => {
  test("reports an HTTP error from /api/tags", async () => {
    const { result } = await probeFake("ollama", ollama({ "GET /api/tags": { status: 503 } }));
    expect(result).toEqual({ ok: false, reason: "HTTP 503 from /api/tags" });
  });

  test("reports invalid JSON from /api/tags", async () => {
    const { result } = await probeFake(
      "ollama",
      ollama({ "GET /api/tags": { body: '{"models":[' } }),
    );
    expect(result).toEqual({ ok: false, reason: "invalid JSON from /api/tags" });
  });

  test("reports a wrong shape from /api/version as invalid JSON", async () => {
    const routes = ollama({ "GET /api/version": { body: '{"version":7}' } });
    const { result } = await probeFake("ollama", routes);
    expect(result).toEqual({ ok: false, reason: "invalid JSON from /api/version" });
  });

  test("fails when /api/version does not answer, whatever /api/tags says", async () => {
    const refused = Object.assign(new TypeError("Unable to connect"), { code: "ECONNREFUSED" });
    const { result } = await probeFake("ollama", ollama({ "GET /api/version": refused }));
    expect(result).toEqual({ ok: false, reason: "connection refused" });
  });
});
