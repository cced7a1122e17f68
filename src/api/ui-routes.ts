/**
 * The dashboard's routes on the app: its pages and events stream, and the redirect a browser
 * gets at `/`.
 * @module
 */
import type { Context, Hono } from "hono";
import { type RouteHandler, stamped, stampRequestId } from "./headers.ts";

/** What the dashboard (src/ui `Dashboard.routes`) serves. */
export interface UiRoutes {
  readonly get: ReadonlyArray<readonly [path: string, handler: RouteHandler]>;
  /** `GET /` for a browser; undefined lets the request through (API clients). */
  readonly root: (c: Context) => Response | undefined;
}

export function mountUi(app: Hono, ui: UiRoutes): void {
  // Only `/` exactly, and only browsers: the redirect; everything else goes on to its route.
  app.use("/", async (c, next) => {
    const redirect = ui.root(c);
    return redirect ? stampRequestId(c.req.raw, redirect) : await next();
  });
  for (const [path, handler] of ui.get) app.get(path, stamped(handler));
}
