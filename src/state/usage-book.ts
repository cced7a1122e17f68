/**
 * Usage kept across restarts and shared between instances. Why an append-only file: the data is
 * small (keys × models × days), only ever added to, and must be readable on Bun, Deno and the
 * compiled binary alike — bun:sqlite exists only on Bun, better-sqlite3 is a native addon the
 * binary cannot load, and sql.js would ship a megabyte of WebAssembly for a few hundred rows a
 * day. Each line is one JSON object of counts to add (`{"day","key","model","requests",…}`),
 * appended every FILE_FLUSH_MS and at shutdown; loading sums them, and a file with many more
 * lines than entries is rewritten compacted (atomically). A crash loses at most the last
 * FILE_FLUSH_MS of counts.
 *
 * With Redis, every instance also adds its counts to per-day Redis hashes every
 * REDIS_FLUSH_MS (one MULTI), so any instance answers with the fleet's totals; counts made while
 * Redis was unreachable are kept and sent when it returns. Day hashes expire after
 * RETENTION_DAYS.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { describeError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import type { Runtime } from "../runtime/mod.ts";
import { RuntimeFileError } from "../runtime/mod.ts";
import type { RedisLink } from "./redis-link.ts";
import {
  COUNT_FIELDS,
  dayOf,
  daysBefore,
  emptyCounts,
  toRows,
  type UsageCounts,
  type UsageRow,
  UsageTable,
} from "./usage-table.ts";

export type StateFiles = Pick<Runtime, "readTextFile" | "writeFileAtomic" | "appendTextFile">;

const FILE_FLUSH_MS = 10_000;
const REDIS_FLUSH_MS = 1_000;
export const RETENTION_DAYS = 400;
const FILE_MODE = 0o600;

export interface UsageBookDeps {
  readonly path: string;
  readonly files: StateFiles;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redis?: RedisLink;
}

export class UsageBook {
  readonly #deps: UsageBookDeps;
  readonly #table: UsageTable;
  #fileTimer: TimerHandle | undefined;
  #redisTimer: TimerHandle | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(deps: UsageBookDeps) {
    this.#deps = deps;
    this.#table = new UsageTable(deps.redis !== undefined);
    // Counts made while Redis was away are sent as soon as it is back.
    deps.redis?.onReady(() => Promise.resolve(void this.#scheduleRedis()));
  }

  /** Reads the usage file (a missing file is an empty one); rewrites it compacted if worth it. */
  async load(): Promise<void> {
    let text: string;
    try {
      // Lenient: a crash mid-append can cut a character in two; that line is skipped below,
      // and the file's other lines still count.
      text = await this.#deps.files.readTextFile(this.#deps.path, { lenient: true });
    } catch (error) {
      if (error instanceof RuntimeFileError && error.kind === "not_found") return;
      throw error;
    }
    const oldest = daysBefore(dayOf(this.#deps.clock.now()), RETENTION_DAYS);
    let lines = 0;
    let bad = 0;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      lines++;
      const row = parseRow(line);
      if (row === undefined) bad++;
      else if (row.day >= oldest) this.#table.restore(row);
    }
    if (bad > 0) {
      this.#deps.logger.warn("usage file: lines that are not usage entries were skipped", {
        file: this.#deps.path,
        lines: bad,
      });
    }
    if (lines > 2 * this.#table.size + 1000) await this.#compact();
  }

  /** Counts one finished request. */
  record(key: string, model: string, delta: Readonly<UsageCounts>): void {
    this.#table.record(dayOf(this.#deps.clock.now()), key, model, delta);
    this.#fileTimer ??= this.#deps.clock.setTimeout(() => {
      this.#fileTimer = undefined;
      void this.flushFile();
    }, FILE_FLUSH_MS);
    this.#scheduleRedis();
  }

  #scheduleRedis(): void {
    if (this.#deps.redis === undefined) return;
    this.#redisTimer ??= this.#deps.clock.setTimeout(() => {
      this.#redisTimer = undefined;
      void this.flushRedis();
    }, REDIS_FLUSH_MS);
  }

  /** Usage rows since a day: the fleet's from Redis when it answers, else this instance's. */
  async rows(filter: { key?: string; since: string }): Promise<
    { rows: UsageRow[]; source: "redis" | "local" }
  > {
    const connection = this.#deps.redis?.connection;
    if (connection !== undefined) {
      try {
        return { rows: await readShared(connection, filter, this.#deps.clock), source: "redis" };
      } catch (error) {
        this.#deps.redis!.trouble(describeError(error));
      }
    }
    return { rows: this.#table.rows(filter), source: "local" };
  }

  /** This instance's own rows (the stats section; no round trip). */
  localRows(filter: { key?: string; since?: string } = {}): UsageRow[] {
    return this.#table.rows(filter);
  }

  /** Appends the counts not yet in the file. Writes never overlap. */
  flushFile(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      const rows = this.#table.takeUnsaved();
      if (rows.length === 0) return;
      const text = rows.map((row) => JSON.stringify(row)).join("\n") + "\n";
      try {
        await this.#deps.files.appendTextFile(this.#deps.path, text, { mode: FILE_MODE });
      } catch (error) {
        this.#table.putBack(rows, "unsaved");
        this.#deps.logger.warn("cannot write the usage file; will try again", {
          file: this.#deps.path,
          error: describeError(error),
        });
      }
    });
    return this.#writing;
  }

  /** Sends the counts Redis has not seen, in one MULTI; kept for later if it fails. */
  async flushRedis(): Promise<void> {
    const connection = this.#deps.redis?.connection;
    if (connection === undefined) return;
    const rows = this.#table.takeUnshared();
    if (rows.length === 0) return;
    const commands: string[][] = [];
    const days = new Set<string>();
    for (const row of rows) {
      days.add(row.day);
      for (const field of COUNT_FIELDS) {
        if (row[field] !== 0) {
          commands.push(["HINCRBY", usageKey(row.day), fieldOf(row, field), String(row[field])]);
        }
      }
    }
    for (const day of days) {
      commands.push(["PEXPIRE", usageKey(day), String(RETENTION_DAYS * 86_400_000)]);
    }
    try {
      await connection.batch(commands);
    } catch (error) {
      this.#table.putBack(rows, "unshared");
      this.#deps.redis!.trouble(describeError(error));
    }
  }

  /** Final flushes (shutdown). */
  async stop(): Promise<void> {
    for (const timer of [this.#fileTimer, this.#redisTimer]) {
      if (timer !== undefined) this.#deps.clock.clearTimeout(timer);
    }
    this.#fileTimer = this.#redisTimer = undefined;
    await Promise.all([this.flushFile(), this.flushRedis()]);
  }

  async #compact(): Promise<void> {
    const text = this.#table.rows().map((row) => JSON.stringify(row)).join("\n");
    try {
      await this.#deps.files.writeFileAtomic(this.#deps.path, text ? text + "\n" : "", {
        mode: FILE_MODE,
      });
    } catch (error) {
      this.#deps.logger.warn("cannot compact the usage file", {
        file: this.#deps.path,
        error: describeError(error),
      });
    }
  }
}

function usageKey(day: string): string {
  return `nexus:usage:${day}`;
}

function fieldOf(row: UsageRow, field: string): string {
  return `${row.key}\t${row.model}\t${field}`;
}

async function readShared(
  connection: NonNullable<RedisLink["connection"]>,
  filter: { key?: string; since: string },
  clock: Clock,
): Promise<UsageRow[]> {
  const today = dayOf(clock.now());
  const days: string[] = [];
  for (let day = today; day >= filter.since && days.length <= RETENTION_DAYS;) {
    days.push(day);
    day = daysBefore(day, 1);
  }
  const replies = await connection.batch(days.map((day) => ["HGETALL", usageKey(day)]));
  const totals = new Map<string, UsageCounts>();
  replies.forEach((reply, index) => {
    for (const [field, value] of entriesOf(reply)) {
      const [key, model, name] = field.split("\t");
      if (key === undefined || model === undefined || !isCountField(name)) continue;
      if (filter.key !== undefined && key !== filter.key) continue;
      const id = `${days[index]}\t${key}\t${model}`;
      const counts = totals.get(id) ?? emptyCounts();
      counts[name] += Number(value) || 0;
      totals.set(id, counts);
    }
  });
  return toRows(totals, {});
}

/** HGETALL answers a flat array (RESP2) or a map (RESP3) depending on the protocol. */
function entriesOf(reply: unknown): Array<[string, string]> {
  if (Array.isArray(reply)) {
    const entries: Array<[string, string]> = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      entries.push([String(reply[i]), String(reply[i + 1])]);
    }
    return entries;
  }
  if (reply instanceof Map) return [...reply].map(([k, v]) => [String(k), String(v)]);
  if (reply !== null && typeof reply === "object") {
    return Object.entries(reply).map(([k, v]) => [k, String(v)]);
  }
  return [];
}

function isCountField(name: string | undefined): name is typeof COUNT_FIELDS[number] {
  return (COUNT_FIELDS as readonly (string | undefined)[]).includes(name);
}

function parseRow(line: string): UsageRow | undefined {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (
      typeof value.day !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value.day) ||
      typeof value.key !== "string" || typeof value.model !== "string"
    ) return undefined;
    const counts = emptyCounts();
    for (const field of COUNT_FIELDS) {
      const n = value[field];
      if (n !== undefined && (typeof n !== "number" || !Number.isFinite(n) || n < 0)) {
        return undefined;
      }
      counts[field] = (n as number | undefined) ?? 0;
    }
    return { day: value.day, key: value.key, model: value.model, ...counts };
  } catch {
    return undefined;
  }
}
