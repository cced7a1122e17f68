/**
 * HealthChecker rules discovery relies on: a status changed elsewhere restarts the streaks, a
 * suspended backend is not probed, and a probe decides only the URL it probed.
 */
import { describe, expect, test } from "bun:test";
import { HealthChecker, NO_LLM_SERVER } from "../../../src/health/mod.ts";
import { silentLogger } from "../../../src/lib/logger.ts";
import { type Backend, type BackendTypeSetting, Registry } from "../../../src/registry/mod.ts";
import { fixture } from "../../helpers/fake-backend-fetch.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

const CONFIG = {
  enabled: true,
  interval_seconds: 30,
  timeout_seconds: 5,
  failure_threshold: 3,
  recovery_threshold: 1,
};

const ok = () =>
  new Response(fixture("openai-models.json"), { headers: { "content-type": "application/json" } });
const broken = () => new Response("down", { status: 500 });

function setup(
  fetch: (url: string, init?: RequestInit) => Promise<Response>,
  isSuspended?: (backend: Backend) => boolean,
  type: BackendTypeSetting = "generic",
) {
  const registry = new Registry();
  const clock = new FakeClock();
  const backend = registry.add({
    name: "gpu",
    url: "http://old.lan:8000",
    type,
    priority: 50,
    source: "mdns",
  });
  const urls: string[] = [];
  const checker = new HealthChecker({
    registry,
    clock,
    logger: silentLogger,
    fetch: (input: string, init: RequestInit) => {
      urls.push(input);
      return fetch(input, init);
    },
    config: CONFIG,
    apiKeyFor: () => undefined,
    ...(isSuspended ? { isSuspended } : {}),
  });
  return { registry, backend, checker, urls, clock };
}

/** Never answers; rejects when the probe's deadline aborts it. */
const hang = (_url: string, init?: RequestInit) =>
  new Promise<Response>((_, reject) =>
    init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))
  );

describe("HealthChecker", () => {
  test("a status set outside the checker restarts the streaks from that status", async () => {
    let reply = ok;
    const { registry, backend, checker } = setup(() => Promise.resolve(reply()));
    await checker.check(backend);
    expect(backend.status).toBe("healthy");
    registry.setStatus("gpu", "unknown");
    reply = broken;
    await checker.check(backend);
    // From unknown, the first failure decides; the old healthy streak no longer counts.
    expect(backend.status).toBe("unhealthy");
  });

  test("rounds skip suspended backends, and a probe that ends after suspension changes nothing", async () => {
    let suspended = false;
    let release: (() => void) | undefined;
    const { backend, checker, urls } = setup(
      () => new Promise((resolve) => (release = () => resolve(ok()))),
      () => suspended,
    );
    const running = checker.runRound();
    suspended = true;
    release!();
    await running;
    expect(backend.status).toBe("unknown");
    const before = urls.length;
    await checker.runRound();
    expect(urls.length).toBe(before);
  });

  test("a probe decides only the URL it probed: the new address is probed on its own", async () => {
    let releaseOld: (() => void) | undefined;
    const { registry, backend, checker, urls } = setup((url) =>
      url.startsWith("http://old.lan")
        ? new Promise((resolve) => (releaseOld = () => resolve(ok())))
        : Promise.resolve(broken())
    );
    const oldProbe = checker.check(backend);
    registry.update("gpu", { url: "http://new.lan:8000" });
    await checker.check(backend);
    expect(urls).toContain("http://new.lan:8000/v1/models");
    expect(backend.status).toBe("unhealthy");
    releaseOld!();
    await oldProbe;
    expect(backend.status).toBe("unhealthy");
  });

  test("a probe that times out while the backend delivers bytes for Nexus marks it busy", async () => {
    let answer: (url: string, init?: RequestInit) => Promise<Response> = () =>
      Promise.resolve(ok());
    const { registry, backend, checker, clock } = setup((url, init) => answer(url, init));
    await checker.check(backend);
    expect(backend.status).toBe("healthy");
    answer = hang;
    registry.noteProgress(backend, clock.monotonic());
    const probe = checker.check(backend);
    clock.advance(CONFIG.timeout_seconds * 1000);
    await probe;
    expect(backend.status).toBe("busy");
    expect(backend.last_error).toBe("timed out");
  });

  test("a timeout with no progress since an interval plus a deadline ago is a failure", async () => {
    const probes = setup(hang);
    probes.registry.setStatus("gpu", "healthy");
    probes.registry.noteProgress(probes.backend, probes.clock.monotonic());
    probes.clock.advance((CONFIG.interval_seconds + 1) * 1000);
    const probe = probes.checker.check(probes.backend);
    probes.clock.advance(CONFIG.timeout_seconds * 1000);
    await probe;
    // failure_threshold 3: one failure leaves it healthy, but it is not busy.
    expect(probes.backend.status).toBe("healthy");
    for (let i = 0; i < 2; i++) {
      const next = probes.checker.check(probes.backend);
      probes.clock.advance(CONFIG.timeout_seconds * 1000);
      await next;
    }
    expect(probes.backend.status).toBe("unhealthy");
  });

  test("type auto: detection names the type, then that type's probe runs at once", async () => {
    const { backend, checker, urls } = setup(
      (url) =>
        Promise.resolve(
          url.endsWith("/v1/models") ? ok() : new Response("not found", { status: 404 }),
        ),
      undefined,
      "auto",
    );
    await checker.check(backend);
    expect(backend.type).toBe("generic");
    expect(backend.status).toBe("healthy");
    expect(backend.models.length).toBeGreaterThan(0);
    expect(urls.at(-1)).toBe("http://old.lan:8000/v1/models");
  });

  test("type auto: nothing answering like an LLM server is a failure, and auto stays", async () => {
    const { backend, checker } = setup(() => Promise.resolve(broken()), undefined, "auto");
    await checker.check(backend);
    expect(backend.type).toBe("auto");
    expect(backend.status).toBe("unhealthy");
    expect(backend.last_error).toBe(NO_LLM_SERVER);
  });

  test("type auto: a server that refuses detection for want of a key says so", async () => {
    const { backend, checker } = setup(
      () => Promise.resolve(new Response('{"error":"Unauthorized"}', { status: 401 })),
      undefined,
      "auto",
    );
    await checker.check(backend);
    expect(backend.type).toBe("auto");
    expect(backend.status).toBe("unhealthy");
    expect(backend.last_error).toBe(
      "HTTP 401 from /api/version (type detection): the server wants an API key (api_key_env)",
    );
  });
});
