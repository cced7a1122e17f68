/**
 * The HTTP surface: the Hono app, its routes and the OpenAI error envelope.
 * @module
 */
export { type AppDeps, createApp } from "./app.ts";
export { type AdminDeps, backendJson, isLoopback } from "./backends.ts";
export type { ChatDeps, ChatEvent } from "./completions.ts";
export { InFlight } from "./inflight.ts";
export { type ApiErrorInit, errorBody, errorResponse } from "./errors.ts";
export { type GatewayHealth, healthStatus } from "./health.ts";
export { listModels, type ModelEntry } from "./models.ts";
