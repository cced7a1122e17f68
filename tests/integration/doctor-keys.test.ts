/**
 * `nexus doctor` and a backend behind an API key (vLLM `--api-key`): with the key its
 * `api_key_env` names, doctor's own questions (type detection, `--chat`) pass it and succeed;
 * without it, a refusal says to set the key, not to look for a broken model.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { backendFindings } from "../../src/cli/doctor-backends.ts";
import type { BackendCheckOptions } from "../../src/cli/doctor-types.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { TEST_SECRETS } from "../helpers/secrets.ts";

const KEY = TEST_SECRETS.backendKey;
let vllm: MockBackend;

beforeAll(async () => {
  vllm = await startMockBackend({ flavor: "vllm", models: [{ id: "qwen" }], apiKey: KEY });
});

afterAll(async () => {
  await vllm.close();
});

/** The backend as a running Nexus lists it: healthy (Nexus has the key). */
function listed() {
  return {
    name: "gpu",
    url: vllm.url,
    type: "vllm",
    status: "healthy",
    version: "0.6.3",
    models: ["qwen"],
    last_error: null,
  } as unknown as Parameters<typeof backendFindings>[0];
}

function options(apiKey?: string): BackendCheckOptions {
  return {
    fetch: (input, init) => fetch(input, init),
    configuredType: "vllm",
    models: [],
    ...(apiKey ? { apiKey } : {}),
    chat: true,
    tools: true,
    timeoutMs: 5000,
    now: () => Date.now(),
  };
}

describe("nexus doctor, a backend behind an API key", () => {
  test("with the key: the type is detected and the chat, stream and tool call pass", async () => {
    const findings = await backendFindings(listed(), options(KEY));
    const type = findings.find((f) => f.check === "type")!;
    expect(type.verdict).toBe("ok");
    expect(type.message).toBe("answers as vllm");
    for (const check of ["chat", "stream", "tools"]) {
      expect(findings.find((f) => f.check === check)?.verdict).toBe("ok");
    }
  });

  test("unhealthy in Nexus for a 401 (its key unset there): the fix is the key, not the URL", async () => {
    for (
      const last_error of [
        "HTTP 401 from /v1/models",
        "HTTP 401 from /api/version (type detection): the server wants an API key (api_key_env)",
      ]
    ) {
      const findings = await backendFindings(
        { ...listed(), status: "unhealthy", models: [], last_error },
        options(),
      );
      const reachable = findings.find((f) => f.check === "reachable")!;
      expect(reachable.verdict).toBe("fail");
      expect(reachable.fix).toContain("wants a key: set api_key_env");
    }
  });

  test("without it: each refusal's fix is to set the key", async () => {
    const findings = await backendFindings(listed(), options());
    expect(findings.find((f) => f.check === "type")?.message).toContain(
      "wants a key answers only with",
    );
    for (const check of ["chat", "stream", "tools"]) {
      const refused = findings.find((f) => f.check === check)!;
      expect(refused.verdict).toBe("fail");
      expect(refused.message).toContain("HTTP 401");
      expect(refused.fix).toContain("wants a key: set api_key_env");
    }
  });
});
