/**
 * Every front door in one table: OpenAI chat and embeddings (passed through), and the Responses,
 * Ollama and Anthropic APIs translated to the chat completions the mock backends speak.
 *
 * - Non-stream, c=1: time to the whole answer through the gateway, against the same backend
 *   call made directly (chat or embeddings), in rotating rounds; and the gateway's CPU per
 *   request over those requests.
 * - Streams: the gateway's CPU per upstream event, over streams of the long mock (100 content
 *   events, or a tool call in 50 argument deltas, 1 ms apart so each arrives on its own) read
 *   through each door; the translated doors' figure minus the chat passthrough's is what
 *   translating costs per event (issue target: ≤ 5 µs). A passthrough tool-call stream must
 *   also be byte-identical to a direct one.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { pool, postOnce, type RequestSpec, streamOnce } from "./client.ts";
import { cpuTimeUs } from "./closed-loop.ts";
import { rotate } from "./sequential.ts";
import { median, summarize, type Summary } from "./stats.ts";
import type { GatewayName, MockName, Topology } from "./topology.ts";

export type DoorName = "chat" | "embeddings" | "responses" | "ollama" | "anthropic";
export const DOORS: readonly DoorName[] = [
  "chat",
  "embeddings",
  "responses",
  "ollama",
  "anthropic",
];
/** Doors that stream (embeddings do not). */
const STREAM_DOORS: readonly DoorName[] = ["chat", "responses", "ollama", "anthropic"];

export interface FrontDoorOptions {
  readonly rounds: number;
  readonly perRound: number;
  readonly warmup: number;
  /** Streams per door and round (text and tool-call each), `concurrency` at once. */
  readonly streams: number;
  readonly concurrency: number;
}

export interface DoorFigures {
  readonly path: string;
  readonly translated: boolean;
  readonly latency: Summary;
  readonly direct: Summary;
  readonly addedP50: number;
  readonly cpuUs: number;
  readonly errors: number;
  /** CPU per upstream event of a text stream / a tool-call stream, µs. */
  readonly streamCpuPerEventUs?: number;
  readonly toolCpuPerEventUs?: number;
  /** Those minus the chat passthrough's. */
  readonly extraPerEventUs?: number;
  readonly toolExtraPerEventUs?: number;
  readonly streamErrors?: number;
}

export interface FrontDoorResult {
  readonly options: FrontDoorOptions;
  /** Upstream events in one text stream and in one tool-call stream of the long mock. */
  readonly events: { readonly text: number; readonly tool: number };
  /** Passthrough tool-call streams byte-identical to direct ones (masked ids and clocks). */
  readonly toolFidelity: { readonly identical: number; readonly streams: number };
  readonly gateways: Partial<Record<GatewayName, Partial<Record<DoorName, DoorFigures>>>>;
  /** The floors' CPU per event of the same chat streams (passed through), µs. */
  readonly floors: Partial<Record<GatewayName, { text: number; tool: number; errors: number }>>;
}

const PROMPT = "Explain in three sentences what an LLM gateway does.";
const TOOL = {
  name: "search",
  description: "Search the home lab's inventory.",
  parameters: { type: "object", properties: { query: { type: "string" } } },
};

function doorRequest(door: DoorName, model: string, stream: boolean, tools: boolean) {
  const messages = [{ role: "user", content: PROMPT }];
  switch (door) {
    case "chat":
      return {
        path: "/v1/chat/completions",
        body: {
          model,
          messages,
          stream,
          ...(tools ? { tools: [{ type: "function", function: TOOL }] } : {}),
        },
      };
    case "embeddings":
      return { path: "/v1/embeddings", body: { model, input: PROMPT } };
    case "responses":
      return {
        path: "/v1/responses",
        body: {
          model,
          input: PROMPT,
          stream,
          ...(tools ? { tools: [{ type: "function", ...TOOL }] } : {}),
        },
      };
    case "ollama":
      return {
        path: "/api/chat",
        body: {
          model,
          messages,
          stream,
          ...(tools ? { tools: [{ type: "function", function: TOOL }] } : {}),
        },
      };
    case "anthropic":
      return {
        path: "/v1/messages",
        body: {
          model,
          max_tokens: 256,
          messages,
          stream,
          ...(tools
            ? {
              tools: [{
                name: TOOL.name,
                description: TOOL.description,
                input_schema: TOOL.parameters,
              }],
            }
            : {}),
        },
      };
  }
}

function spec(
  topo: Topology,
  via: GatewayName | "direct",
  mock: MockName,
  door: DoorName,
  stream: boolean,
  tools = false,
): RequestSpec {
  const model = topo.mocks[mock].model;
  const { path, body } = doorRequest(
    via === "direct" && door !== "embeddings" ? "chat" : door,
    model,
    stream,
    tools,
  );
  const headers: Record<string, string> = door === "anthropic" && via !== "direct"
    ? { "anthropic-version": "2023-06-01" }
    : {};
  return topo.request(via, mock, stream, { path, body: JSON.stringify(body), headers });
}

/**
 * The CPU time of every thread of `pid` (user + system), µs, to the nanosecond: the sum of the
 * threads' `/proc/PID/task/TID/schedstat`. `/proc/PID/stat` counts 10 ms ticks, and one door's
 * streams take ~0.2-0.4 s of CPU: a tick is 0.65 µs per event of a text stream (1.26 of a
 * tool-call stream) and 250 µs per request of 40, so each door's extra (a difference of two
 * counts) moved by whole ticks. A thread that ends between two reads takes its time with it (the
 * runtime's threads live as long as the process); without schedstat, the tick count.
 */
export function threadsCpuUs(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return Number.NaN;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended, or there is no schedstat at all (checked below).
    }
  }
  return ns > 0 ? ns / 1000 : cpuTimeUs(pid);
}

/** CPU of `pid` per upstream event over `streams` streams read whole, µs. */
async function streamCpu(
  request: RequestSpec,
  pid: number,
  streams: number,
  concurrency: number,
  events: number,
): Promise<{ perEvent: number; errors: number }> {
  let errors = 0;
  const before = threadsCpuUs(pid);
  await pool(streams, concurrency, async () => {
    const result = await postOnce(request).catch(() => undefined);
    if (!result || result.status !== 200 || result.bytes === 0) errors++;
  });
  return { perEvent: (threadsCpuUs(pid) - before) / streams / events, errors };
}

export async function frontDoors(
  topo: Topology,
  options: FrontDoorOptions,
  gateways: readonly GatewayName[],
  floors: readonly GatewayName[] = [],
): Promise<FrontDoorResult> {
  // The reference streams: how many events the backend sends, and a direct tool-call stream.
  const textRef = await streamOnce(spec(topo, "direct", "long", "chat", true));
  const toolRef = await streamOnce(spec(topo, "direct", "long", "chat", true, true));
  const events = { text: textRef.events, tool: toolRef.events };
  let identical = 0;
  let toolStreams = 0;
  const out: FrontDoorResult["gateways"] = {};
  for (const gateway of gateways) {
    const pid = topo.gateways[gateway]!.proc.pid;
    const latency = new Map<DoorName, number[]>();
    const direct = new Map<DoorName, number[]>();
    const cpu = new Map<DoorName, number[]>();
    const errors = new Map<DoorName, number>();
    const textCpu = new Map<DoorName, number[]>();
    const toolCpu = new Map<DoorName, number[]>();
    const streamErrors = new Map<DoorName, number>();
    for (const door of DOORS) {
      for (const map of [latency, direct, cpu, textCpu, toolCpu]) map.set(door, []);
      errors.set(door, 0);
      streamErrors.set(door, 0);
      for (let i = 0; i < options.warmup; i++) {
        await postOnce(spec(topo, gateway, "fast", door, false));
        await postOnce(spec(topo, "direct", "fast", door, false));
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const door of rotate(DOORS, round)) {
        const through = spec(topo, gateway, "fast", door, false);
        const straight = spec(topo, "direct", "fast", door, false);
        const before = threadsCpuUs(pid);
        for (let i = 0; i < options.perRound; i++) {
          const result = await postOnce(through);
          if (result.status === 200) latency.get(door)!.push(result.ms);
          else errors.set(door, errors.get(door)! + 1);
        }
        cpu.get(door)!.push((threadsCpuUs(pid) - before) / options.perRound);
        for (let i = 0; i < options.perRound; i++) {
          direct.get(door)!.push((await postOnce(straight)).ms);
        }
      }
      for (const door of rotate(STREAM_DOORS, round)) {
        for (
          const [tools, into, count] of [[false, textCpu, events.text], [
            true,
            toolCpu,
            events.tool,
          ]] as const
        ) {
          const figures = await streamCpu(
            spec(topo, gateway, "long", door, true, tools),
            pid,
            options.streams,
            options.concurrency,
            count,
          );
          into.get(door)!.push(figures.perEvent);
          streamErrors.set(door, streamErrors.get(door)! + figures.errors);
        }
      }
    }
    // Passthrough tool-call streams: every byte as the backend sent it (ids and clocks masked).
    const results = await pool(
      options.streams,
      options.concurrency,
      () => streamOnce(spec(topo, gateway, "long", "chat", true, true)).catch(() => undefined),
    );
    for (const result of results) {
      toolStreams++;
      if (result && result.normalized === toolRef.normalized) identical++;
    }
    const passText = median(textCpu.get("chat")!);
    const passTool = median(toolCpu.get("chat")!);
    const doors: Partial<Record<DoorName, DoorFigures>> = {};
    for (const door of DOORS) {
      const lat = summarize(latency.get(door)!);
      const dir = summarize(direct.get(door)!);
      const streamed = STREAM_DOORS.includes(door);
      const text = streamed ? median(textCpu.get(door)!) : undefined;
      const tool = streamed ? median(toolCpu.get(door)!) : undefined;
      doors[door] = {
        path: doorRequest(door, "m", false, false).path,
        translated: door !== "chat" && door !== "embeddings",
        latency: lat,
        direct: dir,
        addedP50: lat.p50 - dir.p50,
        cpuUs: median(cpu.get(door)!),
        errors: errors.get(door)!,
        ...(text === undefined ? {} : {
          streamCpuPerEventUs: text,
          toolCpuPerEventUs: tool!,
          extraPerEventUs: text - passText,
          toolExtraPerEventUs: tool! - passTool,
          streamErrors: streamErrors.get(door)!,
        }),
      };
    }
    out[gateway] = doors;
  }
  const floorFigures: FrontDoorResult["floors"] = {};
  for (const floor of floors) {
    const pid = topo.gateways[floor]!.proc.pid;
    const text: number[] = [];
    const tool: number[] = [];
    let errors = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (
        const [tools, into, count] of [[false, text, events.text], [
          true,
          tool,
          events.tool,
        ]] as const
      ) {
        const figures = await streamCpu(
          spec(topo, floor, "long", "chat", true, tools),
          pid,
          options.streams,
          options.concurrency,
          count,
        );
        into.push(figures.perEvent);
        errors += figures.errors;
      }
    }
    floorFigures[floor] = { text: median(text), tool: median(tool), errors };
  }
  return {
    options,
    events,
    toolFidelity: { identical, streams: toolStreams },
    gateways: out,
    floors: floorFigures,
  };
}
