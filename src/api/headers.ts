/** Every response carries an X-Request-Id. */
import type { Context } from "hono";
import { requestIdFor } from "../exchange/mod.ts";

/**
 * Stamps a response with the request's id unless its handler already did (front doors set their
 * own, the id they also log and send upstream). Only for responses Nexus built itself, whose
 * headers are mutable.
 */
export function stampRequestId(request: Request, response: Response): Response {
  if (!response.headers.has("x-request-id")) {
    response.headers.set("x-request-id", requestIdFor(request.headers));
  }
  return response;
}

export type RouteHandler = (c: Context) => Response | Promise<Response>;

/** A route's handler whose every answer is stamped. */
export function stamped(handler: RouteHandler): RouteHandler {
  return async (c) => stampRequestId(c.req.raw, await handler(c));
}
