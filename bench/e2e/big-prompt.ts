/**
 * Big prompts: a chat request of ~100,000 tokens (~400 KB of JSON), as a long document or a
 * coding agent's context sends. Per target: the added latency at c=1 (the gateway must read and
 * parse the whole body before it can route it, then send it on), the gateway's CPU per request,
 * and its memory: the rise of its resident set while `burst` such requests are in flight at
 * once, per request — how many copies of the body a gateway holds (a received body, its text,
 * the parsed JSON, the bytes sent upstream).
 * @module
 */
import { pool, postOnce } from "./client.ts";
import { cpuTimeUs } from "./closed-loop.ts";
import { rssMb } from "./memory.ts";
import { rotate } from "./sequential.ts";
import { median, summarize, type Summary } from "./stats.ts";
import type { TargetName, Topology } from "./topology.ts";

export interface BigPromptOptions {
  /** Characters of the user message (4 a token). */
  readonly chars: number;
  readonly rounds: number;
  readonly perRound: number;
  readonly warmup: number;
  /** Big requests in flight at once for the memory figure. */
  readonly burst: number;
}

export interface BigPromptTarget {
  readonly latency: Summary;
  readonly errors: number;
  /** The gateway's CPU per request, µs (none for direct). */
  readonly cpuUs?: number;
  /** Resident set before the burst, its peak during it, and the rise per request in flight. */
  readonly rss?: {
    readonly baseMb: number;
    readonly peakMb: number;
    readonly perRequestMb: number;
  };
}

export interface BigPromptResult {
  readonly options: BigPromptOptions;
  readonly bodyBytes: number;
  readonly targets: Partial<Record<TargetName, BigPromptTarget>>;
  /** Gateway − direct, p50 and p99 of the latency. */
  readonly added: Partial<Record<TargetName, { p50: number; p99: number }>>;
}

const PARAGRAPH = "The gateway reads the whole request, finds the model it names and what the " +
  "request needs, picks a backend and sends the same bytes on. A long prompt is a long " +
  "document: a book chapter, a code base, a day of logs. ";

export function bigPromptBody(model: string, chars: number): string {
  const text = PARAGRAPH.repeat(Math.ceil(chars / PARAGRAPH.length)).slice(0, chars);
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: "Summarise the document the user sends, in five sentences." },
      { role: "user", content: text },
    ],
    stream: false,
    max_tokens: 256,
  });
}

export async function bigPrompt(
  topo: Topology,
  options: BigPromptOptions,
  targets: readonly TargetName[],
): Promise<BigPromptResult> {
  const model = topo.mocks.fast.model;
  const body = bigPromptBody(model, options.chars);
  const spec = (target: TargetName) => topo.request(target, "fast", false, { body });
  const pidOf = (target: TargetName) =>
    target === "direct" ? undefined : topo.gateways[target]?.proc.pid;
  const samples = new Map<TargetName, number[]>();
  const errors = new Map<TargetName, number>();
  const cpu = new Map<TargetName, number[]>();
  for (const target of targets) {
    samples.set(target, []);
    errors.set(target, 0);
    cpu.set(target, []);
    for (let i = 0; i < options.warmup; i++) await postOnce(spec(target));
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const target of rotate(targets, round)) {
      const pid = pidOf(target);
      const before = pid ? cpuTimeUs(pid) : 0;
      for (let i = 0; i < options.perRound; i++) {
        const result = await postOnce(spec(target));
        if (result.status === 200 && result.bytes > 500) samples.get(target)!.push(result.ms);
        else errors.set(target, errors.get(target)! + 1);
      }
      if (pid) cpu.get(target)!.push((cpuTimeUs(pid) - before) / options.perRound);
    }
  }
  const out: BigPromptResult["targets"] = {};
  for (const target of targets) {
    const pid = pidOf(target);
    out[target] = {
      latency: summarize(samples.get(target)!),
      errors: errors.get(target)!,
      ...(pid
        ? { cpuUs: median(cpu.get(target)!), rss: await burstRss(spec(target), pid, options.burst) }
        : {}),
    };
  }
  const direct = out.direct!;
  const added: BigPromptResult["added"] = {};
  for (const target of targets) {
    if (target === "direct") continue;
    added[target] = {
      p50: out[target]!.latency.p50 - direct.latency.p50,
      p99: out[target]!.latency.p99 - direct.latency.p99,
    };
  }
  return { options, bodyBytes: new TextEncoder().encode(body).length, targets: out, added };
}

/** Resident set while `burst` big requests are in flight at once (sampled every 2 ms). */
async function burstRss(
  spec: ReturnType<Topology["request"]>,
  pid: number,
  burst: number,
): Promise<{ baseMb: number; peakMb: number; perRequestMb: number }> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const baseMb = rssMb(pid);
  let peakMb = baseMb;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 2);
  await pool(burst, burst, () => postOnce(spec).catch(() => undefined));
  clearInterval(sampler);
  peakMb = Math.max(peakMb, rssMb(pid));
  return { baseMb, peakMb, perRequestMb: (peakMb - baseMb) / burst };
}
