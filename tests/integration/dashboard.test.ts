/**
 * The dashboard over HTTP, without a browser: `/` redirects browsers only, the page and its
 * assets come from the binary (gzip when asked, cached by version, under a strict CSP), the
 * first load stays under 150 KB gzip, the events stream tells each browser what it may do and
 * carries a finished request, and `[ui] enabled = false` turns all of it off.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { validateConfig } from "../../src/config/mod.ts";
import { envLayer } from "../../src/config/layers.ts";
import { createGateway, type Gateway } from "../../src/gateway.ts";
import { silentLogger } from "../../src/lib/logger.ts";
import { UI_CSS, UI_JS, UI_VERSION } from "../../src/ui/assets.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";

function gatewayWith(config: Record<string, unknown> = {}): Gateway {
  const { config: parsed } = validateConfig({ discovery: { enabled: false }, ...config });
  return createGateway({ config: parsed, env: {}, logger: silentLogger });
}

function get(
  gateway: Gateway,
  path: string,
  headers: Record<string, string> = {},
  peer = "127.0.0.1",
) {
  return gateway.fetch(new Request(`http://127.0.0.1:8000${path}`, { headers }), {
    remoteAddress: peer,
  });
}

/** The first SSE event of a stream (the snapshot), parsed; the stream is cancelled after. */
async function firstEvent(
  response: Response,
): Promise<{ event: string; data: Record<string, unknown> }> {
  const reader = response.body!.getReader();
  let text = "";
  const decoder = new TextDecoder();
  while (!/event: \w+\ndata: .*\n\n/.test(text)) {
    const next = await reader.read();
    if (next.done) break;
    text += decoder.decode(next.value);
  }
  await reader.cancel();
  const [, event, data] = /event: (\w+)\ndata: (.*)\n\n/.exec(text)!;
  return { event: event!, data: JSON.parse(data!) };
}

describe("GET / and GET /ui", () => {
  const gateway = gatewayWith();

  test("another method on the dashboard's routes is 405 with Allow: GET, like every known path", async () => {
    for (const path of ["/ui", "/ui/app.js", "/ui/app.css", "/ui/events"]) {
      for (const method of ["POST", "PUT", "DELETE"]) {
        const response = await gateway.fetch(
          new Request(`http://127.0.0.1:8000${path}`, { method }),
          { remoteAddress: "127.0.0.1" },
        );
        expect(response.status).toBe(405);
        expect(response.headers.get("allow")).toBe("GET");
        expect((await response.json()).error.code).toBe("method_not_allowed");
      }
    }
  });

  test("redirects a browser from / to /ui, and leaves API clients alone", async () => {
    const browser = await get(gateway, "/", { accept: "text/html,application/xhtml+xml,*/*" });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe("/ui");
    // API clients keep their answer: the Ollama front door's liveness line.
    const api = await get(gateway, "/", { accept: "*/*" });
    expect(api.status).toBe(200);
    expect(await api.text()).toBe("Ollama is running");
    expect(await (await get(gateway, "/")).text()).toBe("Ollama is running");
  });

  test("serves the page with a strict CSP, naming its assets by version", async () => {
    const page = await get(gateway, "/ui");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe");
    const html = await page.text();
    expect(html).toContain(`/ui/app.js?v=${UI_VERSION}`);
    expect(html).toContain(`/ui/app.css?v=${UI_VERSION}`);
  });

  test("serves the embedded assets gzipped when asked, plain otherwise, and revalidates", async () => {
    const zipped = await get(gateway, "/ui/app.js", { "accept-encoding": "gzip, br" });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("cache-control")).toContain("immutable");
    const bytes = new Uint8Array(await zipped.arrayBuffer());
    expect(gunzipSync(bytes).toString("utf8")).toBe(UI_JS);
    const plain = await get(gateway, "/ui/app.css");
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(UI_CSS);
    const again = await get(gateway, "/ui/app.css", { "if-none-match": `"${UI_VERSION}"` });
    expect(again.status).toBe(304);
  });

  test("the first load (page, script, styles) is under 150 KB gzip", async () => {
    let total = 0;
    for (const path of ["/ui", "/ui/app.js", "/ui/app.css"]) {
      const response = await get(gateway, path, { "accept-encoding": "gzip" });
      total += (await response.arrayBuffer()).byteLength;
    }
    expect(total).toBeLessThan(150 * 1024);
  });
});

describe("GET /ui/events: what a browser may do", () => {
  test("a loopback browser acts; a remote one needs the token, or cannot act without one", async () => {
    const withToken = gatewayWith({ server: { admin_token: "t0ken" } });
    const without = gatewayWith();
    const mode = async (gateway: Gateway, peer: string) =>
      (await firstEvent(await get(gateway, "/ui/events", {}, peer))).data.admin;
    expect(await mode(withToken, "127.0.0.1")).toBe("local");
    expect(await mode(withToken, "::1")).toBe("local");
    expect(await mode(withToken, "192.0.2.7")).toBe("token");
    expect(await mode(without, "192.0.2.7")).toBe("off");
    // The snapshot never carries the token itself.
    const text = JSON.stringify(
      (await firstEvent(await get(withToken, "/ui/events", {}, "192.0.2.7"))).data,
    );
    expect(text).not.toContain("t0ken");
  });
});

describe("GET /ui/events with a backend", () => {
  let mock: MockBackend;
  let nexus: RunningGateway;

  beforeAll(async () => {
    mock = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3:8b" }] });
    nexus = await startGateway([{
      name: "gpu",
      url: mock.url,
      type: "ollama",
      models: ["llama3:8b"],
    }]);
  });
  afterAll(async () => {
    await nexus.close();
    await mock.close();
  });

  test("pushes a finished request to a connected browser, metadata only", async () => {
    const abort = new AbortController();
    const events = await fetch(`${nexus.url}/ui/events`, { signal: abort.signal });
    let text = "";
    const pump = (async () => {
      const reader = events.body!.getReader();
      for (;;) {
        const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (next.done) return;
        text += new TextDecoder().decode(next.value);
      }
    })();
    await waitFor(() => text.includes("event: snapshot"), "the snapshot");
    const secret = "the prompt must never reach the dashboard";
    const answer = await fetch(`${nexus.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "dash-1" },
      body: JSON.stringify({ model: "llama3:8b", messages: [{ role: "user", content: secret }] }),
    });
    const completion = await answer.text();
    await waitFor(() => text.includes('"id":"dash-1"'), "the request in the events stream");
    expect(text).not.toContain(secret);
    expect(text).not.toContain(JSON.parse(completion).choices[0].message.content);
    abort.abort();
    await pump;
    await waitFor(() => nexus.gateway.dashboard!.hub.clients === 0, "the browser to be gone");
    expect(nexus.gateway.dashboard!.live.watching).toBe(false);
  });
});

describe("[ui] enabled = false", () => {
  test("serves no dashboard, no stream and no redirect", async () => {
    const gateway = gatewayWith({ ui: { enabled: false } });
    expect(gateway.dashboard).toBeUndefined();
    for (const path of ["/ui", "/ui/events", "/ui/app.js"]) {
      expect((await get(gateway, path)).status).toBe(404);
    }
    // No redirect: a browser gets what any client gets at /.
    const root = await get(gateway, "/", { accept: "text/html" });
    expect(root.status).toBe(200);
    expect(await root.text()).toBe("Ollama is running");
  });

  test("NEXUS_UI=false turns it off", () => {
    const { config } = validateConfig(envLayer({ NEXUS_UI: "false" }).values);
    expect(config.ui.enabled).toBe(false);
    expect(validateConfig({}).config.ui.enabled).toBe(true);
  });
});
