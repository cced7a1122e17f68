/**
 * Reads Prometheus text exposition in tests: samples by name and labels (label order ignored),
 * and `promtool check metrics` on real output (Debian package `prometheus`, installed by .ci/run).
 */
import { tool } from "./needs.ts";
import { runCommand } from "./processes.ts";

/** For `needs(PROMTOOL).test(…)`: tests that run promtoolCheck. */
export const PROMTOOL = tool("promtool", "prometheus");

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`Not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? "").matchAll(LABEL)) labels[name!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with exactly these labels; undefined when there is none. */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const wanted = Object.entries(labels);
  const found = samples.filter((s) =>
    s.name === name && Object.keys(s.labels).length === wanted.length &&
    wanted.every(([key, value]) => s.labels[key] === value)
  );
  if (found.length > 1) throw new Error(`${found.length} samples match ${name}`);
  return found[0]?.value;
}

/** Runs `promtool check metrics` on the text (the test needs PROMTOOL). */
export async function promtoolCheck(
  text: string,
): Promise<{ code: number | null; output: string }> {
  const result = await runCommand("promtool", ["check", "metrics"], { input: text });
  return { code: result.code, output: result.stdout + result.stderr };
}
