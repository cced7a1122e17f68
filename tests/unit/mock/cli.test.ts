import { describe, expect, test } from "bun:test";
import { type RuntimeName, scriptCommand, spawnProcess } from "../../helpers/processes.ts";

function startCli(runtime: RuntimeName, args: string[]) {
  const [command, argv] = scriptCommand(runtime, "tests/mock/cli.ts", args);
  return spawnProcess(command, argv, { name: `tests/mock/cli.ts (${runtime})` });
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
        await cli.waitFor(/^mock-upstream listening .*\n/m, "the listening line", 20_000);
        const match = /^mock-upstream listening (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(cli.stdout());
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
        await cli.waitFor(/^abort .*\n/m, "the abort line");
        const line = /^abort (\S+) (\d+\.\d{3})$/m.exec(cli.stderr());
        expect(line?.[1]).toBe("/v1/chat/completions");
        expect(Math.abs(Number(line![2]) - Date.now())).toBeLessThan(60_000);
      } finally {
        void cli.stop("SIGTERM");
      }
      expect(await cli.exited).toBe(0);
    }, 30_000);

    test("exits 2 with the usage on a bad flag", async () => {
      const cli = startCli(runtime, ["--flavor", "nope"]);
      expect(await cli.exited).toBe(2);
      expect(cli.stderr()).toContain('unknown flavor "nope"');
      expect(cli.stderr()).toContain("Usage: mock-upstream");
    }, 30_000);
  });
}
