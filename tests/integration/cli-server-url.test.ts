/**
 * The commands that talk to a running server (`health`, `models`, `backends`, `reload`, …) find
 * it where the config says it listens when neither `--url` nor NEXUS_URL names it, as `doctor`
 * and `keys` do. They used to try 127.0.0.1:8000 only: beside a `nexus.toml` with `port = 9000`,
 * `nexus reload` — "make a running server read its config again" — said it could not reach Nexus.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../../src/cli/mod.ts";
import { createFakeRuntime } from "../helpers/fake-runtime.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let gateway: RunningGateway;
let config: string;

beforeAll(async () => {
  gateway = await startGateway([
    { name: "gpu", url: "http://127.0.0.1:1", type: "ollama", models: ["llama3:8b"] },
    { name: "spare", url: "http://127.0.0.1:2", type: "ollama", models: ["phi3"] },
  ]);
  // A server bound everywhere is reached on loopback.
  config = `[server]\nhost = "0.0.0.0"\nport = ${new URL(gateway.url).port}\n`;
});

afterAll(() => gateway.close());

async function cli(
  argv: string[],
  files: Record<string, string>,
  env: Record<string, string> = {},
) {
  const runtime = createFakeRuntime({ files, env });
  const code = await runCli(runtime, argv);
  return { code, stdout: runtime.stdoutText(), stderr: runtime.stderrText() };
}

describe("a command with no --url and no NEXUS_URL", () => {
  test("reaches the server ./nexus.toml describes", async () => {
    const { code, stdout, stderr } = await cli(["health"], { "nexus.toml": config });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`at http://127.0.0.1:${new URL(gateway.url).port}`);
  });

  test("reaches the server the config named with -c describes", async () => {
    const files = { "/etc/nexus/nexus.toml": config };
    const { code, stdout } = await cli(["models", "-c", "/etc/nexus/nexus.toml"], files);
    expect(code).toBe(0);
    expect(stdout).toContain("llama3:8b");
  });

  test("reaches the server the config named by NEXUS_CONFIG describes", async () => {
    const files = { "/etc/nexus/nexus.toml": config };
    const env = { NEXUS_CONFIG: "/etc/nexus/nexus.toml" };
    const { code, stdout } = await cli(["backends", "list"], files, env);
    expect(code).toBe(0);
    expect(stdout).toContain("gpu");
  });

  test("a -c file that cannot be loaded is an error naming it", async () => {
    const { code, stderr } = await cli(["health", "-c", "/nowhere/nexus.toml"], {});
    expect(code).toBe(1);
    expect(stderr).toContain('Cannot load config "/nowhere/nexus.toml": file not found');
  });
});

describe("every other command that talks to a server finds it the same way", () => {
  // Each answer is this gateway's own: its backends (gpu cannot be reached), no config to reload.
  const cases: Array<[string, string[], string]> = [
    ["reload", ["reload"], "This Nexus was not started from a config to reload"],
    ["backends wake", ["backends", "wake", "gpu"], "Backend gpu has no wake settings"],
    ["models load", ["models", "load", "llama3:8b"], "Backend gpu (ollama): "],
    ["models unload", ["models", "unload", "llama3:8b"], "Backend gpu (ollama): "],
  ];
  for (const [what, argv, answer] of cases) {
    test(what, async () => {
      const { stderr } = await cli(argv, { "nexus.toml": config });
      expect(stderr).toContain(`error: ${answer}`);
    });
  }

  test("backends add and remove change this server's fleet", async () => {
    const files = { "nexus.toml": config };
    const add = ["backends", "add", "http://127.0.0.1:3", "--type", "vllm", "--name", "new"];
    expect((await cli(add, files)).code).toBe(0);
    expect((await cli(["backends", "remove", "spare"], files)).code).toBe(0);
    const names = gateway.gateway.registry.list().map((backend) => backend.name);
    expect(names).toEqual(["gpu", "new"]);
  });
});

describe("--url and NEXUS_URL still win over the config", () => {
  test("--url", async () => {
    const files = { "nexus.toml": "[server]\nport = 1\n" };
    const { code } = await cli(["health", "--url", gateway.url], files);
    expect(code).toBe(0);
  });

  test("NEXUS_URL", async () => {
    const files = { "nexus.toml": "[server]\nport = 1\n" };
    const { code } = await cli(["health"], files, { NEXUS_URL: gateway.url });
    expect(code).toBe(0);
  });
});
