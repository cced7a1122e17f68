import { describe, expect, test } from "bun:test";
import { runNexus, startNexus } from "../helpers/processes.ts";

for (const runtime of ["bun", "deno"] as const) {
  describe(`nexus serve as a real ${runtime} process`, () => {
    test("answers /health on the port it chose and stops cleanly on SIGTERM", async () => {
      const nexus = await startNexus(runtime, ["--no-discovery"]);
      try {
        const response = await fetch(`${nexus.url}/health`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toContain("application/json");
        const body = await response.json();
        expect(body).toMatchObject({
          status: "unhealthy",
          version: expect.any(String),
          uptime_seconds: expect.any(Number),
          backends: { total: 0, healthy: 0, unhealthy: 0, unknown: 0 },
          models: 0,
        });
        const missing = await fetch(`${nexus.url}/nope`);
        expect(missing.status).toBe(404);
        expect((await missing.json()).error.code).toBe("not_found");
      } finally {
        expect(await nexus.stop("SIGTERM")).toBe(0);
      }
      expect(nexus.output()).toContain("Shutting down signal=SIGTERM");
      expect(nexus.output()).toContain("Stopped");
    }, 30000);

    test("stops cleanly on SIGINT too", async () => {
      const nexus = await startNexus(runtime, ["--no-discovery"]);
      expect(await nexus.stop("SIGINT")).toBe(0);
    }, 30000);

    test("exits 1 with a named-key message when the config is bad", async () => {
      const result = await runNexus(runtime, ["serve", "--no-discovery"], {
        env: { NEXUS_LOG_FORMAT: "xml" },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'error: Invalid configuration:\n  logging.format: expected one of pretty|json, got "xml" (from env NEXUS_LOG_FORMAT)\n',
      );
    }, 30000);

    test("exits 1 with a clear message when the port is taken", async () => {
      const first = await startNexus(runtime, ["--no-discovery"]);
      try {
        const port = new URL(first.url).port;
        const result = await runNexus(runtime, [
          "serve",
          "-H",
          "127.0.0.1",
          "-p",
          port,
          "--no-discovery",
        ]);
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(
          `error: Cannot listen on 127.0.0.1:${port}: address already in use\n`,
        );
      } finally {
        await first.stop();
      }
    }, 30000);
  });
}
