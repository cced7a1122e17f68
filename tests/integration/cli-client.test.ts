import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../../src/cli/mod.ts";
import { nexusFindings } from "../../src/cli/doctor-host.ts";
import { createFakeRuntime } from "../helpers/fake-runtime.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { closedPort } from "../helpers/ports.ts";

let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway([
    {
      name: "gpu",
      url: "http://127.0.0.1:1",
      type: "ollama",
      models: [
        { id: "llama3:8b", context_length: 8192, capabilities: { tools: true, json_mode: true } },
        { id: "llava:7b", context_length: 4096, capabilities: { vision: true } },
      ],
    },
    {
      name: "cpu",
      url: "http://127.0.0.1:2",
      type: "vllm",
      status: "unhealthy",
      models: ["qwen"],
      max_concurrent: 2,
    },
  ], { routing: { aliases: { "gpt-4": "llama3:8b" } } });
});
afterAll(() => gateway.close());

async function cli(argv: string[], env: Record<string, string> = {}) {
  const runtime = createFakeRuntime({ env });
  const code = await runCli(runtime, [...argv, "--url", gateway.url]);
  return { code, stdout: runtime.stdoutText(), stderr: runtime.stderrText() };
}

describe("nexus backends list", () => {
  test("prints a table with name, url, type, status, models, slots, latency, source and error", async () => {
    const { code, stdout, stderr } = await cli(["backends", "list"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^NAME\s+URL\s+TYPE\s+STATUS\s+MODELS\s+SLOTS\s+LATENCY\s+SOURCE\s+ERROR$/,
    );
    expect(lines[1]).toMatch(
      /^gpu\s+http:\/\/127\.0\.0\.1:1\s+ollama\s+healthy\s+2\s+no limit\s+-\s+static$/,
    );
    expect(lines[2]).toMatch(
      /^cpu\s+http:\/\/127\.0\.0\.1:2\s+vllm\s+unhealthy\s+1\s+0\/2\s+-\s+static$/,
    );
  });

  test("the ERROR column shows why an unhealthy backend failed its probe", async () => {
    const cpu = gateway.gateway.registry.get("cpu")!;
    await gateway.gateway.health.check(cpu);
    expect(cpu.last_error).toBe("connection refused");
    const { stdout } = await cli(["backends", "list"]);
    expect(stdout.split("\n")[2]).toMatch(
      /^cpu\s+http:\/\/127\.0\.0\.1:2\s+vllm\s+unhealthy\s+\d+\s+0\/2\s+-\s+static\s+connection refused$/,
    );
  });

  test("--json prints the backends as JSON, filtered by --status", async () => {
    const { code, stdout } = await cli(["backends", "list", "--json", "--status", "unhealthy"]);
    expect(code).toBe(0);
    const backends = JSON.parse(stdout);
    expect(backends).toHaveLength(1);
    expect(backends[0]).toMatchObject({
      name: "cpu",
      status: "unhealthy",
      models: ["qwen"],
      source: "static",
      slots: 2,
      slots_in_use: 0,
    });
    const all = JSON.parse((await cli(["backends", "list", "--json"])).stdout);
    // The machine value stays: no limit is null, not the table's words.
    expect(all.find((b: { name: string }) => b.name === "gpu").slots).toBeNull();
  });

  test("rejects an unknown --status as a usage error (exit 2)", async () => {
    const { code, stderr } = await cli(["backends", "list", "--status", "sleepy"]);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe(
      "error: invalid --status 'sleepy' (expected one of: unknown, healthy, busy, unhealthy, asleep, draining)",
    );
  });
});

describe("nexus backends add / remove", () => {
  test("adds a backend with an explicit type, says how its first check went, then removes it", async () => {
    const added = await cli([
      "backends",
      "add",
      "http://127.0.0.1:3",
      "--type",
      "generic",
      "--name",
      "extra",
      "--priority",
      "10",
    ]);
    expect(added.stderr).toBe("");
    expect(added.stdout).toBe(
      "Added backend extra (generic) at http://127.0.0.1:3: unhealthy (connection refused)\n",
    );
    expect(gateway.gateway.registry.get("extra")).toMatchObject({
      priority: 10,
      source: "manual",
      type: "generic",
    });
    const removed = await cli(["backends", "remove", "extra"]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe("Removed backend extra\n");
    expect(gateway.gateway.registry.get("extra")).toBeUndefined();
  });

  test("reports the server's refusal: a duplicate URL", async () => {
    const { code, stderr } = await cli([
      "backends",
      "add",
      "http://127.0.0.1:1",
      "--type",
      "ollama",
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe('error: Backend "gpu" already has URL http://127.0.0.1:1\n');
  });

  test("reports the server's refusal: an unknown name", async () => {
    const { code, stderr } = await cli(["backends", "remove", "ghost"]);
    expect(code).toBe(1);
    expect(stderr).toBe('error: No backend named "ghost"\n');
  });

  test("rejects a bad --priority before calling the server (exit 2)", async () => {
    const { code, stderr } = await cli([
      "backends",
      "add",
      "http://127.0.0.1:9",
      "--priority",
      "high",
    ]);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe(
      "error: invalid --priority 'high' (expected an integer from 0 to 100)",
    );
    expect(gateway.gateway.registry.findByUrl("http://127.0.0.1:9")).toBeUndefined();
  });
});

describe("nexus models", () => {
  test("prints each routable model with backends, context and capabilities", async () => {
    const { code, stdout } = await cli(["models"]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^MODEL\s+BACKENDS\s+LOADED ON\s+CONTEXT\s+CAPABILITIES$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      // Capabilities nobody reported are unknown (`?`), not missing.
      ["gpt-4 -> llama3:8b", "gpu", "-", "8192", "tools,json_mode,vision?,embeddings?"],
      ["llama3:8b", "gpu", "-", "8192", "tools,json_mode,vision?,embeddings?"],
      ["llava:7b", "gpu", "-", "4096", "vision,tools?,json_mode?,embeddings?"],
    ]);
  });

  test("--json --backend filters by backend", async () => {
    const { stdout } = await cli(["models", "--json", "--backend", "cpu"]);
    expect(JSON.parse(stdout)).toEqual([]);
    const all = JSON.parse((await cli(["models", "--json"])).stdout);
    expect(all.map((m: { id: string }) => m.id)).toEqual(["gpt-4", "llama3:8b", "llava:7b"]);
  });

  test("--backend says why it lists nothing: a backend that is down, or a name that is none", async () => {
    const cpu = gateway.gateway.registry.get("cpu")!;
    await gateway.gateway.health.check(cpu);
    const down = await cli(["models", "--backend", "cpu"]);
    expect(down.code).toBe(0);
    expect(down.stdout).toBe(
      "Backend cpu is unhealthy (last error: connection refused): its models (qwen) get no requests until it is healthy again.\n",
    );
    const typo = await cli(["models", "--backend", "cpu2"]);
    expect(typo.code).toBe(0);
    expect(typo.stdout).toBe("No backend named cpu2 (nexus backends list shows them).\n");
  });
});

describe("nexus health", () => {
  test("prints the summary and exits 0 while some backend is healthy", async () => {
    const { code, stdout } = await cli(["health"]);
    expect(code).toBe(0);
    expect(stdout).toContain(`at ${gateway.url}: degraded`);
    expect(stdout).toContain("backends: 2 total, 1 healthy, 0 busy, 1 unhealthy, 0 unknown");
  });

  test("exits 1 when no backend is healthy", async () => {
    gateway.gateway.registry.setStatus("gpu", "unhealthy");
    try {
      const { code, stdout } = await cli(["health", "--json"]);
      expect(code).toBe(1);
      expect(JSON.parse(stdout).status).toBe("unhealthy");
    } finally {
      gateway.gateway.registry.setStatus("gpu", "healthy");
    }
  });
});

describe("an unreachable server", () => {
  // Not a well-known port: Deno's fetch refuses the "bad ports" of the fetch spec (9, 25, …).
  let dead: string;
  beforeAll(async () => {
    dead = `http://127.0.0.1:${await closedPort()}`;
  });

  test("every client command says it cannot reach Nexus and exits 1", async () => {
    for (
      const argv of [["health"], ["models"], ["backends", "list"], ["backends", "remove", "x"]]
    ) {
      const runtime = createFakeRuntime();
      const code = await runCli(runtime, [...argv, "--url", dead]);
      expect(code).toBe(1);
      expect(runtime.stderrText()).toBe(
        `error: Cannot reach Nexus at ${dead}: connection refused\n`,
      );
    }
  });

  test("NEXUS_URL is used when --url is absent", async () => {
    const runtime = createFakeRuntime({ env: { NEXUS_URL: `${dead}/` } });
    expect(await runCli(runtime, ["health"])).toBe(1);
    expect(runtime.stderrText()).toBe(`error: Cannot reach Nexus at ${dead}: connection refused\n`);
  });
});

describe("a server that is not Nexus", () => {
  // Each answers some of these paths in its own shape (vLLM: /health 200 with no body, its own
  // /v1/models; Ollama: 404 pages): read as Nexus's, they gave "Cannot destructure property
  // 'backends' from null or undefined value" and the like.
  let vllm: MockBackend;
  let ollama: MockBackend;
  beforeAll(async () => {
    vllm = await startMockBackend({ flavor: "vllm", models: [{ id: "m" }] });
    ollama = await startMockBackend({ flavor: "ollama", models: [{ id: "m" }] });
  });
  afterAll(async () => {
    await vllm.close();
    await ollama.close();
  });

  const verbs = [
    ["health", "/health"],
    ["health --json", "/health"],
    ["models", "/v1/models"],
    ["models --json", "/v1/models"],
    ["backends list", "/v1/backends"],
    ["backends remove x", "/v1/backends/x"],
    ["models load m", "/v1/models/m/load"],
    ["reload", "/v1/config/reload"],
  ] as const;
  for (const [verb, path] of verbs) {
    test(`nexus ${verb} says so in one line and exits 1`, async () => {
      for (const server of [vllm, ollama]) {
        const runtime = createFakeRuntime();
        const code = await runCli(runtime, [...verb.split(" "), "--url", server.url]);
        expect(runtime.stdoutText()).toBe("");
        expect(runtime.stderrText()).toMatch(
          new RegExp(
            `^error: The server at ${server.url} is not Nexus \\(it answered ${path} with HTTP \\d+, without Nexus's X-Nexus-Instance header\\): give --url \\(or NEXUS_URL\\) the address Nexus listens on\\n$`,
          ),
        );
        expect(code).toBe(1);
      }
    });
  }

  test("nexus doctor says the server is not Nexus, not that it cannot be reached", async () => {
    const runtime = createFakeRuntime();
    const { findings, health } = await nexusFindings(runtime, vllm.url, () => Date.now());
    expect(health).toBeUndefined();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: "reachable", verdict: "fail" });
    expect(findings[0]!.message).toBe(
      `the server at ${vllm.url} is not Nexus (it answered /health with HTTP 200, without Nexus's X-Nexus-Instance header)`,
    );
  });
});

describe("a --url with a password in it", () => {
  test("is shown as *** in what the CLI prints", async () => {
    const port = new URL(gateway.url).port;
    const reached = createFakeRuntime();
    expect(await runCli(reached, ["health", "--url", `http://me:s3cret@127.0.0.1:${port}`]))
      .toBe(0);
    expect(reached.stdoutText()).toContain(` at http://***@127.0.0.1:${port}: degraded`);
    expect(reached.stdoutText()).not.toContain("s3cret");
    const dead = `127.0.0.1:${await closedPort()}`;
    const refused = createFakeRuntime();
    expect(await runCli(refused, ["backends", "list", "--url", `http://me:s3cret@${dead}`]))
      .toBe(1);
    expect(refused.stderrText()).toBe(
      `error: Cannot reach Nexus at http://***@${dead}: connection refused\n`,
    );
  });

  test("is shown as *** when the URL is refused: a mistyped scheme, or none", async () => {
    // redactUrl needs a well-formed scheme:// to see user info: these were echoed whole.
    const cases = [
      [
        ["--url", "htp://me:s3cret@nexus.lan:8000"],
        {},
        "error: invalid --url 'htp://***@nexus.lan:8000'",
      ],
      [["--url", "me:s3cret@nexus.lan:8000"], {}, "error: invalid --url '***@nexus.lan:8000'"],
      [
        [],
        { NEXUS_URL: "htp://me:s3cret@nexus.lan" },
        'error: Invalid NEXUS_URL "htp://***@nexus.lan"',
      ],
    ] as const;
    for (const [flags, env, said] of cases) {
      const runtime = createFakeRuntime({ env });
      expect(await runCli(runtime, ["health", ...flags])).not.toBe(0);
      expect(runtime.stderrText()).toContain(said);
      expect(runtime.stderrText()).not.toContain("s3cret");
    }
    // One slash: the URL parser takes it (so fetch does), and the message quoted it whole.
    const dead = `127.0.0.1:${await closedPort()}`;
    const refused = createFakeRuntime({ env: { NEXUS_URL: `http:/me:s3cret@${dead}` } });
    expect(await runCli(refused, ["health"])).toBe(1);
    expect(refused.stderrText()).toBe(
      `error: Cannot reach Nexus at http://***@${dead}: connection refused\n`,
    );
  });
});

describe("what a server says, printed to a terminal", () => {
  // A backend names its models (and mDNS names backends): escape sequences in them reached the
  // terminal of whoever ran the command, where they clear the screen or retitle the window.
  const evil = "qwen\x1b[2J\x1b]0;pwned\x07\r:7b";
  let hostile: RunningGateway;
  beforeAll(async () => {
    hostile = await startGateway([{ name: "lan", url: "http://127.0.0.1:1", models: [evil] }]);
  });
  afterAll(() => hostile.close());

  // deno-lint-ignore no-control-regex
  const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

  test("control characters and escape sequences are written as \\uXXXX, --json stays exact", async () => {
    const table = createFakeRuntime();
    expect(await runCli(table, ["models", "--url", hostile.url])).toBe(0);
    expect(table.stdoutText()).toContain("qwen\\u001b[2J\\u001b]0;pwned\\u0007\\u000d:7b");
    expect(table.stdoutText()).not.toMatch(CONTROL);
    const json = createFakeRuntime();
    expect(await runCli(json, ["models", "--json", "--url", hostile.url])).toBe(0);
    expect(JSON.parse(json.stdoutText())[0].id).toBe(evil);
    const refused = createFakeRuntime();
    expect(await runCli(refused, ["backends", "remove", evil, "--url", hostile.url])).toBe(1);
    expect(refused.stderrText()).not.toMatch(CONTROL);
  });
});
