/**
 * Leveled logger writing one line per record, pretty or JSON. Callers on hot paths check
 * `enabled(level)` before building fields; the methods check it again so a disabled level costs
 * one comparison. Every field is bounded (a text to MAX_FIELD_CHARS, a list to its first entries
 * and a count): a 1 MB model name in a request cannot become a 1 MB log line.
 * @module
 */
import { MAX_LIST_ENTRIES } from "./limits.ts";

export const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = typeof LOG_LEVELS[number];
export type LogFormat = "pretty" | "json";
export type LogFields = Record<string, unknown>;

/** Characters kept of one text field; the rest is counted. */
export const MAX_FIELD_CHARS = 512;

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };
const LABEL: Record<LogLevel, string> = {
  error: "ERROR",
  warn: "WARN ",
  info: "INFO ",
  debug: "DEBUG",
  trace: "TRACE",
};
const COLOUR: Record<LogLevel, string> = {
  error: "\x1b[31m",
  warn: "\x1b[33m",
  info: "\x1b[32m",
  debug: "\x1b[34m",
  trace: "\x1b[90m",
};

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write: (line: string) => void;
  /** Called after a warning or an error: output that is batched must not hold those back. */
  flush?: () => void;
  colour?: boolean;
  now?: () => number;
}

export class Logger {
  #rank: number;
  readonly #options: LoggerOptions;
  /** The last timestamp formatted, and its text: many lines share a millisecond under load. */
  #lastTime = Number.NaN;
  #lastTimeText = "";

  constructor(options: LoggerOptions) {
    this.#options = options;
    this.#rank = RANK[options.level];
  }

  get level(): LogLevel {
    return this.#options.level;
  }

  /** A new level from now on (a config reload). */
  setLevel(level: LogLevel): void {
    this.#options.level = level;
    this.#rank = RANK[level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] <= this.#rank;
  }

  error(message: string, fields?: LogFields): void {
    if (this.#rank < 0) return;
    this.#emit("error", message, fields);
    this.#options.flush?.();
  }
  warn(message: string, fields?: LogFields): void {
    if (this.#rank < 1) return;
    this.#emit("warn", message, fields);
    this.#options.flush?.();
  }
  info(message: string, fields?: LogFields): void {
    if (this.#rank >= 2) this.#emit("info", message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    if (this.#rank >= 3) this.#emit("debug", message, fields);
  }
  trace(message: string, fields?: LogFields): void {
    if (this.#rank >= 4) this.#emit("trace", message, fields);
  }

  #emit(level: LogLevel, message: string, raw: LogFields | undefined): void {
    const now = (this.#options.now ?? Date.now)();
    if (now !== this.#lastTime) {
      this.#lastTime = now;
      this.#lastTimeText = new Date(now).toISOString();
    }
    const time = this.#lastTimeText;
    const line = this.#options.format === "json"
      ? JSON.stringify({
        timestamp: time,
        level,
        message,
        ...(raw === undefined ? undefined : boundFields(raw)),
      })
      : this.#pretty(time, level, message, raw);
    this.#options.write(line + "\n");
  }

  /** Each field is bounded as it is written: no bounded copy of the fields first. */
  #pretty(time: string, level: LogLevel, message: string, fields: LogFields | undefined): string {
    const label = this.#options.colour ? `${COLOUR[level]}${LABEL[level]}\x1b[0m` : LABEL[level];
    let line = `${time} ${label} ${message}`;
    // for…in, not Object.entries: no array of pairs per line (one line per request). One
    // concatenation per field, not `+=` of a template: JavaScriptCore makes two rope nodes of it
    // instead of three, cheaper to build and to flatten when the line is written.
    for (const key in fields) {
      const value = fields[key];
      if (value === undefined) continue;
      line = line + " " + key + "=" + formatValue(value);
    }
    return line;
  }
}

const BARE = /^[\w.:/@+-]+$/;

/** A field's value in a pretty line, bounded as `boundFields` would bound it. */
function formatValue(value: unknown): string {
  if (typeof value === "string") {
    const text = value.length <= MAX_FIELD_CHARS ? value : boundValue(value, 0) as string;
    return BARE.test(text) ? text : JSON.stringify(text);
  }
  if (typeof value === "number") return numberText(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "object" && value !== null) return JSON.stringify(boundValue(value, 0));
  return String(value);
}

/**
 * `String(value)`, without the shortest-digits search for the values log lines carry most:
 * durations rounded to tenths of a millisecond (`tenths` in src/metrics/request-log.ts) cost
 * ~100 ns each through `String` when they are new. When `t / 10` is exactly `value`, `w.f` is the
 * shortest decimal that reads back as `value`, which is what `String` writes.
 */
function numberText(value: number): string {
  const t = Math.round(value * 10);
  if (!(t > 0 && t < 1e15 && t / 10 === value) || t % 10 === 0) return String(value);
  return `${Math.trunc(t / 10)}.${t % 10}`;
}

function boundFields(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const key in fields) {
    const value = fields[key];
    const bounded = boundValue(value, 0);
    if (bounded !== value) (out ??= { ...fields })[key] = bounded;
  }
  return out ?? fields;
}

function boundValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") {
    return value.length <= MAX_FIELD_CHARS
      ? value
      : `${value.slice(0, MAX_FIELD_CHARS)}… (${value.length - MAX_FIELD_CHARS} more characters)`;
  }
  if (typeof value !== "object" || value === null || depth > 2) return value;
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_LIST_ENTRIES).map((item) => boundValue(item, depth + 1));
    if (value.length > MAX_LIST_ENTRIES) kept.push(`… ${value.length - MAX_LIST_ENTRIES} more`);
    return kept.length === value.length && kept.every((item, i) => item === value[i])
      ? value
      : kept;
  }
  let out: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const bounded = boundValue(item, depth + 1);
    if (bounded !== item) (out ??= { ...value })[key] = bounded;
  }
  return out ?? value;
}

/** A logger that drops everything (library use, tests). */
export const silentLogger = new Logger({ level: "error", format: "json", write: () => {} });
