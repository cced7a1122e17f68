/**
 * `nexus health` and `nexus doctor` from another machine against a keys-mode Nexus, whose
 * `/health` keeps its details (backends, models) from callers that are neither key holders nor
 * admins. Without NEXUS_ADMIN_TOKEN both say the details are withheld and how to see them (they
 * printed a JavaScript error: "undefined is not an object (evaluating 'backends.total')");
 * with it, both see the fleet. `nexus models` cannot send a key: it says where else to look.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../../src/cli/mod.ts";
import { loadRuntime, type Runtime } from "../../src/runtime/mod.ts";
import { memoryFiles } from "../../src/state/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { TEST_SECRETS } from "../helpers/secrets.ts";

const TOKEN = TEST_SECRETS.adminToken;
let backend: MockBackend;
let gateway: RunningGateway;
/** The same gateway, served as if every client were another machine on the LAN. */
let remote: { url: string; stop(): Promise<void> };

beforeAll(async () => {
  backend = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([{ name: "gpu", url: backend.url, models: ["m"] }], {
    server: { admin_token: TOKEN },
    auth: { mode: "keys", failures_per_minute: 1000 },
  }, { files: memoryFiles(new Map()), keysFile: "/keys/nexus-keys.json" });
  const runtime = await loadRuntime();
  const server = await runtime.serve(
    (request) => gateway.gateway.fetch(request, { remoteAddress: "192.0.2.7" }),
    { hostname: "127.0.0.1", port: 0 },
  );
  remote = { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
});

afterAll(async () => {
  await remote.stop();
  await gateway.close();
  await gateway.gateway.stop();
  await backend.close();
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  const real = await loadRuntime();
  let out = "";
  const runtime: Runtime = {
    ...real,
    env: Object.freeze({ ...env, NEXUS_URL: remote.url, NEXUS_CONFIG: "/nonexistent.toml" }),
    stdoutIsTTY: false,
    writeStdout: (text) => void (out += text),
    writeStderr: (text) => void (out += text),
  };
  const code = await runCli(runtime, argv);
  return { code, out };
}

describe("a keys-mode Nexus asked from another machine", () => {
  test("nexus health: the status, and that the details need the admin token", async () => {
    const { code, out } = await cli(["health"]);
    expect(code).toBe(0);
    expect(out).toContain(": healthy\n");
    expect(out).toContain(
      "backends and models are shown to key holders and admins only (keys mode); from another machine, set NEXUS_ADMIN_TOKEN",
    );
    expect(out).not.toContain("undefined");
    const admin = await cli(["health"], { NEXUS_ADMIN_TOKEN: TOKEN });
    expect(admin.out).toContain("backends: 1 total, 1 healthy");
  });

  test("nexus models: the list needs a key the command cannot send; where else to look", async () => {
    const { code, out } = await cli(["models"], { NEXUS_ADMIN_TOKEN: TOKEN });
    expect(code).toBe(1);
    expect(out).toBe(
      `error: ${remote.url} has API keys on ([auth] mode = "keys"): its model list needs a key, which nexus models cannot send. nexus backends list shows each backend's models; or: curl -H "Authorization: Bearer nx-…" ${remote.url}/v1/models\n`,
    );
  });

  test("nexus doctor: reachable, details withheld, no JavaScript error", async () => {
    const { out } = await cli(["doctor", "--json"]);
    const findings = JSON.parse(out).findings as Array<Record<string, string>>;
    const reachable = findings.find((f) => f.subject === "nexus" && f.check === "reachable")!;
    expect(reachable.verdict).toBe("ok");
    expect(reachable.message).toContain("shown to key holders and admins only");
    const admin = await cli(["doctor", "--json"], { NEXUS_ADMIN_TOKEN: TOKEN });
    const seen = JSON.parse(admin.out).findings as Array<Record<string, string>>;
    expect(seen.find((f) => f.subject === "nexus")!.message).toContain("1 backend, 1 model");
    expect(seen.some((f) => f.subject === "gpu")).toBe(true);
  });
});
