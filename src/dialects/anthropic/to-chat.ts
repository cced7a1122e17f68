/**
 * A Messages conversation as OpenAI chat messages, for a backend that does not serve
 * `/v1/messages` itself. Pure; the result depends only on the request, so it is built once per
 * request whatever the number of candidates.
 *
 * - `system` (a string or text blocks) → one system message.
 * - A user turn's `tool_result` blocks → `tool` messages (`tool_call_id` = the `tool_use_id`,
 *   which is the backend's own call id: see whole.ts), in order, before the rest of the turn;
 *   images a tool returned follow in the user message, since a tool message carries text only.
 * - Text → text; images (base64 or URL) → `image_url` parts; text documents → text.
 * - An assistant turn's `tool_use` blocks → `tool_calls`; thinking blocks are the model's own
 *   notes and are not sent back.
 * - Anything else (server tool blocks, PDF documents, file references …) cannot be said in chat
 *   completions: a 400 that names the block, instead of a request quietly missing part of itself.
 * @module
 */
import { type Failure, failure, isFailure } from "../../lib/failures.ts";
import type { Block } from "./content.ts";
import { isObject } from "./fields.ts";
import type { AnthropicMessage, MessagesRequest } from "./request.ts";

export type ChatPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "image_url"; readonly image_url: { readonly url: string } };

export type ChatMessage = Readonly<Record<string, unknown>>;

/** Blocks a backend without the Messages API cannot be asked for: only it could answer them. */
export function untranslatable(path: string, what: string): Failure {
  return failure(
    "invalid_request",
    `${path}: ${what} cannot be translated for a backend that does not serve /v1/messages ` +
      "itself; route this model to one that does (or set anthropic = true on it)",
    { param: path },
  );
}

export function toChatMessages(request: MessagesRequest): ChatMessage[] | Failure {
  const out: ChatMessage[] = [];
  const system = request.system.map((block) => block.text as string).join("\n\n");
  if (system !== "") out.push({ role: "system", content: system });
  for (let i = 0; i < request.messages.length; i++) {
    const message = request.messages[i]!;
    const path = `messages.${i}.content`;
    const mapped = message.role === "user" ? userTurn(message, path) : assistantTurn(message, path);
    if (isFailure(mapped)) return mapped;
    out.push(...mapped);
  }
  return out;
}

function userTurn(message: AnthropicMessage, path: string): ChatMessage[] | Failure {
  const out: ChatMessage[] = [];
  const parts: ChatPart[] = [];
  const toolImages: ChatPart[] = [];
  for (let i = 0; i < message.content.length; i++) {
    const block = message.content[i]!;
    const at = `${path}.${i}`;
    if (block.type === "tool_result") {
      const result = toolResult(block, at, toolImages);
      if (isFailure(result)) return result;
      out.push(result);
      continue;
    }
    if (block.type === "thinking" || block.type === "redacted_thinking") continue;
    const part = partOf(block, at);
    if (isFailure(part)) return part;
    parts.push(part);
  }
  const content = toolImages.length > 0
    ? [
      { type: "text" as const, text: "Images returned by the tool calls above:" },
      ...toolImages,
      ...parts,
    ]
    : parts;
  if (content.length > 0 || out.length === 0) {
    out.push({ role: "user", content: collapse(content) });
  }
  return out;
}

function assistantTurn(message: AnthropicMessage, path: string): ChatMessage[] | Failure {
  const texts: string[] = [];
  const calls: unknown[] = [];
  for (let i = 0; i < message.content.length; i++) {
    const block = message.content[i]!;
    if (block.type === "text") texts.push(block.text as string);
    else if (block.type === "tool_use") {
      calls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input) },
      });
    } else if (block.type !== "thinking" && block.type !== "redacted_thinking") {
      return untranslatable(`${path}.${i}`, `a '${String(block.type)}' block`);
    }
  }
  const content = texts.join("\n\n");
  return [
    calls.length > 0
      ? { role: "assistant", content, tool_calls: calls }
      : { role: "assistant", content },
  ];
}

function toolResult(block: Block, path: string, images: ChatPart[]): ChatMessage | Failure {
  const texts: string[] = [];
  const content = block.content;
  if (typeof content === "string") texts.push(content);
  else if (Array.isArray(content)) {
    for (let i = 0; i < content.length; i++) {
      const part = partOf(content[i] as Block, `${path}.content.${i}`);
      if (isFailure(part)) return part;
      if (part.type === "text") texts.push(part.text);
      else images.push(part);
    }
  }
  const text = texts.join("\n\n");
  // Chat completions has no error flag on a tool result: the model reads it in the text.
  return {
    role: "tool",
    tool_call_id: block.tool_use_id,
    content: block.is_error === true ? `Error: ${text}` : text,
  };
}

function partOf(block: Block, path: string): ChatPart | Failure {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text as string };
    case "image":
      return imagePart(block, path);
    case "document":
      return documentPart(block, path);
    default:
      return untranslatable(path, `a '${String(block.type)}' block`);
  }
}

function imagePart(block: Block, path: string): ChatPart | Failure {
  const source = block.source as Record<string, unknown>;
  if (source.type === "base64" && typeof source.data === "string") {
    const media = typeof source.media_type === "string" ? source.media_type : "image/png";
    return { type: "image_url", image_url: { url: `data:${media};base64,${source.data}` } };
  }
  if (source.type === "url" && typeof source.url === "string") {
    return { type: "image_url", image_url: { url: source.url } };
  }
  return untranslatable(`${path}.source`, `an image with a '${String(source.type)}' source`);
}

function documentPart(block: Block, path: string): ChatPart | Failure {
  const source = block.source as Record<string, unknown>;
  const title = typeof block.title === "string" && block.title !== "" ? `${block.title}\n\n` : "";
  if (source.type === "text" && typeof source.data === "string") {
    return { type: "text", text: title + source.data };
  }
  if (source.type === "content" && typeof source.content === "string") {
    return { type: "text", text: title + source.content };
  }
  return untranslatable(`${path}.source`, `a document with a '${String(source.type)}' source`);
}

/** Text only: one string, which every chat server reads; with images, the list of parts. */
function collapse(parts: readonly ChatPart[]): string | readonly ChatPart[] {
  if (parts.some((part) => part.type !== "text")) return parts;
  return parts.map((part) => (part as { text: string }).text).join("\n\n");
}

/** Custom tools as chat functions; a server tool (`web_search_…`, `bash_…`) has no schema to send. */
export function toChatTools(tools: readonly Block[]): unknown[] | Failure {
  const out: unknown[] = [];
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i]!;
    const type = tool.type ?? "custom";
    if (type !== "custom") {
      return untranslatable(`tools.${i}`, `the server tool '${String(type)}'`);
    }
    const fn: Record<string, unknown> = { name: tool.name, parameters: tool.input_schema };
    if (typeof tool.description === "string") fn.description = tool.description;
    out.push({ type: "function", function: fn });
  }
  return out;
}

/** `tool_choice` in OpenAI's words: auto → auto, any → required, tool → that function, none. */
export function toChatToolChoice(choice: Block | undefined): unknown {
  if (choice === undefined) return undefined;
  if (choice.type === "any") return "required";
  if (choice.type === "tool") return { type: "function", function: { name: choice.name } };
  return choice.type;
}

export function parallelToolCalls(choice: Block | undefined): boolean | undefined {
  return isObject(choice) && choice.disable_parallel_tool_use === true ? false : undefined;
}
