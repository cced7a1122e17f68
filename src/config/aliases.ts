/** Alias chains are followed at most this many hops (REFERENCE.md A2). */
export const MAX_ALIAS_HOPS = 3;

/**
 * Describes what is wrong with an alias table — a cycle (named in order) or a chain longer than
 * MAX_ALIAS_HOPS — or returns undefined when every alias resolves.
 */
export function findAliasProblem(aliases: Readonly<Record<string, string>>): string | undefined {
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
