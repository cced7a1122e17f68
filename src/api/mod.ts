/**
 * The HTTP surface: the Hono app and the OpenAI error envelope.
 * @module
 */
export { type AppDeps, createApp } from "./app.ts";
export { type ApiErrorInit, errorBody, errorResponse } from "./errors.ts";
export { type FleetSummary, healthStatus } from "./health.ts";
