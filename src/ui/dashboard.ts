/**
 * The web dashboard: its state (history, requests in flight), the events stream and the routes
 * that serve the page. The gateway builds one and wires three hooks: `record` into the metrics
 * observer, `live` into the exchange pipeline, `routes` into the app.
 * @module
 */
import type { Context } from "hono";
import { isLoopback } from "../api/mod.ts";
import type { ConnInfo } from "../runtime/mod.ts";
import { type AdminMode, EventHub } from "./hub.ts";
import type { LiveRequests } from "./live.ts";
import { type DashboardDeps, DashboardState } from "./state.ts";
import { servePage, serveScript, serveStyles, UI_PATHS, wantsHtml } from "./static.ts";

export interface DashboardOptions extends DashboardDeps {
  /** `server.admin_token`: whether a remote browser may act with a token. */
  readonly adminToken: string | undefined;
}

type Handler = (c: Context) => Response | Promise<Response>;

/** What the app mounts (src/api/app.ts `AppDeps.ui`): GET routes, and the root redirect. */
export interface UiRoutes {
  /** The page, its script and styles, the events stream. */
  readonly get: ReadonlyArray<readonly [path: string, handler: Handler]>;
  /** `GET /` from a browser: the dashboard; undefined for API clients (they keep their answer). */
  readonly root: (c: Context) => Response | undefined;
}

export class Dashboard {
  readonly state: DashboardState;
  readonly hub: EventHub;
  readonly routes: UiRoutes;
  /** Read per browser, not copied: a config reload may change `adminToken`. */
  readonly #options: DashboardOptions;

  constructor(options: DashboardOptions) {
    this.state = new DashboardState(options);
    this.hub = new EventHub(this.state, options.clock);
    this.#options = options;
    this.routes = {
      get: [
        [UI_PATHS.page, (c) => servePage(c.req.raw)],
        [UI_PATHS.js, (c) => serveScript(c.req.raw)],
        [UI_PATHS.css, (c) => serveStyles(c.req.raw)],
        [UI_PATHS.events, (c) => this.hub.connect(this.#adminMode(c), c.req.raw.signal)],
      ],
      root: (c) => wantsHtml(c.req.raw) ? c.redirect(UI_PATHS.page, 302) : undefined,
    };
  }

  /** For the exchange pipeline's `watch`. */
  get live(): LiveRequests {
    return this.state.live;
  }

  /** Ends every events stream (shutdown). */
  close(): void {
    this.hub.closeAll();
  }

  /** The admin rules as this browser meets them (the API enforces them again on each change). */
  #adminMode(c: Context): AdminMode {
    const peer = (c.env as ConnInfo | undefined)?.remoteAddress ?? "";
    if (isLoopback(peer)) return "local";
    return this.#options.adminToken === undefined ? "off" : "token";
  }
}
