/**
 * CORS as a browser enforces it (headless Chromium): a page served from another origin calls
 * `POST /v1/chat/completions` with an Authorization header (so the browser sends a preflight).
 * With `[server] cors_origins` naming that origin the call succeeds and the page can read the
 * X-Nexus-* headers; without it the browser refuses to hand the answer to the page.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import type { Page } from "playwright-core";
import { loadRuntime, type ServerHandle } from "../../src/runtime/mod.ts";
import { type Browser, chromiumNeed, launchBrowser } from "../helpers/browser.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { needs } from "../helpers/needs.ts";

const gate = needs(chromiumNeed());

gate.describe("CORS from a page of another origin, in Chromium", () => {
  let mock: MockBackend;
  let site: ServerHandle;
  let origin: string;
  let allowed: RunningGateway;
  let closed: RunningGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mock = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3:8b" }] });
    const runtime = await loadRuntime();
    site = await runtime.serve(
      () =>
        new Response("<!doctype html><title>another app</title><p>another app</p>", {
          headers: { "content-type": "text/html" },
        }),
      { hostname: "127.0.0.1", port: 0 },
    );
    origin = `http://127.0.0.1:${site.port}`;
    const backends = [{ name: "gpu", url: mock.url, type: "ollama", models: ["llama3:8b"] }];
    allowed = await startGateway(backends, { server: { cors_origins: [origin] } });
    closed = await startGateway(backends);
    browser = await launchBrowser();
    page = await browser.page({ width: 800, height: 600 });
    await page.goto(`${origin}/`);
    // Starting Chromium takes seconds on a loaded machine: more than a hook's default 5 s.
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([allowed?.close(), closed?.close(), site?.stop(true)]);
    await mock?.close();
  });

  /** The page's own fetch to Nexus: what it could read, or the browser's refusal. */
  function callFromPage(nexusUrl: string) {
    return page.evaluate(async (url) => {
      try {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer any" },
          body: JSON.stringify({ model: "llama3:8b", messages: [{ role: "user", content: "hi" }] }),
        });
        const body = await response.json();
        return {
          status: response.status,
          backend: response.headers.get("x-nexus-backend"),
          object: body.object,
        };
      } catch (error) {
        return { refused: (error as Error).name };
      }
    }, nexusUrl);
  }

  gate.test("succeeds when cors_origins allows the page's origin", async () => {
    expect(await callFromPage(allowed.url)).toEqual({
      status: 200,
      backend: "gpu",
      object: "chat.completion",
    });
  }, 30_000);

  gate.test("is refused by the browser when cors_origins does not allow it", async () => {
    expect(await callFromPage(closed.url)).toEqual({ refused: "TypeError" });
    // The page's origin is not another page's either: the allowed gateway names only its own.
    const other = await browser.page({ width: 800, height: 600 });
    await other.goto(`${closed.url}/v1/models`);
    const fromClosed = await other.evaluate(async (url) => {
      try {
        await fetch(`${url}/v1/models`);
        return "read";
      } catch {
        return "refused";
      }
    }, allowed.url);
    expect(fromClosed).toBe("refused");
    await other.close();
  }, 30_000);
});
