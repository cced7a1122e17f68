/**
 * prom-client's classes come from their own files (src/metrics/prom-client.ts): the package's
 * index also loads its Pushgateway and default collectors (node:http, perf_hooks), ~1 MB of live
 * heap and ~10 ms of start-up that `nexus serve` never uses.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import * as index from "prom-client";
import { Counter, Gauge, Histogram, Registry } from "../../../src/metrics/prom-client.ts";

const SRC = new URL("../../../src/", import.meta.url).pathname;

describe("prom-client's classes, file by file", () => {
  test("are the package's own classes", () => {
    expect(Counter).toBe(index.Counter);
    expect(Gauge).toBe(index.Gauge);
    expect(Histogram).toBe(index.Histogram);
    expect(Registry).toBe(index.Registry);
  });

  test("no source file loads the package's index for a value (types only)", () => {
    const offenders = (readdirSync(SRC, { recursive: true }) as string[])
      .filter((file) => file.endsWith(".ts"))
      .filter((file) =>
        /^import (?!type )[^;]*from "prom-client";/m.test(readFileSync(SRC + file, "utf8"))
      );
    expect(offenders).toEqual([]);
  });
});
