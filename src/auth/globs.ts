/** Model globs of a key: `*` stands for any run of characters; everything else is literal. */

export type ModelMatcher = (model: string) => boolean;

export function modelMatcher(globs: readonly string[] | null): ModelMatcher {
  if (globs === null) return () => true;
  const exact = new Set(globs.filter((glob) => !glob.includes("*")));
  const patterns = globs.filter((glob) => glob.includes("*")).map((glob) =>
    new RegExp(`^${glob.split("*").map(escape).join(".*")}$`, "s")
  );
  return (model) => exact.has(model) || patterns.some((pattern) => pattern.test(model));
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}
