/**
 * The README's shell blocks and how each is checked. Every ```sh block carries a marker on the
 * line above it, so adding a command to the README means deciding how it is tested:
 *
 *   <!-- readme-test: run -->          the block runs as one bash script and must exit 0
 *   <!-- readme-test: serve -->        its last command starts a server; the lines above it run
 *                                      first, then the `client` blocks that follow run against
 *                                      the server, then it gets Ctrl-C and must stop cleanly
 *   <!-- readme-test: serve-each -->   every command starts a server: each is started and stopped
 *   <!-- readme-test: client -->       runs like `run` while the server above is up
 *   <!-- readme-test: skip REASON -->  not run, for the reason given (required)
 *
 * Options after the mode: `mock-ollama=URL` (URL stands for the user's own server: the test puts
 * a mock Ollama there) and `expect="TEXT"` (the block's output must contain TEXT).
 */

export type Mode = "run" | "serve" | "serve-each" | "client" | "skip";

export interface Block {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly mode: Mode;
  readonly reason?: string;
  readonly options: Readonly<Record<string, string>>;
  readonly text: string;
}

export interface Parsed {
  readonly blocks: Block[];
  /** Problems with the markers themselves: unmarked shell blocks, unknown modes, … */
  readonly problems: string[];
}

const SHELL_FENCE = /^```(sh|bash|shell|console)\b/;
const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;
const MODES: readonly Mode[] = ["run", "serve", "serve-each", "client", "skip"];

export function parseReadme(markdown: string): Parsed {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  const problems: string[] = [];
  let marker: { text: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const found = MARKER.exec(line.trim());
    if (found) {
      marker = { text: found[1]!, line: i + 1 };
      continue;
    }
    if (line.startsWith("```") && line.trim() !== "```") {
      const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
      const body = lines.slice(i + 1, end < 0 ? lines.length : end).join("\n");
      if (SHELL_FENCE.test(line)) {
        if (!marker) {
          problems.push(`line ${i + 1}: shell block without a <!-- readme-test: … --> marker`);
        } else {
          const block = parseMarker(marker.text, i + 1, body, problems);
          if (block) blocks.push(block);
        }
      }
      marker = undefined;
      i = end < 0 ? lines.length : end;
      continue;
    }
    if (marker && line.trim() !== "") {
      problems.push(`line ${marker.line}: marker not directly above a shell block`);
      marker = undefined;
    }
  }
  return { blocks, problems };
}

function parseMarker(text: string, line: number, body: string, problems: string[]) {
  const [mode = "", ...rest] = text.split(/\s+/);
  if (!(MODES as readonly string[]).includes(mode)) {
    problems.push(`line ${line}: unknown readme-test mode "${mode}"`);
    return undefined;
  }
  if (mode === "skip") {
    const reason = rest.join(" ");
    if (reason === "") problems.push(`line ${line}: "skip" needs a reason`);
    return { line, mode: "skip" as const, reason, options: {}, text: body };
  }
  const options: Record<string, string> = {};
  for (const match of rest.join(" ").matchAll(/([\w-]+)=(?:"([^"]*)"|(\S+))/g)) {
    options[match[1]!] = match[2] ?? match[3]!;
  }
  return { line, mode: mode as Mode, options, text: body };
}

/**
 * The commands of a block, one per entry: comment-only lines dropped, `\` continuations joined.
 * Comments after a command stay (bash ignores them).
 */
export function commandsOf(text: string): string[] {
  const commands: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    if (current === "" && (raw.trim() === "" || raw.trim().startsWith("#"))) continue;
    current += (current ? "\n" : "") + raw;
    if (!raw.endsWith("\\")) {
      commands.push(current);
      current = "";
    }
  }
  if (current) commands.push(current);
  return commands;
}
