/** Alias chains are followed at most this many hops (REFERENCE.md A2). */
export const MAX_ALIAS_HOPS = 3;

/**
 * Describes what is wrong with an alias table — a misplaced wildcard, a cycle (named in order) or
 * a chain longer than MAX_ALIAS_HOPS — or returns undefined when every alias resolves.
 */
export function findAliasProblem(aliases: Readonly<Record<string, string>>): string | undefined {
  const wildcard = findWildcardProblem(aliases);
  if (wildcard) return wildcard;
  for (const start of Object.keys(aliases)) {
    const chain = [start];
    let current = start;
    while (Object.hasOwn(aliases, current)) {
      current = aliases[current]!;
      const seen = chain.indexOf(current);
      if (seen !== -1) return `alias cycle: ${[...chain.slice(seen), current].join(" -> ")}`;
      chain.push(current);
      if (chain.length - 1 > MAX_ALIAS_HOPS) {
        return `alias chain longer than ${MAX_ALIAS_HOPS} hops: ${chain.join(" -> ")}`;
      }
    }
  }
  return undefined;
}

/**
 * A `*` may only end an alias name (`"claude-sonnet-*"`: every name with that prefix); a target
 * is one model name.
 */
function findWildcardProblem(aliases: Readonly<Record<string, string>>): string | undefined {
  for (const [name, target] of Object.entries(aliases)) {
    if (name.indexOf("*") !== -1 && name.indexOf("*") !== name.length - 1) {
      return `alias "${name}": a "*" may only end the name, as in "claude-sonnet-*"`;
    }
    if (target.includes("*")) {
      return `alias "${name}" = "${target}": the target must be one model name, without "*"`;
    }
  }
  return undefined;
}
