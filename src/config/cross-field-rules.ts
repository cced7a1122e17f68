/**
 * The config's cross-field rules: checks no single value can make (a threshold within its
 * window, weights that sum to 100, aliases that resolve, unique backends). Each adds its issue
 * at the key a user must change; `schema.ts` attaches them to its sections.
 * @module
 */
import type { z } from "zod";
import { redactUrl } from "../lib/urls.ts";
import { findAliasProblem } from "./aliases.ts";

/** `[health_check]`: the breaker cannot need more failures than its window holds. */
export function breakerFitsWindow<
  T extends { readonly breaker_failures: number; readonly breaker_window: number },
>(health: T, ctx: z.RefinementCtx<T>): void {
  if (health.breaker_failures > health.breaker_window) {
    ctx.addIssue({
      code: "custom",
      path: ["breaker_failures"],
      message:
        `must be <= breaker_window (${health.breaker_window}), got ${health.breaker_failures}`,
    });
  }
}

/** `[routing.weights]` share 100 points between them. */
export function weightsSumTo100<
  T extends { readonly priority: number; readonly load: number; readonly latency: number },
>(w: T, ctx: z.RefinementCtx<T>): void {
  const sum = w.priority + w.load + w.latency;
  if (sum !== 100) {
    ctx.addIssue({
      code: "custom",
      message: `must sum to 100, got ${w.priority}+${w.load}+${w.latency}=${sum}`,
    });
  }
}

/** `[routing.aliases]` end at a model within the hop limit, without a cycle. */
export function aliasesResolve<T extends { readonly aliases: Record<string, string> }>(
  routing: T,
  ctx: z.RefinementCtx<T>,
): void {
  const problem = findAliasProblem(routing.aliases);
  if (problem) ctx.addIssue({ code: "custom", path: ["aliases"], message: problem });
}

/** `prefer_wake` means nothing without `wake` on the same backend. */
export function preferWakeNeedsWake<
  T extends { readonly prefer_wake: boolean; readonly wake?: unknown },
>(backend: T, ctx: z.RefinementCtx<T>): void {
  if (backend.prefer_wake && backend.wake === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["prefer_wake"],
      message: 'needs wake = { mac = "aa:bb:cc:dd:ee:ff" } on the same backend',
    });
  }
}

/** No two `[[backends]]` share a name or a URL (after names are derived and URLs normalised). */
export function backendsUnique<
  T extends { readonly backends: readonly { readonly name: string; readonly url: string }[] },
>(config: T, ctx: z.RefinementCtx<T>): void {
  const names = new Map<string, number>();
  const urls = new Map<string, number>();
  config.backends.forEach((backend, index) => {
    const sameName = names.get(backend.name);
    if (sameName !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["backends", index, "name"],
        message: `duplicate backend name "${backend.name}" (also backends[${sameName}])`,
      });
    }
    const sameUrl = urls.get(backend.url);
    if (sameUrl !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["backends", index, "url"],
        message: `duplicate backend URL "${redactUrl(backend.url)}" (also backends[${sameUrl}])`,
      });
    }
    names.set(backend.name, index);
    urls.set(backend.url, index);
  });
}
