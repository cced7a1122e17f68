/**
 * Reads a Responses event stream (SSE text) and checks it against the Responses streaming rules,
 * so property tests, the Codex replay and the SDK tests share one definition of "valid":
 * `event:` matches `type`; sequence numbers strictly increase; `response.created` and
 * `response.in_progress` open it; output indexes are handed out 0, 1, 2 … as items are added;
 * every added item is done once, after its own deltas, with content parts paired; concatenated
 * deltas equal the `…done` text or arguments and the item's final content; exactly one terminal
 * event (`response.completed`, `response.incomplete` or `response.failed`) ends it, and its
 * `output` is the items as they were done. The openai SDK's own accumulator replays the events
 * too and must agree with the terminal snapshot.
 */
import { expect } from "bun:test";
import { accumulateResponse } from "openai/lib/responses/ResponseAccumulator";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";

// deno-lint-ignore no-explicit-any
export type AnyEvent = Record<string, any>;

const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** The events of an SSE body, checking that each `event:` line names its payload's `type`. */
export function parseEvents(text: string): AnyEvent[] {
  const events: AnyEvent[] = [];
  for (const block of text.split("\n\n")) {
    if (block.trim() === "" || block.startsWith(":")) continue;
    const lines = block.split("\n");
    const name = lines.find((l) => l.startsWith("event: "))?.slice(7);
    const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
    const event = JSON.parse(data);
    expect(name).toBe(event.type);
    events.push(event);
  }
  return events;
}

interface OpenItem {
  readonly item: AnyEvent;
  text: string;
  args: string;
  partOpen: boolean;
  textDone?: string;
  argsDone?: string;
}

/** Checks every rule above; returns the terminal event. */
export function checkSequence(events: readonly AnyEvent[]): AnyEvent {
  expect(events.length).toBeGreaterThanOrEqual(3);
  expect(events[0]!.type).toBe("response.created");
  expect(events[1]!.type).toBe("response.in_progress");
  events.forEach((e, i) =>
    i > 0 && expect(e.sequence_number).toBeGreaterThan(events[i - 1]!.sequence_number)
  );
  const terminals = events.filter((e) => TERMINAL.has(e.type));
  expect(terminals).toHaveLength(1);
  const terminal = events.at(-1)!;
  expect(TERMINAL.has(terminal.type)).toBe(true);
  const open = new Map<number, OpenItem>();
  const done: AnyEvent[] = [];
  let added = 0;
  for (const event of events.slice(2, -1)) {
    if (event.type === "error") continue;
    const index: number = event.output_index;
    if (event.type === "response.output_item.added") {
      expect(index).toBe(added++);
      open.set(index, { item: event.item, text: "", args: "", partOpen: false });
      continue;
    }
    const state = open.get(index);
    expect(state).toBeDefined();
    if (event.item_id !== undefined) expect(event.item_id).toBe(state!.item.id);
    if (event.content_index !== undefined) expect(event.content_index).toBe(0);
    switch (event.type) {
      case "response.content_part.added":
        expect(state!.partOpen).toBe(false);
        state!.partOpen = true;
        break;
      case "response.output_text.delta":
      case "response.reasoning_text.delta":
        expect(state!.partOpen).toBe(true);
        state!.text += event.delta;
        break;
      case "response.output_text.done":
      case "response.reasoning_text.done":
        expect(event.text).toBe(state!.text);
        state!.textDone = event.text;
        break;
      case "response.content_part.done":
        expect(state!.textDone).toBe(state!.text);
        expect(event.part.text).toBe(state!.text);
        state!.partOpen = false;
        break;
      case "response.function_call_arguments.delta":
        state!.args += event.delta;
        break;
      case "response.function_call_arguments.done":
        expect(event.arguments).toBe(state!.args);
        state!.argsDone = event.arguments;
        break;
      case "response.output_item.done":
        checkDone(state!, event.item);
        open.delete(index);
        done[index] = event.item;
        break;
      default:
        throw new Error(`unexpected event ${event.type}`);
    }
  }
  if (terminal.type !== "response.failed") {
    expect(open.size).toBe(0);
    expect(terminal.response.output).toEqual(done);
  }
  expect(terminal.response.status).toBe(
    { "response.completed": "completed", "response.incomplete": "incomplete" }[
      terminal.type as string
    ] ?? "failed",
  );
  checkWithSdk(events, terminal);
  return terminal;
}

function checkDone(state: OpenItem, item: AnyEvent): void {
  expect(item.id).toBe(state.item.id);
  expect(item.type).toBe(state.item.type);
  if (item.type === "function_call") {
    expect(state.argsDone).toBe(state.args);
    expect(item.arguments).toBe(state.args);
    return;
  }
  expect(state.partOpen).toBe(false);
  expect(item.content).toHaveLength(1);
  expect(item.content[0].text).toBe(state.text);
}

/** The SDK's accumulator (what `responses.stream()` runs) ends on the terminal snapshot. */
function checkWithSdk(events: readonly AnyEvent[], terminal: AnyEvent): void {
  let snapshot: ReturnType<typeof accumulateResponse> | undefined;
  for (const event of events) {
    snapshot = accumulateResponse(event as ResponseStreamEvent, snapshot);
  }
  expect(snapshot!.output).toEqual(terminal.response.output);
}

/** Text of every item of `type` in the final output, in order. */
export function outputTexts(terminal: AnyEvent, type: "message" | "reasoning"): string {
  return (terminal.response.output as AnyEvent[])
    .filter((item) => item.type === type)
    .map((item) => item.content[0].text)
    .join("");
}
