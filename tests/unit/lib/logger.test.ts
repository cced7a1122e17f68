import { describe, expect, test } from "bun:test";
import { Logger } from "../../../src/lib/logger.ts";

function capture(level: "error" | "warn" | "info" | "debug" | "trace", format: "pretty" | "json") {
  const lines: string[] = [];
  const logger = new Logger({
    level,
    format,
    write: (line) => lines.push(line),
    now: () => Date.UTC(2026, 10, 27, 12),
  });
  return { logger, lines };
}

describe("Logger", () => {
  test("json lines are valid JSON with an RFC 3339 timestamp, level, message and fields", () => {
    const { logger, lines } = capture("info", "json");
    logger.info("request done", { model: "llama3:8b", status: 200 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      timestamp: "2026-11-27T12:00:00.000Z",
      level: "info",
      message: "request done",
      model: "llama3:8b",
      status: 200,
    });
  });

  test("drops records below the configured level", () => {
    const { logger, lines } = capture("warn", "json");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(["warn", "error"]);
    expect(logger.enabled("info")).toBe(false);
    expect(logger.enabled("error")).toBe(true);
  });

  test("pretty lines carry time, level, message and key=value fields, quoting when needed", () => {
    const { logger, lines } = capture("trace", "pretty");
    logger.trace("hello", { a: "plain", b: "two words", c: 3, d: undefined });
    expect(lines[0]).toBe('2026-11-27T12:00:00.000Z TRACE hello a=plain b="two words" c=3\n');
  });

  test("pretty numbers read as String writes them, tenths (durations) and every other kind", () => {
    const { logger, lines } = capture("info", "pretty");
    const values = [0, -0, 4, 0.1, 0.3, 12.3, 1234.5, 0.05, 1.25, -2.5, 1e21, 1e-7, 2 ** 53 / 10];
    logger.info("n", { ...values, nan: Number.NaN, inf: -Infinity, yes: true, no: false });
    const expected = values.map((v, i) => `${i}=${String(v)}`).join(" ");
    expect(lines[0]).toBe(
      `2026-11-27T12:00:00.000Z INFO  n ${expected} nan=NaN inf=-Infinity yes=true no=false\n`,
    );
  });
});
