/**
 * Hints where a new user gets stuck (specs/012-first-hour), against a real gateway on loopback
 * and the mock Ollama: a backend URL ending in /v1, type detection that takes a while, and the
 * ERROR column of `nexus backends list`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BackendType } from "../../src/config/mod.ts";
import { runCli } from "../../src/cli/mod.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { createFakeRuntime } from "../helpers/fake-runtime.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { TEST_SECRETS } from "../helpers/secrets.ts";

let mock: MockBackend;

beforeAll(async () => {
  mock = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.2" }] });
});
afterAll(() => mock.close());

async function cli(gateway: RunningGateway, argv: string[], tty = false) {
  const runtime = createFakeRuntime({ stderrIsTTY: tty });
  const code = await runCli(runtime, [...argv, "--url", gateway.url]);
  return { code, stdout: runtime.stdoutText(), stderr: runtime.stderrText() };
}

describe("a backend URL ending in /v1", () => {
  test("nexus backends add drops /v1, says so, and adds the server that answers there", async () => {
    const gateway = await startGateway([]);
    try {
      const { code, stdout, stderr } = await cli(gateway, ["backends", "add", `${mock.url}/v1/`]);
      expect(code).toBe(0);
      expect(stderr).toBe(
        `note: ${mock.url}/v1/ ends in /v1: drop /v1: Nexus adds it; adding ${mock.url}\n`,
      );
      const name = `127.0.0.1-${mock.port}`;
      expect(stdout).toBe(`Added backend ${name} (ollama) at ${mock.url}: healthy, 1 model\n`);
      expect(gateway.gateway.registry.get(name)?.url).toBe(mock.url);
    } finally {
      await gateway.close();
    }
  });

  test("the admin API's detection failure says to drop /v1", async () => {
    const gateway = await startGateway([]);
    try {
      const response = await fetch(`${gateway.url}/v1/backends`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: `${mock.url}/v1` }),
      });
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toBe(
        `Cannot detect the backend type of ${mock.url}/v1: no LLM server answered there; the URL ends in /v1: drop /v1: Nexus adds it`,
      );
    } finally {
      await gateway.close();
    }
  });

  test("the admin API's detection of a server that wants a key says to configure the key", async () => {
    const keyed = await startMockBackend({ flavor: "vllm", apiKey: TEST_SECRETS.backendKey });
    const gateway = await startGateway([]);
    try {
      const runtime = createFakeRuntime();
      expect(await runCli(runtime, ["backends", "add", keyed.url, "--url", gateway.url])).toBe(1);
      expect(runtime.stderrText()).toBe(
        `error: Cannot detect the backend type of ${keyed.url}: it answered HTTP 401 from /v1/models, so it wants an API key; add it to the config under [[backends]] with api_key_env (and type) instead\n`,
      );
    } finally {
      await gateway.close();
      await keyed.close();
    }
  });

  test("nothing answering: the CLI is told how to give the type (--type)", async () => {
    const gateway = await startGateway([]);
    try {
      const runtime = createFakeRuntime();
      const url = "http://127.0.0.1:9";
      expect(await runCli(runtime, ["backends", "add", url, "--url", gateway.url])).toBe(1);
      expect(runtime.stderrText()).toBe(
        `error: Cannot detect the backend type of ${url}: no LLM server answered there; give its type to add it anyway (--type TYPE; "type" in the API)\n`,
      );
    } finally {
      await gateway.close();
    }
  });

  test("an unhealthy backend's reason leads with the hint, in the API and the ERROR column", async () => {
    const gateway = await startGateway([{ name: "gpu", url: `${mock.url}/v1`, type: "ollama" }]);
    try {
      const backend = gateway.gateway.registry.get("gpu")!;
      await gateway.gateway.health.check(backend);
      expect(backend.status).toBe("unhealthy");
      expect(backend.last_error).toMatch(/^drop \/v1: Nexus adds it \(HTTP 404 from \/api\/\w+\)$/);
      const { stdout } = await cli(gateway, ["backends", "list"]);
      expect(stdout.split("\n")[1]).toMatch(
        /unhealthy\s+0\s+no limit\s+-\s+static\s+drop \/v1: Nexus adds it/,
      );
    } finally {
      await gateway.close();
    }
  });
});

describe("type detection that takes a while", () => {
  test("a terminal sees what is being probed until the server answers", async () => {
    let answer: ((type: BackendType | undefined) => void) | undefined;
    const gateway = await startGateway([], {}, {
      detectType: () => new Promise((resolve) => (answer = resolve)),
    });
    try {
      const runtime = createFakeRuntime({ stderrIsTTY: true });
      const running = runCli(runtime, ["backends", "add", mock.url, "--url", gateway.url]);
      // The line goes out before the request; detection starts when the server has read it.
      await waitFor(
        () =>
          answer !== undefined &&
          runtime.stderrText().startsWith(`probing ${mock.url} to detect its type …`),
        "the progress line and the server's detection",
      );
      answer!("ollama");
      expect(await running).toBe(0);
      expect(runtime.stdoutText()).toMatch(/^Added backend \S+ \(ollama\) at /);
      // Erased once the answer came, so the terminal shows only the result.
      expect(runtime.stderrText().endsWith("\r\x1b[K")).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  test("a pipe or script gets no progress text", async () => {
    const gateway = await startGateway([], {}, { detectType: () => Promise.resolve("ollama") });
    try {
      const { code, stderr } = await cli(gateway, ["backends", "add", mock.url]);
      expect(code).toBe(0);
      expect(stderr).toBe("");
    } finally {
      await gateway.close();
    }
  });
});

describe("the ERROR column", () => {
  const longError =
    "HTTP 500 from /api/tags: upstream proxy could not reach the model server behind it";
  let server: { stop(force: boolean): Promise<void> };
  let url: string;

  beforeAll(async () => {
    const runtime = await loadRuntime();
    const row = (name: string, status: string, last_error: string | null) => ({
      name,
      url: `http://${name}:11434`,
      type: "ollama",
      status,
      source: "static",
      models: [],
      latency_ms: null,
      last_error,
      last_check: "2026-12-01T00:00:00.000Z",
    });
    const body = JSON.stringify({
      object: "list",
      data: [
        row("long", "unhealthy", longError),
        row("recovered", "healthy", "connection reset"),
        row("fresh", "unknown", null),
      ],
    });
    const started = await runtime.serve(
      () => new Response(body, { headers: { "content-type": "application/json" } }),
      { hostname: "127.0.0.1", port: 0 },
    );
    server = started;
    url = `http://127.0.0.1:${started.port}`;
  });
  afterAll(() => server.stop(true));

  test("shortens a long error visibly, says where the whole text is, hides a healthy one's", async () => {
    const runtime = createFakeRuntime();
    expect(await runCli(runtime, ["backends", "list", "--url", url])).toBe(0);
    const lines = runtime.stdoutText().trimEnd().split("\n");
    expect(lines[1]!.endsWith(`static  ${longError.slice(0, 59)}…`)).toBe(true);
    // This server does not report slots (before 0.2): "-", not a count.
    expect(lines[2]).toMatch(/healthy\s+0\s+-\s+-\s+static$/);
    expect(lines[3]).toMatch(/unknown\s+0\s+-\s+-\s+static$/);
    expect(lines[4]).toBe("(errors shortened to fit; --json shows them whole)");
    const json = createFakeRuntime();
    await runCli(json, ["backends", "list", "--json", "--url", url]);
    expect(JSON.parse(json.stdoutText())[0].last_error).toBe(longError);
  });
});
