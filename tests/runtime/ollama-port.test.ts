/**
 * `[server] ollama_port` as a real process: a second listener that answers as Ollama does at
 * its root (liveness text, `/api/*`) and serves the OpenAI routes too, and a port already taken
 * stops the start with a line that names it and the usual culprit.
 */
import { describe, expect, test } from "bun:test";
import { runNexus, startNexus } from "../helpers/processes.ts";

for (const runtime of ["bun", "deno"] as const) {
  describe(`nexus serve --ollama-port (${runtime})`, () => {
    test("serves the Ollama API and the OpenAI routes on the second port", async () => {
      const nexus = await startNexus(runtime, ["--no-discovery", "--ollama-port", "0"]);
      try {
        const ollama = /ollama=(http:\/\/\S+)/.exec(nexus.output())?.[1];
        expect(ollama).toBeDefined();
        const url = `http://127.0.0.1:${new URL(ollama!).port}`;
        expect(url).not.toBe(nexus.url);
        const root = await fetch(`${url}/`);
        expect(await root.text()).toBe("Ollama is running");
        const tags = await fetch(`${url}/api/tags`);
        expect(await tags.json()).toEqual({ models: [] });
        const models = await fetch(`${url}/v1/models`);
        expect(await models.json()).toMatchObject({ object: "list", data: [] });
        const version = await (await fetch(`${url}/api/version`)).json();
        expect(version.version).toMatch(/^\d+\.\d+\.\d+$/);
      } finally {
        expect(await nexus.stop("SIGTERM")).toBe(0);
      }
    }, 30000);

    test("a taken Ollama port: exit 1 with the port and a hint", async () => {
      const first = await startNexus(runtime, ["--no-discovery"]);
      try {
        const port = new URL(first.url).port;
        const result = await runNexus(runtime, [
          "serve",
          "-H",
          "127.0.0.1",
          "-p",
          "0",
          "--ollama-port",
          port,
          "--no-discovery",
        ]);
        expect(result.code).toBe(1);
        const expected = `error: Cannot listen on 127.0.0.1:${port}: address already in use ` +
          `([server] ollama_port = ${port}). Is Ollama itself still running on port ${port}?`;
        expect(result.stderr.startsWith(expected)).toBe(true);
        expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      } finally {
        await first.stop();
      }
    }, 30000);
  });
}
