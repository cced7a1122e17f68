/**
 * `nexus doctor`'s findings and how they are printed: one line per check — a mark, what was
 * checked, the verdict in words — and under a problem, the fix. `--json` prints the same list.
 * @module
 */
import type { Style } from "./output.ts";

/** ok: fine; warn: works, but worth a look; fail: broken (exit 1); skip: could not be checked. */
export type Verdict = "ok" | "warn" | "fail" | "skip";

export interface Finding {
  /** What was checked: `reachable`, `type`, `v1_url`, `alias`, `clock_skew` … */
  readonly check: string;
  /** Whose: `nexus`, `config`, `host`, or a backend's name. */
  readonly subject: string;
  readonly verdict: Verdict;
  readonly message: string;
  /** What to do about it (problems only). */
  readonly fix?: string;
}

export function finding(
  check: string,
  subject: string,
  verdict: Verdict,
  message: string,
  fix?: string,
): Finding {
  return fix === undefined ? { check, subject, verdict, message } : {
    check,
    subject,
    verdict,
    message,
    fix,
  };
}

const MARKS: Record<Verdict, string> = { ok: "✓", warn: "!", fail: "✗", skip: "-" };
const COLOURS = { ok: "green", warn: "yellow", fail: "red", skip: "dim" } as const;

export function renderFindings(findings: readonly Finding[], style: Style): string {
  const width = Math.max(0, ...findings.map((f) => `${f.subject} ${f.check}`.length));
  const lines: string[] = [];
  for (const f of findings) {
    const label = `${f.subject} ${f.check}`.padEnd(width);
    lines.push(`${style.paint(MARKS[f.verdict], COLOURS[f.verdict])} ${label}  ${f.message}`);
    if (f.fix !== undefined) {
      lines.push(`  ${" ".repeat(width)}  ${style.paint("fix:", "bold")} ${f.fix}`);
    }
  }
  const count = (verdict: Verdict) => findings.filter((f) => f.verdict === verdict).length;
  const failed = count("fail");
  const warned = count("warn");
  lines.push(
    "",
    failed > 0
      ? style.paint(`${failed} problem${failed === 1 ? "" : "s"} to fix`, "red") +
        (warned ? `, ${warned} warning${warned === 1 ? "" : "s"}` : "")
      : warned > 0
      ? style.paint(`No problems; ${warned} warning${warned === 1 ? "" : "s"}`, "yellow")
      : style.paint("Everything checked is fine", "green"),
  );
  return lines.join("\n") + "\n";
}
