/**
 * Loading and unloading models on request, as the servers that can do it answer:
 * - Ollama: `POST /api/generate` with an empty prompt loads the model (`keep_alive: 0` unloads
 *   it) and answers `{"done": true, "done_reason": "load"|"unload"}`;
 * - LM Studio ≥ 0.4: `POST /api/v1/models/load {model}`, `/unload {instance_id}`;
 * - llama.cpp in router mode (`router: true`): `GET /models` with `status.value`, and
 *   `POST /models/load|unload {model}` answering `{"success": true}`.
 * Each change is recorded (`lifecycleCalls()`), and loads count as loads.
 * @module
 */
import { bodyObject, type Exchange, type MockSettings, type Route } from "./context.ts";
import { badRequest, json } from "./http.ts";
import { describeModel } from "./catalog.ts";
import { loadModel } from "./memory.ts";

function target(exchange: Exchange, key: string): string | undefined {
  const value = bodyObject(exchange.rec.body)?.[key];
  return typeof value === "string" ? value : undefined;
}

function known(settings: MockSettings, model: string) {
  return settings.models.find((m) => m.id === model);
}

async function change(exchange: Exchange, model: string, load: boolean): Promise<boolean> {
  const entry = known(exchange.settings, model);
  if (entry === undefined) return false;
  exchange.settings.lifecycle.push(`${load ? "load" : "unload"} ${model}`);
  if (load) await loadModel(exchange, model);
  else entry.loaded = false;
  return true;
}

/** Ollama's load/unload form of `/api/generate` (an empty prompt); anything else is not mocked here. */
export const ollamaGenerate: Route = async (exchange) => {
  const model = target(exchange, "model");
  const body = bodyObject(exchange.rec.body);
  if (model === undefined) return badRequest("model is required", "model");
  if (typeof body?.prompt === "string" && body.prompt !== "") {
    return json({ error: "this mock answers only the load/unload form of /api/generate" }, 501);
  }
  const unload = body?.keep_alive === 0 || body?.keep_alive === "0";
  if (!(await change(exchange, model, !unload))) {
    return json({ error: `model "${model}" not found, try pulling it first` }, 404);
  }
  return json({
    model,
    created_at: new Date().toISOString(),
    response: "",
    done: true,
    done_reason: unload ? "unload" : "load",
  });
};

export const lmstudioLifecycleRoutes: Record<string, Route> = {
  "POST /api/v1/models/load": async (exchange) => {
    const model = target(exchange, "model");
    if (model === undefined || !(await change(exchange, model, true))) {
      return json({ error: { message: `Model not found: ${model}` } }, 404);
    }
    return json({ type: "llm", instance_id: model, status: "loaded" });
  },
  "POST /api/v1/models/unload": async (exchange) => {
    const model = target(exchange, "instance_id");
    if (model === undefined || !(await change(exchange, model, false))) {
      return json({ error: { message: `No loaded instance ${model}` } }, 404);
    }
    return json({ instance_id: model });
  },
};

/** llama-server in router mode: many models, loaded on demand, listed with their status. */
export const llamacppRouterRoutes: Record<string, Route> = {
  "GET /models": ({ settings }) => json({ object: "list", data: routerModels(settings) }),
  "GET /v1/models": ({ settings }) => json({ object: "list", data: routerModels(settings) }),
  "POST /models/load": async (exchange) => {
    const model = target(exchange, "model");
    if (model === undefined || !(await change(exchange, model, true))) {
      return json(
        { error: { code: 404, message: "model not found", type: "not_found_error" } },
        404,
      );
    }
    return json({ success: true });
  },
  "POST /models/unload": async (exchange) => {
    const model = target(exchange, "model");
    if (model === undefined || !(await change(exchange, model, false))) {
      return json(
        { error: { code: 404, message: "model not found", type: "not_found_error" } },
        404,
      );
    }
    return json({ success: true });
  },
};

/** The router's model list: every model with `status.value` and the args it would run with. */
export function routerModels(settings: MockSettings) {
  return settings.models.map(describeModel).map((m) => ({
    id: m.id,
    object: "model",
    owned_by: "llamacpp",
    status: {
      value: m.loaded ? "loaded" : "unloaded",
      args: ["--ctx-size", String(m.contextLength)],
    },
    ...(m.loaded ? { meta: { n_ctx: m.contextLength } } : {}),
  }));
}
