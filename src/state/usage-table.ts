/**
 * Usage per key, by model and UTC day: requests, errors, prompt and completion tokens. The table
 * keeps totals, plus the changes not yet written to the usage file and not yet sent to Redis, so
 * both can be brought up to date in one batch each. Model names come from clients: at most
 * MODELS_PER_KEY_DAY of them per key and day are kept by name, the rest count as `other`.
 * @module
 */

export interface UsageCounts {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface UsageRow extends UsageCounts {
  readonly day: string;
  readonly key: string;
  readonly model: string;
}

export const COUNT_FIELDS = ["requests", "errors", "prompt_tokens", "completion_tokens"] as const;
export const MODELS_PER_KEY_DAY = 100;
const MAX_MODEL_LENGTH = 128;

/** `2026-05-01`: the UTC day of a wall-clock time. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day `days` before `day` (for `--since 7d`). */
export function daysBefore(day: string, days: number): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000);
}

export function emptyCounts(): UsageCounts {
  return { requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0 };
}

export function addCounts(into: UsageCounts, delta: Readonly<UsageCounts>): void {
  into.requests += delta.requests;
  into.errors += delta.errors;
  into.prompt_tokens += delta.prompt_tokens;
  into.completion_tokens += delta.completion_tokens;
}

const SEP = "\t";

export class UsageTable {
  readonly #totals = new Map<string, UsageCounts>();
  /** Changes since the usage file was last appended to. */
  readonly #unsaved = new Map<string, UsageCounts>();
  /** Changes Redis has not heard of yet (kept while it is unreachable). */
  readonly #unshared = new Map<string, UsageCounts>();
  readonly #modelsPerKeyDay = new Map<string, number>();
  readonly #sharing: boolean;

  /** `sharing`: keep the changes Redis has not seen (only when a Redis is configured). */
  constructor(sharing = false) {
    this.#sharing = sharing;
  }

  /** A request's usage, as it ended. */
  record(day: string, key: string, rawModel: string, delta: Readonly<UsageCounts>): void {
    const model = this.#modelLabel(day, key, rawModel);
    const id = day + SEP + key + SEP + model;
    add(this.#totals, id, delta);
    add(this.#unsaved, id, delta);
    if (this.#sharing) add(this.#unshared, id, delta);
  }

  /** Totals read back from the usage file: already saved and (once) shared. */
  restore(row: UsageRow): void {
    const id = row.day + SEP + row.key + SEP + this.#modelLabel(row.day, row.key, row.model);
    add(this.#totals, id, row);
  }

  rows(filter: { key?: string; since?: string } = {}): UsageRow[] {
    return toRows(this.#totals, filter);
  }

  /** The changes to append to the file, now considered saved. */
  takeUnsaved(): UsageRow[] {
    return take(this.#unsaved);
  }

  /** The changes to send to Redis, now considered sent (`putBack` if the send fails). */
  takeUnshared(): UsageRow[] {
    return take(this.#unshared);
  }

  putBack(rows: readonly UsageRow[], into: "unsaved" | "unshared"): void {
    const map = into === "unsaved" ? this.#unsaved : this.#unshared;
    for (const row of rows) add(map, row.day + SEP + row.key + SEP + row.model, row);
  }

  /** Distinct (day, key, model) entries: the size a compacted file would have. */
  get size(): number {
    return this.#totals.size;
  }

  #modelLabel(day: string, key: string, raw: string): string {
    const model = raw.length > MAX_MODEL_LENGTH ? raw.slice(0, MAX_MODEL_LENGTH) : raw;
    if (this.#totals.has(day + SEP + key + SEP + model)) return model;
    const scope = day + SEP + key;
    const count = this.#modelsPerKeyDay.get(scope) ?? 0;
    if (count >= MODELS_PER_KEY_DAY) return "other";
    this.#modelsPerKeyDay.set(scope, count + 1);
    return model;
  }
}

function add(map: Map<string, UsageCounts>, id: string, delta: Readonly<UsageCounts>): void {
  let counts = map.get(id);
  if (counts === undefined) {
    counts = emptyCounts();
    map.set(id, counts);
  }
  addCounts(counts, delta);
}

function take(map: Map<string, UsageCounts>): UsageRow[] {
  const rows = toRows(map, {});
  map.clear();
  return rows;
}

export function toRows(
  map: ReadonlyMap<string, UsageCounts>,
  filter: { key?: string; since?: string },
): UsageRow[] {
  const rows: UsageRow[] = [];
  for (const [id, counts] of map) {
    const [day, key, model] = id.split(SEP) as [string, string, string];
    if (filter.key !== undefined && key !== filter.key) continue;
    if (filter.since !== undefined && day < filter.since) continue;
    rows.push({ day, key, model, ...counts });
  }
  return rows.sort((a, b) =>
    a.day !== b.day
      ? (a.day < b.day ? -1 : 1)
      : a.key !== b.key
      ? (a.key < b.key ? -1 : 1)
      : a.model < b.model
      ? -1
      : a.model > b.model
      ? 1
      : 0
  );
}
