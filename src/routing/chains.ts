/**
 * Aliases and fallback chains, resolved once when the router is built so a request pays one Map
 * lookup for each. Wildcard aliases (a trailing `*`) are tried, longest prefix first, only for a
 * name no exact alias and no backend resolves. Config loading already rejects alias cycles and chains over MAX_ALIAS_HOPS;
 * resolution still stops at MAX_ALIAS_HOPS, so a table built in code cannot loop either.
 * @module
 */
import { MAX_ALIAS_HOPS } from "../config/mod.ts";

export type AliasTable = Readonly<Record<string, string>>;
export type FallbackTable = Readonly<Record<string, readonly string[]>>;

export interface FallbackStep {
  /** As written in `[routing.fallbacks]`. */
  readonly name: string;
  /** After alias resolution. */
  readonly model: string;
}

/** The names a request walks through: `[requested, …, resolved]`, at most MAX_ALIAS_HOPS hops. */
export function aliasPath(aliases: AliasTable, name: string): string[] {
  const path = [name];
  let current = name;
  for (let hop = 0; hop < MAX_ALIAS_HOPS && Object.hasOwn(aliases, current); hop++) {
    current = aliases[current]!;
    path.push(current);
  }
  return path;
}

export function resolveAlias(aliases: AliasTable, name: string): string {
  const path = aliasPath(aliases, name);
  return path[path.length - 1]!;
}

/** Alias name → the model it finally resolves to. */
export function buildAliasTable(aliases: AliasTable): Map<string, string> {
  const table = new Map<string, string>();
  for (const name of Object.keys(aliases)) table.set(name, resolveAlias(aliases, name));
  return table;
}

/**
 * Requested name → its fallback steps. A request uses the chain of the first name on its alias
 * path that has one (so a chain may be written for an alias or for the model it names). Each
 * fallback is resolved through aliases; steps that resolve to the primary model or repeat an
 * earlier step are dropped. Fallbacks do not chain: a fallback's own fallbacks are not followed.
 */
export function buildFallbackTable(
  aliases: AliasTable,
  fallbacks: FallbackTable,
): Map<string, FallbackStep[]> {
  const table = new Map<string, FallbackStep[]>();
  const names = new Set([...Object.keys(aliases), ...Object.keys(fallbacks)]);
  for (const requested of names) {
    const path = aliasPath(aliases, requested);
    const owner = path.find((name) => Object.hasOwn(fallbacks, name));
    if (owner === undefined) continue;
    const primary = path[path.length - 1]!;
    const steps: FallbackStep[] = [];
    for (const name of fallbacks[owner]!) {
      const model = resolveAlias(aliases, name);
      if (model === primary || steps.some((step) => step.model === model)) continue;
      steps.push({ name, model });
    }
    if (steps.length > 0) table.set(requested, steps);
  }
  return table;
}

/**
 * A trailing-`*` alias (`"claude-sonnet-*" = "qwen2.5-coder:32b"`): every name that starts with
 * `prefix` and that nothing else resolves.
 */
export interface WildcardAlias {
  /** As written: `claude-sonnet-*`. */
  readonly pattern: string;
  readonly prefix: string;
}

/** Whether an alias name is a pattern (config validation allows `*` only as its last character). */
export function isWildcard(name: string): boolean {
  return name.endsWith("*");
}

/** The table's patterns, longest prefix first: the most specific pattern wins. */
export function buildWildcards(aliases: AliasTable): WildcardAlias[] {
  return Object.keys(aliases)
    .filter(isWildcard)
    .map((pattern) => ({ pattern, prefix: pattern.slice(0, -1) }))
    .sort((a, b) => b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1));
}

/** The pattern `name` matches (the longest prefix), if any. */
export function matchWildcard(
  wildcards: readonly WildcardAlias[],
  name: string,
): string | undefined {
  for (const wildcard of wildcards) if (name.startsWith(wildcard.prefix)) return wildcard.pattern;
  return undefined;
}
