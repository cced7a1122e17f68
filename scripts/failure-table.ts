/**
 * Prints the failure table of docs/api.md from src/lib/failures.ts, so the documented statuses
 * and codes are the ones Nexus sends (tests/unit/docs/api-doc.test.ts compares them).
 * Usage: bun scripts/failure-table.ts
 */
import { type FailureRow, FAILURES } from "../src/lib/failures.ts";

export function failureTable(): string {
  const lines = [
    "| Kind | Status | OpenAI `code` | Anthropic `type` | Ollama status | `error_type` metric | Retry-After |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const [kind, row] of Object.entries(FAILURES) as Array<[string, FailureRow]>) {
    const anthropic = row.anthropicStatus ? ` (${row.anthropicStatus})` : "";
    lines.push(
      `| \`${kind}\` | ${row.status} | \`${row.code}\` | \`${row.anthropic}\`${anthropic} | ${
        row.ollamaStatus ?? row.status
      } | ${row.metric ? `\`${row.metric}\`` : "—"} | ${row.retryAfter ? "yes" : ""} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) globalThis.console.log(failureTable());
