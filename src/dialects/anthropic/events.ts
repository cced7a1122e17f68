/**
 * Anthropic's stream events as text, written by hand: each is one `event:` line and one `data:`
 * line (the SDK skips an event without a name), and only the strings that vary go through
 * JSON.stringify, which keeps a translated event within a few microseconds.
 * @module
 */
import type { Stop, Usage } from "./answer.ts";

export const MESSAGE_STOP = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';

export function messageStart(id: string, model: string, inputTokens: number): string {
  return 'event: message_start\ndata: {"type":"message_start","message":{"id":' +
    `${JSON.stringify(id)},"type":"message","role":"assistant","model":${JSON.stringify(model)},` +
    '"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":' +
    `${inputTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,` +
    '"output_tokens":0}}}\n\n';
}

export function blockStart(
  index: number,
  kind: "text" | "thinking" | "tool",
  id?: string,
  name?: string,
): string {
  const block = kind === "text"
    ? '{"type":"text","text":""}'
    : kind === "thinking"
    ? '{"type":"thinking","thinking":"","signature":""}'
    : `{"type":"tool_use","id":${JSON.stringify(id)},"name":${JSON.stringify(name)},"input":{}}`;
  return 'event: content_block_start\ndata: {"type":"content_block_start","index":' +
    `${index},"content_block":${block}}\n\n`;
}

const DELTA_TYPES = {
  text: '{"type":"text_delta","text":',
  thinking: '{"type":"thinking_delta","thinking":',
  tool: '{"type":"input_json_delta","partial_json":',
} as const;

export function delta(index: number, kind: keyof typeof DELTA_TYPES, text: string): string {
  return 'event: content_block_delta\ndata: {"type":"content_block_delta","index":' +
    `${index},"delta":${DELTA_TYPES[kind]}${JSON.stringify(text)}}}\n\n`;
}

export function blockStop(index: number): string {
  return `event: content_block_stop\ndata: {"type":"content_block_stop","index":${index}}\n\n`;
}

export function messageDelta(stop: Stop, usage: Usage): string {
  return 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":' +
    `"${stop.stop_reason}","stop_sequence":${JSON.stringify(stop.stop_sequence)}},"usage":` +
    `{"input_tokens":${usage.input_tokens},"output_tokens":${usage.output_tokens}}}\n\n`;
}
