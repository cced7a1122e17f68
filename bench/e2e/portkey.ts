/**
 * The peer gateway: `@portkey-ai/gateway` from npm, installed at bench time into
 * `bench/.tmp/portkey` (gitignored, never vendored) and run with Node.
 *
 * Portkey 1.15.2 declares `@hono/node-server ^1.3.3`. With every 1.x release, its streaming
 * path fails on Node (`TypeError: immutable`: it appends headers to a Response built from the
 * upstream fetch Response, whose lightweight 1.x implementation keeps the immutable headers).
 * Version 2 copies the headers, so the install overrides `@hono/node-server` to 2.1.9; nothing
 * else is changed.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { runCommand } from "../../tests/helpers/processes.ts";
import { TMP } from "./paths.ts";

export const PORTKEY_VERSION = "1.15.2";
export const NODE_SERVER_OVERRIDE = "2.1.9";
const INSTALL_TIMEOUT_MS = 240_000;

export interface PortkeyInstall {
  readonly dir: string;
  readonly entry: string;
  readonly version: string;
}

function installedVersion(path: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Installs Portkey when missing or at another version; the reason when it cannot. */
export async function ensurePortkey(
  log: (line: string) => void,
): Promise<PortkeyInstall | { error: string }> {
  const dir = `${TMP}portkey`;
  const pkg = `${dir}/node_modules/@portkey-ai/gateway`;
  const wanted = () =>
    installedVersion(`${pkg}/package.json`) === PORTKEY_VERSION &&
    installedVersion(`${dir}/node_modules/@hono/node-server/package.json`) === NODE_SERVER_OVERRIDE;
  if (!wanted()) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      `${dir}/package.json`,
      JSON.stringify(
        {
          name: "nexus-bench-portkey",
          private: true,
          dependencies: { "@portkey-ai/gateway": PORTKEY_VERSION },
          overrides: { "@hono/node-server": NODE_SERVER_OVERRIDE },
        },
        null,
        2,
      ) + "\n",
    );
    log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into bench/.tmp/portkey (npm)`);
    const result = await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=error"],
      dir,
    );
    if (result.code !== 0) {
      return {
        error: `npm install @portkey-ai/gateway@${PORTKEY_VERSION} failed: ${
          result.output.trim().slice(-600)
        }`,
      };
    }
  }
  const entry = `${pkg}/build/start-server.js`;
  if (!existsSync(entry)) return { error: `${entry} missing after install` };
  return { dir, entry, version: PORTKEY_VERSION };
}

/** npm, to completion: its output merged for the error message, -1 when it cannot start. */
async function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  try {
    const result = await runCommand(command, args, { cwd, timeoutMs: INSTALL_TIMEOUT_MS });
    return { code: result.code, output: result.output };
  } catch (error) {
    return { code: -1, output: String(error) };
  }
}
