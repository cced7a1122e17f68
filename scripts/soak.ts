/**
 * Soak test: a real `nexus serve` in front of the mock upstream, loaded at a fixed concurrency
 * with a mix of streaming and non-streaming requests for a fixed time, on loopback only.
 * Passes when no request failed or came back wrong and Nexus's RSS ended within the allowed
 * growth of its post-warm-up value.
 *
 *   bun scripts/soak.ts [--duration 300] [--concurrency 64] [--warmup 10] [--max-growth 10]
 *
 * Prints one JSON summary line last; exits 1 on failure. `npm test` runs it for 30 s.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { type RunningProcess, startProcess } from "../tests/helpers/processes.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "300" },
    concurrency: { type: "string", default: "64" },
    warmup: { type: "string", default: "10" },
    "max-growth": { type: "string", default: "10" },
  },
});
const DURATION_S = Number(values.duration);
const CONCURRENCY = Number(values.concurrency);
const WARMUP_S = Number(values.warmup);
const MAX_GROWTH_PERCENT = Number(values["max-growth"]);
const ROOT = new URL("..", import.meta.url).pathname;
const BUN = `${ROOT}node_modules/.bin/bun`;
const TEXT = "soak soak soak soak soak soak soak soak";

const children: RunningProcess[] = [];
/** Sends SIGTERM at once (also from the `exit` handler, where nothing asynchronous runs). */
const stopAll = () => {
  for (const child of children) void child.stop("SIGTERM");
};
process.on("exit", stopAll);

/** Starts `bun ARGS` and resolves once its output matches `ready`. */
async function start(args: string[], ready: RegExp): Promise<RunningProcess> {
  const child = await startProcess(BUN, args, {
    ready,
    what: args.slice(0, 2).join(" "),
    cwd: ROOT,
    timeoutMs: 20_000,
    // The soak's nexus logs at info level for its whole run: keep only the tail.
    outputLimit: 64 * 1024,
  });
  children.push(child);
  return child;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) =>
    l.startsWith("VmRSS:")
  )!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function contentOf(text: string, stream: boolean): string {
  if (!stream) return JSON.parse(text).choices[0].message.content;
  let content = "";
  for (const event of text.split("\n\n")) {
    if (event.startsWith("data: {")) {
      content += JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? "";
    }
  }
  return content;
}

async function load(
  url: string,
  seconds: number,
): Promise<{ requests: number; errors: number; firstError?: string }> {
  const until = performance.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async (id: number) => {
    for (let i = 0; performance.now() < until; i++) {
      const stream = (id + i) % 2 === 0;
      requests++;
      try {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          body: JSON.stringify({
            model: "m",
            messages: [{ role: "user", content: "soak" }],
            stream,
          }),
        });
        const text = await response.text();
        if (response.status !== 200 || contentOf(text, stream) !== TEXT) {
          throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, id) => worker(id)));
  return { requests, errors, ...(firstError ? { firstError } : {}) };
}

const mock = await start(
  [
    "tests/mock/cli.ts",
    "--port",
    "0",
    "--models",
    "m",
    "--chunks",
    "4",
    "--gap",
    "2",
    "--text",
    TEXT,
  ],
  /listening (http:\/\/\S+)/,
);
const scratch = mkdtempSync(join(tmpdir(), "nexus-soak-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
const config = join(scratch, "nexus.toml");
writeFileSync(
  config,
  `[logging]\nlevel = "warn"\n\n[[backends]]\nname = "mock"\nurl = "${mock.ready[1]}"\n`,
);
const nexus = await start(
  [
    "src/main.ts",
    "serve",
    "-c",
    config,
    "-p",
    "0",
    "-H",
    "127.0.0.1",
    "--no-discovery",
    "-l",
    "info",
  ],
  /Nexus listening.*address=(http:\/\/\S+)/,
);
const url = nexus.ready[1]!;
for (let i = 0; i < 500; i++) {
  if ((await (await fetch(`${url}/v1/models`)).json()).data.length > 0) break;
  await new Promise((resolve) => setTimeout(resolve, 10));
}

const warm = await load(url, WARMUP_S);
const rssAfterWarmup = rssMiB(nexus.pid);
const soak = await load(url, DURATION_S);
await new Promise((resolve) => setTimeout(resolve, 2000));
const rssAfter = rssMiB(nexus.pid);
const growth = ((rssAfter - rssAfterWarmup) / rssAfterWarmup) * 100;
const pass = warm.errors === 0 && soak.errors === 0 && growth <= MAX_GROWTH_PERCENT;
stopAll();

const summary = {
  pass,
  duration_s: DURATION_S,
  concurrency: CONCURRENCY,
  requests: soak.requests,
  errors: soak.errors,
  warmup_errors: warm.errors,
  requests_per_s: Math.round(soak.requests / DURATION_S),
  rss_mib_after_warmup: Math.round(rssAfterWarmup * 10) / 10,
  rss_mib_after: Math.round(rssAfter * 10) / 10,
  rss_growth_percent: Math.round(growth * 10) / 10,
  max_growth_percent: MAX_GROWTH_PERCENT,
  ...(soak.firstError ?? warm.firstError
    ? { first_error: soak.firstError ?? warm.firstError }
    : {}),
};
process.stdout.write(JSON.stringify(summary) + "\n");
process.exit(pass ? 0 : 1);
