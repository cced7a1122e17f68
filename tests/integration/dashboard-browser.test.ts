/**
 * The dashboard in a real browser (headless Chromium): Nexus with two mock backends, the page
 * loaded from `/`, live updates without reload, a backend going down, adding and removing a
 * backend from the page (loopback, and a remote browser with and without the admin token), an
 * axe-core accessibility check, and screenshots at 1280 and 390 px (test-artifacts/, gitignored).
 *
 * A remote browser is simulated as the admin tests do: a second loopback listener that hands the
 * gateway a non-loopback peer address. No traffic leaves loopback.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import OpenAI from "openai";
import type { Page } from "playwright-core";
import { loadRuntime, type ServerHandle } from "../../src/runtime/mod.ts";
import { ARTIFACTS, type Browser, chromiumNeed, launchBrowser } from "../helpers/browser.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { needs } from "../helpers/needs.ts";

const REMOTE_PEER = "192.0.2.10";
const TOKEN = "dashboard-test-token";
const WAIT = { timeout: 10_000 };

const gate = needs(chromiumNeed());

gate.describe("the dashboard in Chromium", () => {
  let gpu: MockBackend;
  let mini: MockBackend;
  let spare: MockBackend;
  let nexus: RunningGateway;
  let remote: ServerHandle;
  let remoteUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    gpu = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3:8b" }] });
    mini = await startMockBackend({ flavor: "llamacpp", models: [{ id: "mistral-7b" }] });
    spare = await startMockBackend({ flavor: "ollama", models: [{ id: "phi3:mini" }] });
    nexus = await startGateway(
      [
        { name: "gpu", url: gpu.url, type: "ollama", models: ["llama3:8b"] },
        { name: "mini", url: mini.url, type: "llamacpp", models: ["mistral-7b"] },
      ],
      { server: { admin_token: TOKEN }, health_check: { failure_threshold: 1 } },
    );
    const runtime = await loadRuntime();
    remote = await runtime.serve(
      (request) => nexus.gateway.fetch(request, { remoteAddress: REMOTE_PEER }),
      { hostname: "127.0.0.1", port: 0 },
    );
    remoteUrl = `http://127.0.0.1:${remote.port}`;
    browser = await launchBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
    // Starting Chromium takes seconds on a loaded machine: more than a hook's default 5 s.
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await remote?.stop(true);
    await nexus?.close();
    await Promise.all([gpu?.close(), mini?.close(), spare?.close()]);
  });

  /** Opens the dashboard the way a person does: the root URL, redirected to /ui. */
  async function open(url: string, width = 1280, scheme: "light" | "dark" = "light") {
    const page = await browser.page({ width, height: 900 }, scheme);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`${url}/`);
    await page.waitForSelector(".card", WAIT);
    return { page, problems };
  }

  const card = (page: Page, name: string) => page.locator(`.card[data-backend="${name}"]`);

  gate.test("shows both backends, from / redirected to /ui, without a console error", async () => {
    const { page, problems } = await open(nexus.url);
    expect(new URL(page.url()).pathname).toBe("/ui");
    await card(page, "gpu").locator('[data-status="healthy"]').waitFor(WAIT);
    await card(page, "mini").locator('[data-status="healthy"]').waitFor(WAIT);
    expect(await card(page, "gpu").textContent()).toContain("llama3:8b");
    expect(await card(page, "mini").textContent()).toContain("mistral-7b");
    expect(await page.locator("#models").textContent()).toContain("mistral-7b");
    // The content security policy holds: nothing the page does is refused.
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  gate.test("a request sent with the openai SDK appears in the live list within 2 s", async () => {
    const { page } = await open(nexus.url);
    const client = new OpenAI({ baseURL: `${nexus.url}/v1`, apiKey: "any", maxRetries: 0 });
    const id = `ui-test-${crypto.randomUUID()}`;
    const answer = await client.chat.completions.create(
      { model: "llama3:8b", messages: [{ role: "user", content: "hello" }] },
      { headers: { "x-request-id": id } },
    );
    expect(answer.object).toBe("chat.completion");
    const row = page.locator(`.completed tr[data-request-id="${id}"]`);
    await row.waitFor({ timeout: 2000 });
    expect(await row.textContent()).toContain("gpu");
    // A click shows its timeline and how the model routes now (/v1/route).
    await row.locator("button").click();
    const dialog = page.locator("dialog.detail");
    await dialog.getByText("would go to").waitFor(WAIT);
    expect(await dialog.textContent()).toContain("first byte");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached", ...WAIT });
    await page.close();
  }, 30_000);

  gate.test("a backend that stops answering turns unhealthy on the page", async () => {
    const { page } = await open(nexus.url);
    await card(page, "mini").locator('[data-status="healthy"]').waitFor(WAIT);
    await mini.close();
    const backend = nexus.gateway.registry.get("mini")!;
    await nexus.gateway.health.check(backend);
    await card(page, "mini").locator('[data-status="unhealthy"]').waitFor({ timeout: 2000 });
    await page.close();
  }, 30_000);

  gate.test("adds and removes a backend from a loopback browser", async () => {
    const { page } = await open(nexus.url);
    await page.getByRole("button", { name: "Add backend" }).click();
    await page.getByLabel("URL").fill(spare.url);
    await page.getByLabel("Name").fill("spare");
    await page.getByLabel("Type").selectOption("ollama");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await card(page, "spare").waitFor(WAIT);
    expect(nexus.gateway.registry.get("spare")?.source).toBe("manual");
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("button", { name: "Remove backend spare" }).click();
    await card(page, "spare").waitFor({ state: "detached", ...WAIT });
    expect(nexus.gateway.registry.get("spare")).toBeUndefined();
    await page.close();
  }, 30_000);

  gate.test("a remote browser is refused without the admin token and allowed with it", async () => {
    const { page } = await open(remoteUrl);
    const add = async () => {
      await page.getByRole("button", { name: "Add backend" }).click();
      await page.getByLabel("URL").fill(spare.url);
      await page.getByLabel("Name").fill("remote-spare");
      await page.getByLabel("Type").selectOption("ollama");
      await page.getByRole("button", { name: "Add", exact: true }).click();
    };
    await add();
    await page.locator(".notice.bad").getByText("admin token").waitFor(WAIT);
    expect(nexus.gateway.registry.get("remote-spare")).toBeUndefined();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByLabel("Admin token").fill(TOKEN);
    await add();
    await card(page, "remote-spare").waitFor(WAIT);
    // The token stays in this tab's session storage, never in a cookie or local storage.
    const stored = await page.evaluate(() => [
      sessionStorage.getItem("nexus-admin-token"),
      localStorage.length,
      document.cookie,
    ]);
    expect(stored).toEqual([TOKEN, 0, ""]);
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("button", { name: "Remove backend remote-spare" }).click();
    await card(page, "remote-spare").waitFor({ state: "detached", ...WAIT });
    await page.close();
  }, 30_000);

  gate.test(
    "passes axe-core with no moderate or worse violation, light at 1280 px and dark at 390 px",
    async () => {
      const axePath = new URL("../../node_modules/axe-core/axe.min.js", import.meta.url).pathname;
      const axe = readFileSync(axePath, "utf8");
      for (const [width, scheme] of [[1280, "light"], [390, "dark"]] as const) {
        const { page } = await open(nexus.url, width, scheme);
        await page.locator(".completed tbody tr[data-request-id]").first().waitFor(WAIT);
        // Evaluated through the DevTools protocol: the page's CSP allows no injected script tag.
        await page.evaluate(axe);
        const violations = await page.evaluate(async () => {
          // deno-lint-ignore no-explicit-any
          const result = await (globalThis as any).axe.run(document);
          // deno-lint-ignore no-explicit-any
          return result.violations.map((v: any) => ({
            id: v.id,
            impact: v.impact,
            nodes: v.nodes.length,
            target: v.nodes[0]?.target,
          }));
        });
        // Moderate too: two landmarks with one name (the Models section and its table's
        // scroll region, both "Models") leave a screen reader's landmark list ambiguous.
        const serious = violations.filter((v: { impact: string }) =>
          v.impact === "serious" || v.impact === "critical" || v.impact === "moderate"
        );
        expect({ width, scheme, serious }).toEqual({ width, scheme, serious: [] });
        await page.screenshot({
          path: `${ARTIFACTS}dashboard-${width}-${scheme}.png`,
          fullPage: true,
        });
        await page.close();
      }
    },
    60_000,
  );

  gate.test(
    "is usable by keyboard: Tab reaches the actions and Enter opens a request",
    async () => {
      const { page } = await open(nexus.url);
      await page.locator(".completed tbody tr[data-request-id]").first().waitFor(WAIT);
      const reached: string[] = [];
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press("Tab");
        reached.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ""));
        if (reached.at(-1)!.match(/^\d\d:\d\d:\d\d$/)) break;
      }
      expect(reached).toContain("Add backend");
      expect(reached.at(-1)).toMatch(/^\d\d:\d\d:\d\d$/);
      await page.keyboard.press("Enter");
      await page.locator("dialog.detail[open]").waitFor(WAIT);
      await page.close();
    },
    30_000,
  );
});
