import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import process from "node:process";
import { ROOT_DIR, type RuntimeName } from "../../helpers/process.ts";
import { waitFor } from "../../helpers/mock-backend.ts";

const SCRIPT = `${ROOT_DIR}tests/mock/cli.ts`;

function startCli(runtime: RuntimeName, args: string[]) {
  const bin = `${ROOT_DIR}node_modules/.bin/${runtime}`;
  const argv = runtime === "bun" ? [SCRIPT, ...args] : ["run", "-A", SCRIPT, ...args];
  const child = spawn(bin, argv, {
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on(
    "data",
    (chunk: Uint8Array) => (output.stdout += new TextDecoder().decode(chunk)),
  );
  child.stderr.on(
    "data",
    (chunk: Uint8Array) => (output.stderr += new TextDecoder().decode(chunk)),
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, output, exited };
}

for (const runtime of ["bun", "deno"] as const) {
  describe(`tests/mock/cli.ts as a ${runtime} process`, () => {
    test("prints its URL, logs client aborts on stderr and exits 0 on SIGTERM", async () => {
      const cli = startCli(runtime, [
        "--port",
        "0",
        "--flavor",
        "vllm",
        "--chunks",
        "3",
        "--gap",
        "60000",
      ]);
      try {
        await waitFor(() => cli.output.stdout.includes("\n"), "the listening line", 20_000);
        const match = /^mock-upstream listening (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(
          cli.output.stdout,
        );
        expect(match).not.toBeNull();
        const url = match![1]!;
        expect((await fetch(`${url}/health`)).status).toBe(200);

        const controller = new AbortController();
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          body: JSON.stringify({ model: "mock-model", messages: [], stream: true }),
          signal: controller.signal,
        });
        const reader = response.body!.getReader();
        await reader.read(); // the gap that follows lasts a minute: only the abort ends it
        controller.abort();
        await reader.read().catch(() => undefined);
        await waitFor(() => /^abort /m.test(cli.output.stderr), "the abort line");
        const line = /^abort (\S+) (\d+\.\d{3})$/m.exec(cli.output.stderr);
        expect(line?.[1]).toBe("/v1/chat/completions");
        expect(Math.abs(Number(line![2]) - Date.now())).toBeLessThan(60_000);
      } finally {
        // process.kill, not child.kill: after child.kill() Deno reports the signal, not the code.
        process.kill(cli.child.pid!, "SIGTERM");
      }
      expect(await cli.exited).toBe(0);
    }, 30_000);

    test("exits 2 with the usage on a bad flag", async () => {
      const cli = startCli(runtime, ["--flavor", "nope"]);
      expect(await cli.exited).toBe(2);
      expect(cli.output.stderr).toContain('unknown flavor "nope"');
      expect(cli.output.stderr).toContain("Usage: mock-upstream");
    }, 30_000);
  });
}
