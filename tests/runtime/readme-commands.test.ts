/**
 * The README's commands run as written (specs/012-first-hour). Every shell block is marked with
 * how it is checked (tests/helpers/readme-blocks.ts); this walks them in order in a throw-away
 * copy of the checkout (symlinks, so files a block writes, like ./nexus.toml, land there).
 *
 * What the walk changes, and why: every process gets NEXUS_HOST=127.0.0.1 and NEXUS_PORT=0
 * (tests stay on loopback, on a free port) and NEXUS_DISCOVERY=false (no mDNS on the real
 * network); `localhost:8000` in a client block becomes the server's real address, and NEXUS_URL
 * points the CLI there. Commands in NOT_RUN are left out with their reason.
 *
 * Runs under `bun test`; the Deno compatibility run skips it: every command runs in its own
 * process either way, so a second walk would test nothing new.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { needs, tool } from "../helpers/needs.ts";
import { type Block, commandsOf, parseReadme } from "../helpers/readme-blocks.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const { blocks, problems } = parseReadme(README);

/** Commands the walk never runs, and why. */
const NOT_RUN: Readonly<Record<string, string>> = {
  "npm install": "the suite runs in an installed checkout (CI runs npm ci before npm test)",
};

const ENV: Record<string, string> = {
  // As after `npm install`: Bun and Deno are in node_modules/.bin, which is not on a user's PATH
  // (npm test puts it on ours).
  PATH: (process.env.PATH ?? "").split(":").filter((dir) => !dir.includes("node_modules")).join(
    ":",
  ),
  NEXUS_HOST: "127.0.0.1",
  NEXUS_PORT: "0",
  NEXUS_DISCOVERY: "false",
  NO_COLOR: "1",
  DENO_NO_UPDATE_CHECK: "1",
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
};
const SERVER_START_MS = 60_000;
const SERVER_STOP_MS = 20_000;
const LISTENING = /listening\b[^\n]*?(https?:\/\/[^\s"]+)/;

test("every shell block in the README says how it is tested", () => {
  expect(problems).toEqual([]);
  expect(blocks.length).toBeGreaterThan(10);
});

const globalTools = ["bun", "deno"].filter((tool) =>
  spawnSync("sh", ["-c", `command -v ${tool}`], { env: { PATH: ENV.PATH } }).status === 0
);
(globalTools.length === 0 ? test : test.skip)(
  `bun and deno are not on the walk's PATH, as after npm install${
    globalTools.length ? ` (skipped: ${globalTools.join(" and ")} installed globally here)` : ""
  }`,
  () => expect(globalTools).toEqual([]),
);

const onBun = "Bun" in globalThis;

let sandbox = "";

// The walk runs under bun test only (each command runs in its own process): the Deno
// compatibility run checks the markers above and registers nothing more.
if (onBun) {
  describe("README commands run as written", () => {
    beforeAll(() => {
      sandbox = mkdtempSync(join(tmpdir(), "nexus-readme-"));
      // `nexus serve` without a config keeps run-time backends under $XDG_STATE_HOME: in the
      // sandbox, never in the home directory of whoever runs the tests.
      ENV.XDG_STATE_HOME = join(sandbox, ".state");
      // The build writes the real dist/ (scripts/build.ts works from the repository root).
      mkdirSync(join(ROOT, "dist"), { recursive: true });
      for (const entry of readdirSync(ROOT)) {
        if (entry === ".git" || entry === "nexus.toml") continue;
        symlinkSync(join(ROOT, entry), join(sandbox, entry));
      }
    });
    afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

    for (const [index, block] of blocks.entries()) {
      const where = `README.md:${block.line}`;
      const first = commandsOf(block.text)[0]?.split("\n")[0] ?? "";
      // A `skip` block is never run; the marker test above requires its reason.
      if (block.mode === "skip") continue;
      if (block.mode === "run") {
        test(`${where} ${first}`, () => runBlock(block), 120_000);
      } else if (block.mode === "serve-each") {
        for (const command of commandsOf(block.text)) {
          test(`${where} ${command.split("#")[0]!.trim()} starts and stops`, async () => {
            await (await startServer(command)).stop();
          }, 120_000);
        }
      } else if (block.mode === "serve") {
        const clients = followingClients(index);
        // Skipped outside CI when curl is missing; failed under CI=true (.ci/run installs it).
        const gate = clients.some((c) => /\bcurl\b/.test(c.text))
          ? needs(tool("curl", "curl", ENV.PATH))
          : needs();
        const commands = commandsOf(block.text);
        const server = commands[commands.length - 1]!.split("#")[0]!.trim();
        const label = [
          `${where} ${server}`,
          ...notRun(block.text),
          ...(clients.length ? [`then ${clients.length} client block(s), then Ctrl-C`] : []),
        ].join("; ");
        gate.test(label, () => serveBlock(block, clients), 180_000);
      }
    }
  });
}

function notRun(text: string): string[] {
  return commandsOf(text).flatMap((command) => {
    const reason = NOT_RUN[command.split("#")[0]!.trim()];
    return reason ? [`"${command.split("#")[0]!.trim()}" not run: ${reason}`] : [];
  });
}

function followingClients(index: number): Block[] {
  const clients: Block[] = [];
  for (const block of blocks.slice(index + 1)) {
    if (block.mode !== "client") break;
    clients.push(block);
  }
  return clients;
}

/** Runs a block as one bash script; it must exit 0 (and show `expect` text when set). */
async function runBlock(block: Block, env: Record<string, string> = {}, text = block.text) {
  const script = commandsOf(text).filter((command) => !(command.split("#")[0]!.trim() in NOT_RUN))
    .join("\n");
  const result = await runScript(script, env);
  if (result.code !== 0) {
    throw new Error(
      `README.md:${block.line} exited ${result.code}:\n${script}\n---\n${result.output}`,
    );
  }
  if (block.options.expect !== undefined) expect(result.output).toContain(block.options.expect);
}

/** Setup lines, then the server (the last command), then the client blocks, then Ctrl-C. */
async function serveBlock(block: Block, clients: readonly Block[]) {
  const commands = commandsOf(block.text);
  const setup = commands.slice(0, -1).join("\n");
  if (setup.trim() !== "") await runBlock(block, {}, setup);
  const server = await startServer(commands[commands.length - 1]!);
  let mock: MockBackend | undefined;
  try {
    for (const client of clients) {
      let text = client.text.replace(/\b(localhost|127\.0\.0\.1):8000\b/g, server.url.slice(7));
      const stands = client.options["mock-ollama"];
      if (stands !== undefined) {
        mock ??= await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.2" }] });
        text = text.replaceAll(stands, mock.url);
      }
      await runBlock(client, { NEXUS_URL: server.url }, text);
    }
  } finally {
    await mock?.close();
    await server.stop();
  }
}

function runScript(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn("bash", ["-eo", "pipefail", "-c", script], {
    cwd: sandbox,
    env: { ...process.env, ...ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Uint8Array) => (output += new TextDecoder().decode(chunk)));
  child.stderr!.on("data", (chunk: Uint8Array) => (output += new TextDecoder().decode(chunk)));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

interface Server {
  readonly url: string;
  /** Ctrl-C, then waits until every process it started has exited. */
  stop(): Promise<void>;
}

/**
 * Starts one server command in its own process group and waits for its `listening … URL` line.
 * It is stopped the way Ctrl-C stops it in a terminal, SIGINT to the whole process group (npm
 * and npx do not forward a signal sent to them alone), and must end within SERVER_STOP_MS
 * leaving no process behind.
 */
function startServer(command: string): Promise<Server> {
  const child = spawn("bash", ["-c", `exec ${command}`], {
    cwd: sandbox,
    env: { ...process.env, ...ENV },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`"${command}" did not say it was listening:\n${output}`));
    }, SERVER_START_MS);
    const onData = (chunk: Uint8Array) => {
      output += new TextDecoder().decode(chunk);
      const match = LISTENING.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      child.stdout!.on("data", (c: Uint8Array) => (output += new TextDecoder().decode(c)));
      child.stderr!.on("data", (c: Uint8Array) => (output += new TextDecoder().decode(c)));
      resolve({ url: match[1]!.replace(/\/+$/, ""), stop: () => stopServer(child, exited) });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`"${command}" exited with ${code} before listening:\n${output}`));
    });
  });

  async function stopServer(
    child: ChildProcess,
    exited: Promise<{ code: number | null; signal: string | null }>,
  ) {
    process.kill(-child.pid!, "SIGINT");
    const deadline = performance.now() + SERVER_STOP_MS;
    const ended = await Promise.race([
      exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SERVER_STOP_MS)),
    ]);
    while (groupAlive(child) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const leftover = groupAlive(child);
    if (leftover || !ended) killGroup(child);
    expect({ command, stopped: ended !== undefined, leftover }).toEqual({
      command,
      stopped: true,
      leftover: false,
    });
    // Stopped by Ctrl-C: exit 0 or 130, or npm re-raising the signal it forwarded.
    expect(ended!.code === 0 || ended!.code === 130 || ended!.signal === "SIGINT").toBe(true);
    if (output.includes("Nexus listening")) expect(output).toContain("Stopped");
  }
}

function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // Already gone.
  }
}
