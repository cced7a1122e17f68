/**
 * prom-client's four classes, each from its own file. The package's index also loads its
 * Pushgateway (node:http, node:https, node:url) and its default collectors (perf_hooks), which
 * Nexus never uses: on Bun those builtins are JavaScript, ~1 MB and ~8k cells of live heap that
 * every full collection marks, and ~10 ms of the binary's start-up
 * (specs/023-performance-floor/walkthrough.md, "Sixth round, heap"). The types are the package's.
 * @module
 */
import type * as Prom from "prom-client";
import counter from "prom-client/lib/counter.js";
import gauge from "prom-client/lib/gauge.js";
import histogram from "prom-client/lib/histogram.js";
import registry from "prom-client/lib/registry.js";

export const Counter = counter as unknown as typeof Prom.Counter;
export type Counter<T extends string> = Prom.Counter<T>;
export const Gauge = gauge as unknown as typeof Prom.Gauge;
export type Gauge<T extends string> = Prom.Gauge<T>;
export const Histogram = histogram as unknown as typeof Prom.Histogram;
export type Histogram<T extends string> = Prom.Histogram<T>;
export const Registry = registry as unknown as typeof Prom.Registry;
export type Registry = Prom.Registry;
