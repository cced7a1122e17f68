/**
 * The dashboard under load: requests at a fixed rate (open loop, default 1,000 req/s,
 * non-stream, mock at 0 ms) through `nexus serve`, in interleaved rounds with the dashboard open
 * in headless Chromium and closed. Reports the latency seen by the client (p50, p99, p99.9) and
 * the CPU Nexus spent per request in each mode (from /proc), and writes them to bench/RESULTS.md
 * between the dashboard markers.
 *
 *   bun bench/dashboard.ts [--rate 1000] [--seconds 6] [--rounds 4] [--binary] [--no-write]
 *
 * CPU layout as bench/run.ts: Nexus alone on CPU 1; this load generator, the mock and Chromium
 * (it inherits this process's CPU) on CPU 0. Chromium renders on the load CPU, so its own work
 * can only slow the client side; the CPU-per-request figure is Nexus's alone.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { BUN, ROOT, TMP } from "./e2e/paths.ts";
import { canPin, spawnProc, stopAll, waitForLine } from "./e2e/procs.ts";
import { quantile, round, sortedCopy } from "./e2e/stats.ts";
import { chatBody, cleanEnv, LOAD_CPU, startNexus } from "./e2e/topology.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "6" },
    rounds: { type: "string", default: "4" },
    binary: { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const MODEL = "bench-fast";
const START = "<!-- dashboard:start -->";
const END = "<!-- dashboard:end -->";

type Mode = "closed" | "open";
interface Round {
  readonly mode: Mode;
  readonly latencies: number[];
  readonly errors: number;
  readonly sent: number;
  readonly seconds: number;
  readonly cpuMs: number;
}

/** Ticks of CPU (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Sends RATE requests a second for `seconds`, each timed from its scheduled moment. */
async function load(url: string, seconds: number): Promise<Omit<Round, "mode" | "cpuMs">> {
  const body = chatBody(MODEL, false);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.round(RATE * seconds);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE) + 1);
    for (; sent < due; sent++) {
      const scheduled = started + (sent / RATE) * 1000;
      pending.push(
        fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }).then(async (response) => {
          await response.arrayBuffer();
          if (response.status === 200) latencies.push(performance.now() - scheduled);
          else errors++;
        }, () => void errors++),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  return { latencies, errors, sent, seconds: (performance.now() - started) / 1000 };
}

function summary(rounds: Round[], mode: Mode) {
  const mine = rounds.filter((r) => r.mode === mode);
  const all = sortedCopy(mine.flatMap((r) => r.latencies));
  const sent = mine.reduce((sum, r) => sum + r.sent, 0);
  const seconds = mine.reduce((sum, r) => sum + r.seconds, 0);
  const cpu = mine.reduce((sum, r) => sum + r.cpuMs, 0);
  return {
    mode,
    rate: round(sent / seconds),
    p50: round(quantile(all, 0.5)),
    p99: round(quantile(all, 0.99)),
    p999: round(quantile(all, 0.999)),
    errors: mine.reduce((sum, r) => sum + r.errors, 0),
    samples: all.length,
    cpuUsPerRequest: round((cpu * 1000) / sent),
  };
}

function writeResults(section: string): void {
  const path = `${ROOT}bench/RESULTS.md`;
  const current = readFileSync(path, "utf8");
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next = start >= 0 && end > start
    ? current.slice(0, start) + section + current.slice(end + END.length)
    : current.replace(/\n*$/, "\n\n") + section + "\n";
  writeFileSync(path, next);
}

if (canPin()) spawnSync("taskset", ["-a", "-cp", String(LOAD_CPU), String(process.pid)]);
mkdirSync(TMP, { recursive: true });
const mock = spawnProc("mock", BUN, [
  `${ROOT}tests/mock/cli.ts`,
  "--port",
  "0",
  "--models",
  MODEL,
  "--latency",
  "0",
], { cpu: LOAD_CPU, env: cleanEnv() });
const mockUrl = (await waitForLine(mock, /mock-upstream listening (http:\/\/\S+)/, 15_000))[1]!;
const config = `${TMP}nexus-dashboard.toml`;
writeFileSync(
  config,
  `[server]\nhost = "127.0.0.1"\nport = 0\n\n[discovery]\nenabled = false\n\n` +
    `[[backends]]\nname = "fast"\nurl = "${mockUrl}"\ntype = "generic"\n`,
);
const mode = values.binary && existsSync(`${ROOT}dist/nexus`) ? "binary" : "source";
const nexus = await startNexus(mode, config, [MODEL], { BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const rounds: Round[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  process.stdout.write(
    `warm-up, then ${ROUNDS} rounds × 2 modes × ${SECONDS} s at ${RATE} req/s\n`,
  );
  await load(nexus.url, 2);
  for (let i = 0; i < ROUNDS * 2; i++) {
    // Alternate, starting with a different mode every other pair, so drift favours neither.
    const open = (i % 2 === 0) !== (Math.floor(i / 2) % 2 === 1);
    if (open) {
      await page.goto(`${nexus.url}/ui`);
      await page.waitForSelector(".card", { timeout: 10_000 });
    } else {
      await page.goto("about:blank");
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = cpuMs(nexus.proc.pid);
    const result = await load(nexus.url, SECONDS);
    const round_: Round = {
      mode: open ? "open" : "closed",
      ...result,
      cpuMs: cpuMs(nexus.proc.pid) - before,
    };
    if (open) {
      const rows = await page.locator(".completed tbody tr[data-request-id]").count();
      if (rows === 0) throw new Error("the open dashboard listed no request during its round");
    }
    rounds.push(round_);
    const s = summary([round_], round_.mode);
    process.stdout.write(
      `${round_.mode}: ${s.rate} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, ${s.cpuUsPerRequest} µs CPU/req\n`,
    );
  }
} finally {
  await browser.close();
  await stopAll();
}

const closed = summary(rounds, "closed");
const open = summary(rounds, "open");
const rows = [closed, open].map((s) =>
  `| ${
    s.mode === "open" ? "open (one browser)" : "closed"
  } | ${s.rate} | ${s.p50} | ${s.p99} | ${s.p999} | ${s.errors} | ${s.cpuUsPerRequest} |`
);
const section = [
  START,
  "## The dashboard under load (`bun bench/dashboard.ts`)",
  "",
  `Run ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}: ${RATE} req/s open loop, non-stream, ` +
  `mock at 0 ms, Nexus from ${mode === "binary" ? "dist/nexus" : "source (bun src/main.ts)"} on ` +
  `its own CPU; ${ROUNDS} rounds of ${SECONDS} s per mode, interleaved. Latency from each ` +
  `request's scheduled send time to its last byte (ms); CPU is Nexus's (user + system) per request.`,
  "",
  "| Dashboard | req/s | p50 | p99 | p99.9 | errors | Nexus CPU µs/req |",
  "|---|---|---|---|---|---|---|",
  ...rows,
  "",
  `With the page open: p50 ${round(open.p50 - closed.p50)} ms, p99 ${
    round(open.p99 - closed.p99)
  } ms, ` +
  `CPU ${round(open.cpuUsPerRequest - closed.cpuUsPerRequest)} µs/req against closed.`,
  END,
].join("\n");
process.stdout.write(`\n${section}\n`);
if (!values["no-write"]) writeResults(section);
