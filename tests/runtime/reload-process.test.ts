/**
 * Living with a real `nexus serve` process, on Bun and on Deno: SIGHUP applies a valid edit
 * while 200 streams are open and every one of them ends whole; an edit the file watch notices
 * is applied without a signal; an invalid edit changes nothing and the log names the key; a
 * backend added at run time survives a restart (an `--ephemeral` one does not); a corrupt state
 * file is moved aside, never a failed start; a ./nexus.toml found without `-c` and then deleted
 * is a rejected reload that names it, never a reload onto the defaults.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { runLoadClient } from "../helpers/load-client.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type NexusProcess, runNexus, startNexus } from "../helpers/processes.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const TEXT = "one two three four five six seven eight nine ten";
let slow: MockBackend;
let other: MockBackend;
const dir = tempDir("reload-process");

beforeAll(async () => {
  // Each stream lasts about two seconds: long enough to be open when the reload happens.
  slow = await startMockBackend({ models: [{ id: "m" }], text: TEXT, chunks: 40, chunkGapMs: 50 });
  other = await startMockBackend({ models: [{ id: "other-model" }] });
});
afterAll(async () => {
  await slow.close();
  await other.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(path: string, aliases: Record<string, string>, extra = ""): void {
  const lines = [
    "[discovery]",
    "enabled = false",
    "[routing.aliases]",
    ...Object.entries(aliases).map(([alias, model]) => `"${alias}" = "${model}"`),
    "[[backends]]",
    'name = "slow"',
    `url = "${slow.url}"`,
    'type = "generic"',
    extra,
  ];
  writeFileSync(path, lines.join("\n") + "\n");
}

async function modelIds(nexus: NexusProcess): Promise<string[]> {
  const { data } = await (await fetch(`${nexus.url}/v1/models`)).json();
  return data.map((m: { id: string }) => m.id);
}

async function backendNames(nexus: NexusProcess): Promise<string[]> {
  const { data } = await (await fetch(`${nexus.url}/v1/backends`)).json();
  return data.map((b: { name: string }) => b.name).sort();
}

for (const runtime of ["bun", "deno"] as const) {
  describe(`a real ${runtime} process`, () => {
    const config = join(dir, `${runtime}.toml`);
    let nexus: NexusProcess;

    beforeAll(async () => {
      writeConfig(config, { first: "m" });
      nexus = await startNexus(runtime, ["-c", config], { timeoutMs: 30_000 });
      await waitFor(() => /backend healthy backend=slow/.test(nexus.output()), "slow healthy");
    }, 60_000);
    afterAll(() => nexus?.stop("SIGKILL"));

    test(
      "SIGHUP under 200 open streams: the change is applied and no stream is dropped",
      async () => {
        const before = slow.mock.activeStreams();
        const load = runLoadClient(nexus.url, 200, true, TEXT);
        await waitFor(() => slow.mock.activeStreams() - before >= 200, "200 open streams", 20_000);
        writeConfig(config, { first: "m", second: "m" }, "[queue]\nmax_size = 300");
        process.kill(nexus.pid, "SIGHUP");
        await nexus.waitFor(/config reloaded source=SIGHUP/, "the SIGHUP reload");
        const summary = await load;
        expect(summary).toEqual({ total: 200, correct: 200, statuses: { "200": 200 } });
        expect(await modelIds(nexus)).toContain("second");
      },
      60_000,
    );

    test("the file watch applies an edit without a signal", async () => {
      writeConfig(config, { first: "m", second: "m", third: "m" }, "[queue]\nmax_size = 300");
      await nexus.waitFor(/config reloaded source="file change"/, "the file watch reload");
      expect(await modelIds(nexus)).toContain("third");
    }, 30_000);

    test("an invalid edit changes nothing; the log names key, value and source", async () => {
      // (A bad port would not do: the command line's -p wins over the file.)
      writeFileSync(config, '[routing]\nstrategy = "fastest"\n');
      process.kill(nexus.pid, "SIGHUP");
      await nexus.waitFor(/config reload rejected/, "the rejection");
      await nexus.waitFor(
        /routing\.strategy: expected one of smart\|round_robin\|priority_only\|random, got "fastest" \(from .*\.toml\)/,
        "the error line",
      );
      expect(await modelIds(nexus)).toContain("third");
      const response = await fetch(`${nexus.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "third", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.status).toBe(200);
    }, 30_000);
  });

  describe(`./nexus.toml found without -c (${runtime})`, () => {
    const cwd = join(dir, `implicit-${runtime}`);

    test(
      "deleted, then SIGHUP: the reload is rejected naming the file, not run on defaults",
      async () => {
        mkdirSync(cwd, { recursive: true });
        // No file watch: the deletion itself would reload, and this test sends the signal.
        writeConfig(join(cwd, "nexus.toml"), { first: "m" }, "[server]\nwatch_config = false");
        const nexus = await startNexus(runtime, [], { cwd, timeoutMs: 30_000 });
        try {
          await waitFor(() => /backend healthy backend=slow/.test(nexus.output()), "slow healthy");
          rmSync(join(cwd, "nexus.toml"));
          process.kill(nexus.pid, "SIGHUP");
          await nexus.waitFor(/config reload(ed| rejected)[^\n]*source=SIGHUP/, "the reload");
          expect(nexus.output()).toMatch(
            /config reload rejected: nothing was changed source=SIGHUP config=nexus\.toml/,
          );
          await nexus.waitFor(/Cannot load config "nexus\.toml": file not found/, "the error line");
          expect(await backendNames(nexus)).toEqual(["slow"]);
          expect(await modelIds(nexus)).toContain("first");
        } finally {
          await nexus.stop("SIGKILL");
        }
      },
      60_000,
    );
  });

  describe(`run-time backends across a restart (${runtime})`, () => {
    const config = join(dir, `state-${runtime}.toml`);
    const stateFile = join(dir, "nexus.state.json");

    test(
      "a backend added with nexus backends add is there after a restart; --ephemeral is not",
      async () => {
        rmSync(stateFile, { force: true });
        writeConfig(config, {});
        const first = await startNexus(runtime, ["-c", config], { timeoutMs: 30_000 });
        try {
          const added = await runNexus(runtime, [
            "backends",
            "add",
            other.url,
            "--name",
            "laptop",
            "--url",
            first.url,
          ]);
          expect(added.code).toBe(0);
          const temp = await runNexus(runtime, [
            "backends",
            "add",
            `${other.url.replace("127.0.0.1", "localhost")}`,
            "--name",
            "temp",
            "--ephemeral",
            "--url",
            first.url,
          ]);
          expect(temp.code).toBe(0);
          await waitFor(() => existsSync(stateFile), "the state file");
        } finally {
          expect(await first.stop("SIGTERM")).toBe(0);
        }
        const second = await startNexus(runtime, ["-c", config], { timeoutMs: 30_000 });
        try {
          expect(await backendNames(second)).toEqual(["laptop", "slow"]);
          await second.waitFor(
            /run-time backends restored from the state file/,
            "the restore line",
          );
        } finally {
          await second.stop("SIGKILL");
        }
      },
      60_000,
    );

    test("a corrupt state file is moved aside with a warning; Nexus starts anyway", async () => {
      writeFileSync(stateFile, "{ this is not json");
      const nexus = await startNexus(runtime, ["-c", config], { timeoutMs: 30_000 });
      try {
        await nexus.waitFor(/state file is not valid; moved it aside/, "the warning");
        expect(await backendNames(nexus)).toEqual(["slow"]);
        expect(readdirSync(dir).some((name) => name.startsWith("nexus.state.json.corrupt-")))
          .toBe(true);
      } finally {
        await nexus.stop("SIGKILL");
        for (const name of readdirSync(dir)) {
          if (name.startsWith("nexus.state.json")) rmSync(join(dir, name));
        }
      }
    }, 60_000);
  });
}
