/**
 * `nexus doctor` against a real Nexus (in this process) and mock backends, with the config file
 * seeded with the mistakes people make: a backend URL ending in /v1, a wrong type, a dead host,
 * and an alias, a fallback and a preload naming a model no backend lists. Doctor names each one
 * with its fix, says what is fine, and exits 1; `--json` carries the same findings.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../src/cli/mod.ts";
import { loadRuntime, type Runtime } from "../../src/runtime/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { closedPort } from "../helpers/ports.ts";
import { tempDir } from "../helpers/temp-dir.ts";

interface Finding {
  check: string;
  subject: string;
  verdict: "ok" | "warn" | "fail" | "skip";
  message: string;
  fix?: string;
}

let ollama: MockBackend;
let llamacpp: MockBackend;
let gateway: RunningGateway;
let dir: string;
let configPath: string;

beforeAll(async () => {
  ollama = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.2:3b" }] });
  llamacpp = await startMockBackend({ flavor: "llamacpp", models: [{ id: "qwen2.5-7b.gguf" }] });
  const dead = `http://127.0.0.1:${await closedPort()}`;
  const deadAuto = `http://127.0.0.1:${await closedPort()}`;
  dir = tempDir("doctor");
  configPath = join(dir, "nexus.toml");
  const backends = [
    { name: "good", url: ollama.url, type: "ollama" },
    { name: "slash-v1", url: `${llamacpp.url}/v1`, type: "llamacpp" },
    { name: "wrong-type", url: llamacpp.url.replace("127.0.0.1", "localhost"), type: "ollama" },
    { name: "dead", url: dead, type: "ollama" },
    // The default type: Nexus only knows that type detection found no server there.
    { name: "dead-auto", url: deadAuto, type: "auto" },
  ];
  const routing = {
    aliases: { "gpt-4": "llama3:70b", "fast": "llama3.2:3b" },
    fallbacks: { "llama3.2:3b": ["mistral:7b"] },
  };
  writeFileSync(
    configPath,
    [
      "[discovery]",
      "enabled = false",
      "[routing.aliases]",
      '"gpt-4" = "llama3:70b"',
      'fast = "llama3.2:3b"',
      "[routing.fallbacks]",
      '"llama3.2:3b" = ["mistral:7b"]',
      "[[preload]]",
      'model = "phi3:mini"',
      "on_start = true",
      ...backends.flatMap((b) => [
        "[[backends]]",
        `name = "${b.name}"`,
        `url = "${b.url}"`,
        `type = "${b.type}"`,
      ]),
    ].join("\n") + "\n",
  );
  gateway = await startGateway(backends, { routing, health_check: { timeout_seconds: 2 } });
  await gateway.gateway.health.runRound();
}, 30_000);

afterAll(async () => {
  await gateway?.close();
  await ollama?.close();
  await llamacpp?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function doctor(
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const real = await loadRuntime();
  let out = "";
  const runtime: Runtime = {
    ...real,
    env: Object.freeze({ ...env, NEXUS_URL: gateway.url }),
    stdoutIsTTY: false,
    writeStdout: (text) => void (out += text),
    writeStderr: (text) => void (out += text),
  };
  const code = await runCli(runtime, ["doctor", "-c", configPath, ...extra]);
  return { code, out };
}

function find(findings: Finding[], subject: string, check: string): Finding {
  const found = findings.find((f) => f.subject === subject && f.check === check);
  if (!found) throw new Error(`no ${subject} ${check} finding in ${JSON.stringify(findings)}`);
  return found;
}

describe("nexus doctor", () => {
  let findings: Finding[];
  let code: number;

  beforeAll(async () => {
    const result = await doctor(["--json"]);
    code = result.code;
    const report = JSON.parse(result.out);
    expect(report.ok).toBe(false);
    findings = report.findings;
  }, 60_000);

  test("exits 1 when something is red", () => {
    expect(code).toBe(1);
  });

  test("Nexus itself and the healthy backend are green", () => {
    expect(find(findings, "nexus", "reachable").verdict).toBe("warn"); // degraded: some are down
    expect(find(findings, "good", "reachable").verdict).toBe("ok");
    expect(find(findings, "good", "type")).toMatchObject({
      verdict: "ok",
      message: "answers as ollama",
    });
    expect(find(findings, "good", "models").message).toContain("llama3.2:3b");
  });

  test("a URL ending in /v1: named, with the URL to use", () => {
    const v1 = find(findings, "slash-v1", "v1_url");
    expect(v1.verdict).toBe("fail");
    expect(v1.fix).toBe(`url = "${llamacpp.url}" (drop /v1: Nexus adds it)`);
  });

  test("a wrong type: what it answers as, and the line to write", () => {
    const type = find(findings, "wrong-type", "type");
    expect(type.verdict).toBe("fail");
    expect(type.message).toBe('configured as type "ollama", but it answers as llamacpp');
    expect(type.fix).toContain('type = "llamacpp"');
    // Its probes ask Ollama's paths of a llama.cpp server: they fail, and the fix says why.
    const reachable = find(findings, "wrong-type", "reachable");
    expect(reachable.verdict).toBe("fail");
    expect(reachable.fix).toContain("type =");
  });

  test("a dead host: unhealthy with the reason, and what to check", () => {
    const dead = find(findings, "dead", "reachable");
    expect(dead.verdict).toBe("fail");
    expect(dead.message).toContain("connection refused");
    expect(dead.fix).toContain("nothing listens at");
  });

  test("a dead host of type auto (the default): the same reason and fix, asked from here", () => {
    const dead = find(findings, "dead-auto", "reachable");
    expect(dead.verdict).toBe("fail");
    expect(dead.message).toContain("connection refused");
    expect(dead.fix).toContain("nothing listens at");
  });

  test("an alias, a fallback and a preload naming a model no backend lists", () => {
    const alias = find(findings, "alias gpt-4", "alias");
    expect(alias).toMatchObject({ verdict: "fail" });
    expect(alias.message).toBe('"gpt-4" → "llama3:70b": no backend lists "llama3:70b"');
    expect(alias.fix).toContain("ollama pull llama3:70b");
    expect(alias.fix).toContain("llama3.2:3b");
    const fallback = find(findings, "fallback llama3.2:3b", "fallback");
    expect(fallback).toMatchObject({ verdict: "fail" });
    expect(fallback.message).toContain('"mistral:7b"');
    expect(fallback.fix).toContain("ollama pull mistral:7b");
    const preload = find(findings, "preload phi3:mini", "preload");
    expect(preload).toMatchObject({ verdict: "fail" });
    expect(preload.message).toContain('"phi3:mini"');
    expect(preload.fix).toContain("ollama pull phi3:mini");
    // The alias that does resolve is not reported.
    expect(findings.some((f) => f.subject === "alias fast")).toBe(false);
  });

  test("the text form prints each problem with its fix, and a closing count", async () => {
    const { code, out } = await doctor();
    expect(code).toBe(1);
    expect(out).toMatch(/^✗ slash-v1 v1_url +URL .*\/v1 ends in \/v1/m);
    expect(out).toMatch(/^ +fix: url = "/m);
    expect(out).toMatch(/problems? to fix/);
  }, 60_000);

  test("a config holding admin_token readable by others: chmod 600", async () => {
    const secret = join(dir, "secret.toml");
    writeFileSync(secret, '[server]\nadmin_token = "s3cret"\n[discovery]\nenabled = false\n');
    chmodSync(secret, 0o644);
    const real = await loadRuntime();
    let out = "";
    const runtime: Runtime = {
      ...real,
      env: Object.freeze({ NEXUS_URL: gateway.url }),
      writeStdout: (text) => void (out += text),
      writeStderr: () => {},
    };
    await runCli(runtime, ["doctor", "-c", secret, "--json"]);
    const permissions = find(JSON.parse(out).findings, "config", "permissions");
    expect(permissions.verdict).toBe("fail");
    expect(permissions.fix).toBe(`chmod 600 ${secret}`);
    expect(out).not.toContain("s3cret");
  }, 60_000);
});

describe("nexus doctor --chat --tools", () => {
  test("a tiny chat, a stream and a tool call per model of the healthy backend", async () => {
    const { out } = await doctor(["--json", "--chat", "--tools"]);
    const findings: Finding[] = JSON.parse(out).findings;
    expect(find(findings, "good", "chat")).toMatchObject({ verdict: "ok" });
    expect(find(findings, "good", "stream").message).toMatch(/chunks, then \[DONE\]/);
    const tools = find(findings, "good", "tools");
    expect(tools.verdict === "ok" || tools.verdict === "skip").toBe(true);
    // Unhealthy backends get no chat: it would only fail again.
    expect(findings.some((f) => f.subject === "dead" && f.check === "chat")).toBe(false);
  }, 60_000);
});
