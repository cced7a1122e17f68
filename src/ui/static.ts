/**
 * The page and its two assets, from the strings in assets.ts (generated into the binary): the
 * HTML names the assets by version, so they are cached for good and the HTML never is. Gzip is
 * computed once per asset, on first request, with the web-standard CompressionStream.
 * @module
 */
import { UI_CSS, UI_JS, UI_VERSION } from "./assets.ts";

export const UI_PATHS = {
  page: "/ui",
  js: "/ui/app.js",
  css: "/ui/app.css",
  events: "/ui/events",
} as const;

/**
 * Same-origin everything; the page may not be framed (its buttons change Nexus). Styles set
 * through the DOM (uPlot, the timeline) are not inline style attributes, so no 'unsafe-inline'.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Nexus</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${UI_PATHS.css}?v=${UI_VERSION}">
<script type="module" src="${UI_PATHS.js}?v=${UI_VERSION}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Nexus dashboard needs JavaScript; the same data is at /v1/backends, /v1/models and /v1/stats.</noscript>
</body>
</html>
`;

class Asset {
  readonly #text: string;
  readonly #type: string;
  #gzip: Promise<Uint8Array<ArrayBuffer>> | undefined;

  constructor(text: string, type: string) {
    this.#text = text;
    this.#type = type;
  }

  async response(request: Request, cache: string): Promise<Response> {
    const headers = new Headers({
      "content-type": this.#type,
      "cache-control": cache,
      "x-content-type-options": "nosniff",
      "content-security-policy": CSP,
      "vary": "accept-encoding",
      "etag": `"${UI_VERSION}"`,
    });
    if (request.headers.get("if-none-match") === `"${UI_VERSION}"`) {
      return new Response(null, { status: 304, headers });
    }
    if (!/\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) {
      return new Response(this.#text, { headers });
    }
    this.#gzip ??= gzip(this.#text);
    headers.set("content-encoding", "gzip");
    return new Response(await this.#gzip, { headers });
  }
}

async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const assets = {
  page: new Asset(PAGE, "text/html; charset=utf-8"),
  js: new Asset(UI_JS, "text/javascript; charset=utf-8"),
  css: new Asset(UI_CSS, "text/css; charset=utf-8"),
};

export function servePage(request: Request): Promise<Response> {
  return assets.page.response(request, "no-cache");
}

export function serveScript(request: Request): Promise<Response> {
  return assets.js.response(request, IMMUTABLE);
}

export function serveStyles(request: Request): Promise<Response> {
  return assets.css.response(request, IMMUTABLE);
}

/** A browser navigating (it asks for HTML), as opposed to an API client. */
export function wantsHtml(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("text/html");
}
