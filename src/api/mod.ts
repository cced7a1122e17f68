/**
 * The HTTP surface: the Hono app, its routes and the error envelope of non-inference routes.
 * Inference routes are front doors mounted on the exchange pipeline (src/exchange).
 * @module
 */
export { type Api, type AppDeps, createApi, createApp } from "./app.ts";
export { type AdminDeps, backendJson } from "./backends.ts";
export {
  type AdminGuardOptions,
  checkAdmin,
  checkAdminRequest,
  isLoopback,
} from "./admin-guard.ts";
export { errorResponse, openaiError } from "./errors.ts";
export { FRONT_DOORS } from "./front-doors.ts";
export { type GatewayHealth, healthStatus } from "./health.ts";
export { listModels, type ModelEntry } from "./models.ts";
