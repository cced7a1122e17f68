/**
 * The README says what is true (issue 15): the Tests section lists every step `npm test` runs and
 * every Debian package CI installs for the suite, and the metrics table is the one `/metrics`
 * serves (each metric with its labels, each `error_type`).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createPromRegistry } from "../../../src/metrics/collectors.ts";
import { SeriesStore } from "../../../src/metrics/series.ts";
import { ERROR_TYPES } from "../../../src/lib/failures.ts";
import { Registry } from "../../../src/registry/mod.ts";

const read = (path: string): string =>
  readFileSync(new URL(`../../../${path}`, import.meta.url).pathname, "utf8");
const README = read("README.md");
const TEST_SH = read("scripts/test.sh");
const CI_RUN = read(".ci/run");

/** The text of a `## ` (or `### `) section, up to the next heading of its level or above. */
function section(heading: string): string {
  const level = heading.match(/^#+/)![0].length;
  const lines = README.split("\n");
  const start = lines.indexOf(heading);
  expect(start).toBeGreaterThan(-1);
  let fenced = false;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("```")) fenced = !fenced;
    const hashes = /^(#+) /.exec(line)?.[1]?.length;
    if (!fenced && hashes !== undefined && hashes <= level) break;
    body.push(line);
  }
  return body.join("\n");
}

describe("README: Tests", () => {
  const tests = section("## Tests");
  // The paragraph right after the `npm test` block: what it runs, in order.
  const steps = tests.slice(
    tests.indexOf("runs `deno lint`"),
    tests.indexOf("It ends with one line"),
  );

  test("the step list names every script and benchmark that scripts/test.sh runs", () => {
    // Comments dropped, whole-line and trailing ones.
    const commands = TEST_SH.split("\n").map((line) => line.replace(/(^|\s)#\s.*$/, ""));
    const scripts = [
      ...new Set(
        commands.flatMap((line) =>
          [...line.matchAll(/\b((?:scripts|bench)\/[\w*.\/-]+\.ts)/g)].map((m) => m[1]!)
        ),
      ),
    ];
    expect(scripts.length).toBeGreaterThan(3);
    expect(scripts.filter((script) => !steps.includes(script))).toEqual([]);
  });

  test("names every Debian package .ci/run installs for the tests", () => {
    const install = CI_RUN.match(/apt-get install(?:[^\n\\]|\\\n)*/)![0];
    const packages = install.replace(/\\\n/g, " ").split(/\s+/).filter((word) =>
      /^[a-z0-9][a-z0-9.+-]+$/.test(word) && !["apt-get", "install"].includes(word)
    ).filter((word) => !word.startsWith("-") && word !== "dev");
    expect(packages).toContain("zsh");
    expect(packages.filter((pkg) => !tests.includes(`\`${pkg}\``))).toEqual([]);
  });
});

describe("README: Metrics", () => {
  const metrics = section("### Metrics: `GET /metrics`");
  const rows = new Map(
    [...metrics.matchAll(/^\| `(nexus_\w+)` \| (\w+) \| ([^|]*) \|/gm)].map((
      m,
    ) => [m[1]!, { type: m[2]!, labels: [...m[3]!.matchAll(/`(\w+)`/g)].map((l) => l[1]!) }]),
  );

  test("the table has every metric /metrics serves, with its type and labels", () => {
    const promRegistry = createPromRegistry(new SeriesStore(), new Registry(), () => 0, true);
    const served = (promRegistry.getMetricsAsArray() as unknown as Array<
      { name: string; labelNames?: readonly string[]; type?: string }
    >).map((m) => ({ name: m.name, type: m.type, labels: [...(m.labelNames ?? [])] }));
    expect(served.length).toBeGreaterThan(20);
    const documented = served.map((m) => ({ name: m.name, ...(rows.get(m.name) ?? {}) }));
    expect(documented).toEqual(served);
  });

  test("the error_type list names every type", () => {
    const line = metrics.slice(metrics.indexOf("- `error_type`:"), metrics.indexOf("\n- **"));
    expect(ERROR_TYPES.filter((type) => !line.includes(`\`${type}\``))).toEqual([]);
  });

  test("the example shows the labels the table gives", () => {
    const example = metrics.match(/^nexus_requests_total\{[^}]*\}/m)![0];
    for (const label of rows.get("nexus_requests_total")!.labels) {
      expect(example).toContain(`${label}=`);
    }
  });
});
