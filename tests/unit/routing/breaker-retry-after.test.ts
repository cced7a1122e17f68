/**
 * A 503 because circuit breakers are open says when the soonest of them lets a trial request
 * through (`retryAfter`, whole seconds rounded up, at least 1), not the health-check interval: a
 * client that retries sooner only meets the same open breakers. The cool-downs run on the real
 * BreakerCooldowns with a fake clock: no waiting.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { BreakerCooldowns } from "../../../src/health/mod.ts";
import { silentLogger } from "../../../src/lib/logger.ts";
import { type BackendStatus, Registry } from "../../../src/registry/mod.ts";
import { NO_REQUIREMENTS, type RouteDecision, Router } from "../../../src/routing/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { routingConfig } from "../../helpers/fleet.ts";

const COOLDOWN_SECONDS = 30;

let cooldowns: BreakerCooldowns | undefined;
afterEach(() => cooldowns?.stop());

function fleet(
  clock: FakeClock,
  specs: ReadonlyArray<{ name: string; status?: BackendStatus }>,
  routerClock: Pick<FakeClock, "monotonic"> = clock,
) {
  const registry = new Registry({ breaker: { failures: 1, window: 1 } });
  cooldowns = new BreakerCooldowns({
    registry,
    clock,
    logger: silentLogger,
    settings: {
      breaker_failures: 1,
      breaker_window: 1,
      breaker_cooldown_seconds: COOLDOWN_SECONDS,
    },
  });
  cooldowns.start();
  for (const { name, status } of specs) {
    registry.add({
      name,
      url: `http://${name}.test:8000`,
      type: "ollama",
      priority: 50,
      source: "static",
    }, { status: status ?? "healthy", models: [{ id: "m", capabilities: {} }] });
  }
  const router = new Router(registry, routingConfig(), { clock: routerClock });
  const fail = (name: string) => {
    const backend = registry.get(name)!;
    registry.beginRequest(backend);
    registry.endRequest(backend, "HTTP 500");
  };
  return { registry, router, fail, cooldowns };
}

function retryAfterOf(decision: RouteDecision): string | undefined {
  if (decision.ok) throw new TypeError("expected a rejection");
  expect(decision.rejection.status).toBe(503);
  return decision.rejection.retryAfter;
}

describe("503 because circuit breakers are open: Retry-After is the cool-down left", () => {
  test("counts down with the clock, rounded up to whole seconds", () => {
    const clock = new FakeClock();
    const { router, fail } = fleet(clock, [{ name: "a" }]);
    fail("a");
    expect(retryAfterOf(router.select("m"))).toBe(String(COOLDOWN_SECONDS));
    clock.advance(12_700);
    // 17.3 s left: a client told 17 would come back to the open breaker.
    expect(retryAfterOf(router.select("m"))).toBe("18");
    const explained = router.explain("m");
    expect(explained.decision).toMatchObject({ ok: false, status: 503, retry_after_seconds: 18 });
  });

  test("the soonest breaker among the candidates counts", () => {
    const clock = new FakeClock();
    const { router, fail } = fleet(clock, [{ name: "a" }, { name: "b" }]);
    fail("b");
    clock.advance(20_000);
    fail("a");
    // b cools in 10 s, a in 30 s: a retry in 10 s finds b half-open.
    expect(retryAfterOf(router.select("m", NO_REQUIREMENTS))).toBe("10");
  });

  test("never below one second, even once the cool-down is overdue", () => {
    const clock = new FakeClock();
    // The router reads the time 2 s after the timers last ran (a busy event loop): the cool-down
    // is past, and its timer has not yet half-opened the breaker.
    const late = { monotonic: () => clock.monotonic() + 2_000 };
    const { router, fail } = fleet(clock, [{ name: "a" }], late);
    fail("a");
    clock.advance(COOLDOWN_SECONDS * 1000 - 200);
    expect(retryAfterOf(router.select("m"))).toBe("1");
  });

  test("a failed trial opens the breaker again, and the new cool-down counts", () => {
    const clock = new FakeClock();
    const { router, fail, registry } = fleet(clock, [{ name: "a" }]);
    fail("a");
    clock.advance(COOLDOWN_SECONDS * 1000);
    expect(registry.get("a")!.breaker.state).toBe("half_open");
    fail("a");
    expect(registry.get("a")!.breaker.state).toBe("open");
    expect(retryAfterOf(router.select("m"))).toBe(String(COOLDOWN_SECONDS));
    clock.advance(10_000);
    expect(retryAfterOf(router.select("m"))).toBe("20");
  });

  test("a reload of the breaker settings keeps an open breaker's cool-down, as its timer does", () => {
    const clock = new FakeClock();
    const { router, fail, registry, cooldowns } = fleet(clock, [{ name: "a" }]);
    fail("a");
    clock.advance(10_000);
    cooldowns.configure({ breaker_failures: 2, breaker_window: 4, breaker_cooldown_seconds: 100 });
    expect(registry.get("a")!.breaker.state).toBe("open");
    expect(retryAfterOf(router.select("m"))).toBe("20");
    clock.advance(20_000);
    expect(registry.get("a")!.breaker.state).toBe("half_open");
  });

  test("a removed backend's breaker no longer counts", () => {
    const clock = new FakeClock();
    const { router, fail, registry } = fleet(clock, [{ name: "a" }, { name: "b" }]);
    fail("a");
    clock.advance(20_000);
    fail("b");
    expect(retryAfterOf(router.select("m"))).toBe("10");
    registry.remove("a");
    expect(retryAfterOf(router.select("m"))).toBe(String(COOLDOWN_SECONDS));
  });

  test("after the cool-down the half-open backend is routable again", () => {
    const clock = new FakeClock();
    const { router, fail, registry } = fleet(clock, [{ name: "a" }]);
    fail("a");
    clock.advance(COOLDOWN_SECONDS * 1000);
    expect(registry.get("a")!.breaker.state).toBe("half_open");
    expect(registry.get("a")!.breaker.coolsAt).toBeUndefined();
    expect(router.select("m").ok).toBe(true);
  });

  test("another cause keeps the default: an unhealthy backend may be back at the next check", () => {
    const clock = new FakeClock();
    const { router, fail } = fleet(clock, [{ name: "a" }, { name: "b", status: "unhealthy" }]);
    fail("a");
    expect(retryAfterOf(router.select("m"))).toBeUndefined();
    const explained = router.explain("m");
    expect(explained.decision).not.toHaveProperty("retry_after_seconds");
  });

  test("an asleep backend keeps the default too: a wake may bring it sooner", () => {
    const clock = new FakeClock();
    const { router, fail } = fleet(clock, [{ name: "a" }, { name: "b", status: "asleep" }]);
    fail("a");
    expect(retryAfterOf(router.select("m"))).toBeUndefined();
  });
});
