/**
 * Headless Chromium (Debian's `chromium`) driven by playwright-core, for the dashboard's browser
 * tests and the screenshot script. Each launch gets a fresh profile directory, removed on close;
 * nothing is fetched from the network (no updates, no sync, no QUIC probing).
 *
 * ```ts
 * const browser = await launchBrowser();
 * const page = await browser.page({ width: 1280, height: 800 });
 * await browser.close();
 * ```
 */
import { rmSync } from "node:fs";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { tool } from "./needs.ts";
import { tempDir } from "./temp-dir.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** The need for tests/helpers/needs.ts: Debian's chromium at CHROMIUM. */
export function chromiumNeed() {
  return tool("chromium", "chromium", "/usr/bin");
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  /** A new tab with this viewport and colour scheme. */
  page(
    viewport: { width: number; height: number },
    colorScheme?: "light" | "dark",
  ): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = tempDir("chromium");
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  // The persistent context opens one blank tab; pages are made per test.
  for (const page of context.pages()) await page.close();
  return {
    async page(viewport, colorScheme = "light") {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots of test runs go (gitignored). */
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
