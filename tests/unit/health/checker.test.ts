/**
 * HealthChecker rules discovery relies on: a status changed elsewhere restarts the streaks, a
 * suspended backend is not probed, and a probe decides only the URL it probed.
 */
import { describe, expect, test } from "bun:test";
import { HealthChecker } from "../../../src/health/mod.ts";
import { silentLogger } from "../../../src/lib/logger.ts";
import { type Backend, Registry } from "../../../src/registry/mod.ts";
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
  fetch: (url: string) => Promise<Response>,
  isSuspended?: (backend: Backend) => boolean,
) {
  const registry = new Registry();
  const backend = registry.add({
    name: "gpu",
    url: "http://old.lan:8000",
    type: "generic",
    priority: 50,
    source: "mdns",
  });
  const urls: string[] = [];
  const checker = new HealthChecker({
    registry,
    clock: new FakeClock(),
    logger: silentLogger,
    fetch: (input: string) => {
      urls.push(input);
      return fetch(input);
    },
    config: CONFIG,
    apiKeyFor: () => undefined,
    ...(isSuspended ? { isSuspended } : {}),
  });
  return { registry, backend, checker, urls };
}

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
});
