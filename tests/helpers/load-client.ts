/**
 * Sends N concurrent chat requests and prints a JSON summary. Run as its own process
 * (`runLoadClient`): `bun test` ignores BUN_CONFIG_MAX_HTTP_REQUESTS, so inside the test runner
 * no more than 256 fetches can be in flight at once — too few to load Nexus.
 *
 *   bun tests/helpers/load-client.ts <url> <count> <stream:0|1> <expected text>
 */
import process from "node:process";
import { ROOT_DIR, runCommand } from "./processes.ts";

export interface LoadSummary {
  total: number;
  /** 200 responses whose content equals the expected text (streams: ending with [DONE]). */
  correct: number;
  statuses: Record<string, number>;
}

export async function runLoadClient(
  url: string,
  count: number,
  stream: boolean,
  expected: string,
): Promise<LoadSummary> {
  const result = await runCommand(
    `${ROOT_DIR}node_modules/.bin/bun`,
    [`${ROOT_DIR}tests/helpers/load-client.ts`, url, String(count), stream ? "1" : "0", expected],
    { env: { BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" } },
  );
  if (result.code !== 0) {
    throw new Error(`load client exited ${result.code}: ${result.output}`);
  }
  return JSON.parse(result.stdout);
}

function contentOf(text: string, stream: boolean): string {
  if (!stream) return JSON.parse(text).choices?.[0]?.message?.content ?? "";
  let content = "";
  for (const event of text.split("\n\n")) {
    if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
    content += JSON.parse(event.slice(6)).choices?.[0]?.delta?.content ?? "";
  }
  return content;
}

async function main(url: string, count: number, stream: boolean, expected: string): Promise<void> {
  const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "go" }], stream });
  const results = await Promise.all(Array.from({ length: count }, async () => {
    try {
      const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", body });
      const text = await response.text();
      const complete = !stream || text.endsWith("data: [DONE]\n\n");
      return {
        status: String(response.status),
        correct: response.status === 200 && complete && contentOf(text, stream) === expected,
      };
    } catch (error) {
      return { status: `error: ${error instanceof Error ? error.message : error}`, correct: false };
    }
  }));
  const summary: LoadSummary = { total: count, correct: 0, statuses: {} };
  for (const { status, correct } of results) {
    summary.statuses[status] = (summary.statuses[status] ?? 0) + 1;
    if (correct) summary.correct++;
  }
  process.stdout.write(JSON.stringify(summary));
}

if (import.meta.main) {
  const [url, count, stream, expected] = process.argv.slice(2);
  await main(url!, Number(count), stream === "1", expected ?? "");
}
