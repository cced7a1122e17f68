/**
 * SIGHUP (issue 14, item 11): the default action would end the process at once (exit 129,
 * streams cut, nothing logged). Until configuration reload exists, a real `nexus serve` under Bun
 * and Deno logs the signal, ignores it and keeps serving; SIGTERM still drains and exits 0.
 */
import { describe, expect, test } from "bun:test";
import process from "node:process";
import { type RuntimeName, startNexus } from "../helpers/processes.ts";

for (const runtime of ["bun", "deno"] as RuntimeName[]) {
  describe(`SIGHUP (${runtime})`, () => {
    test("is logged and ignored: Nexus keeps serving", async () => {
      const nexus = await startNexus(runtime, ["--no-discovery", "--no-health-check"]);
      try {
        process.kill(nexus.pid, "SIGHUP");
        await nexus.waitFor(/SIGHUP ignored/, "the SIGHUP log line");
        process.kill(nexus.pid, "SIGHUP");
        const response = await fetch(`${nexus.url}/health`);
        expect(response.status).toBe(200);
        await response.body?.cancel();
      } finally {
        expect(await nexus.stop("SIGTERM", 10_000)).toBe(0);
      }
    }, 30_000);
  });
}
