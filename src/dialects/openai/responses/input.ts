/**
 * Responses `instructions` + `input` → chat `messages`. Messages keep their role (`developer`
 * becomes `system`, which every chat server knows); `function_call` items join the assistant
 * message before them as `tool_calls`, and `function_call_output` items become `tool` messages.
 * `reasoning` items (the encrypted or summarised thinking Codex sends back) are dropped: a chat
 * backend cannot read them, and the model does not need its earlier reasoning to continue; so are
 * references to them. A reference to any other item is refused: Nexus keeps nothing to resolve it.
 * Leading system messages are merged into one, because many chat templates accept a single
 * system message at the start only.
 * @module
 */
import { type Failure, isFailure } from "../../../lib/failures.ts";
import { invalidField, unresolvedReference, untranslatable } from "./unsupported.ts";

export type ChatMessage = Record<string, unknown>;
type Item = Record<string, unknown>;
type Part = Record<string, unknown>;

const ROLES: Readonly<Record<string, string>> = {
  user: "user",
  assistant: "assistant",
  system: "system",
  developer: "system",
};

export function toMessages(instructions: unknown, input: unknown): ChatMessage[] | Failure {
  const messages: ChatMessage[] = [];
  if (typeof instructions === "string" && instructions !== "") {
    messages.push({ role: "system", content: instructions });
  } else if (
    instructions !== undefined && instructions !== null && typeof instructions !== "string"
  ) {
    return invalidField("instructions", "a string");
  }
  if (typeof input === "string") {
    messages.push({ role: "user", content: input });
    return mergeLeadingSystem(messages);
  }
  if (!Array.isArray(input)) {
    return input === undefined
      ? invalidField("input", "a string or an array of input items (nothing to answer)")
      : invalidField("input", "a string or an array of input items");
  }
  // Images a tool returned, shown to the model in a user message after the run of tool messages.
  const images: Part[] = [];
  for (let i = 0; i < input.length; i++) {
    const raw = input[i] as Item | null;
    if (images.length > 0 && raw?.type !== "function_call_output") flushImages(messages, images);
    const problem = addItem(messages, raw, `input[${i}]`, images);
    if (problem) return problem;
  }
  flushImages(messages, images);
  // `input: []` (or only reasoning items) and no instructions: a chat backend would get
  // `messages: []` and refuse it in words about a field the client never sent.
  if (messages.length === 0) {
    return invalidField(
      "input",
      "a string or a non-empty array of input items (nothing to answer)",
    );
  }
  return mergeLeadingSystem(messages);
}

function addItem(
  messages: ChatMessage[],
  raw: unknown,
  param: string,
  images: Part[],
): Failure | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return invalidField(param, "an input item object");
  }
  const item = raw as Item;
  const type = item.type ?? (item.role !== undefined ? "message" : undefined);
  if (typeof type !== "string") {
    // Said as a wrong field, not as an item type no chat backend takes ("type 'undefined'").
    return invalidField(`${param}.type`, "an item type ('message', 'function_call', …) or a role");
  }
  switch (type) {
    case "message":
      return addMessage(messages, item, param);
    case "function_call":
      return addCall(messages, item, param);
    case "function_call_output":
      return addCallOutput(messages, item, param, images);
    case "reasoning":
      return undefined;
    case "item_reference":
      // A reference to a reasoning item (the AI SDK sends one for every reasoning item it got,
      // unless told `store: false`) carries no more than the item itself, which is dropped.
      return isReasoningId(item.id) ? undefined : unresolvedReference(`${param}.id`);
    default:
      return untranslatable(`${param}.type`, `Input item type '${type}'`);
  }
}

/** `rs_…`: OpenAI's prefix for reasoning item ids, and the one Nexus gives its own. */
function isReasoningId(id: unknown): boolean {
  return typeof id === "string" && id.startsWith("rs_");
}

function addMessage(messages: ChatMessage[], item: Item, param: string): Failure | undefined {
  const role = typeof item.role === "string" ? ROLES[item.role] : undefined;
  if (role === undefined) {
    return invalidField(`${param}.role`, "'user', 'assistant', 'system' or 'developer'");
  }
  const content = toContent(item.content, `${param}.content`, role !== "user");
  if (isFailure(content)) return content;
  messages.push({ role, content });
  return undefined;
}

/**
 * Message content: a string, or parts. Text-only parts of a system or assistant message become
 * one string (chat templates expect that); user parts stay parts when there is an image.
 */
function toContent(content: unknown, param: string, flatten: boolean): unknown {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return invalidField(param, "a string or an array of content parts");
  const parts: Part[] = [];
  let textOnly = true;
  for (let i = 0; i < content.length; i++) {
    const part = toPart(content[i], `${param}[${i}]`);
    if (isFailure(part)) return part;
    if (part.type !== "text") textOnly = false;
    parts.push(part);
  }
  if (textOnly && (flatten || parts.length === 1)) return parts.map((p) => p.text).join("");
  return parts;
}

function toPart(raw: unknown, param: string): Part | Failure {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return invalidField(param, "a content part object");
  }
  const part = raw as Item;
  const type = part.type;
  if (typeof type !== "string") return invalidField(`${param}.type`, "a string");
  if (type === "input_text" || type === "output_text" || type === "text") {
    return typeof part.text === "string"
      ? { type: "text", text: part.text }
      : invalidField(`${param}.text`, "a string");
  }
  if (type === "refusal" && typeof part.refusal === "string") {
    return { type: "text", text: part.refusal };
  }
  if (type === "input_image") {
    if (typeof part.image_url !== "string") {
      return part.image_url === undefined && typeof part.file_id === "string"
        ? untranslatable(`${param}.file_id`, "An image given by file id (no file store)")
        : invalidField(`${param}.image_url`, "a string (a URL or a data: URL)");
    }
    const detail = part.detail;
    const image_url = typeof detail === "string" && detail !== "auto"
      ? { url: part.image_url, detail }
      : { url: part.image_url };
    return { type: "image_url", image_url };
  }
  return untranslatable(`${param}.type`, `Content part type '${type}'`);
}

function addCall(messages: ChatMessage[], item: Item, param: string): Failure | undefined {
  if (typeof item.call_id !== "string") return invalidField(`${param}.call_id`, "a string");
  if (typeof item.name !== "string") return invalidField(`${param}.name`, "a string");
  // An object here was sent on as "" (no arguments at all): the call the model sees is not
  // the one the client sent.
  if (item.arguments !== undefined && typeof item.arguments !== "string") {
    return invalidField(`${param}.arguments`, "a string (the arguments as JSON text)");
  }
  if (typeof item.namespace === "string") {
    return untranslatable(`${param}.namespace`, "A call to a namespaced tool");
  }
  const call = {
    id: item.call_id,
    type: "function",
    function: {
      name: item.name,
      arguments: item.arguments ?? "",
    },
  };
  const last = messages[messages.length - 1];
  if (last?.role === "assistant") {
    const calls = (last.tool_calls ??= []) as unknown[];
    calls.push(call);
  } else {
    messages.push({ role: "assistant", content: null, tool_calls: [call] });
  }
  return undefined;
}

/**
 * A `tool` message carries text only: the output's text parts become its content, and images a
 * tool returned (a screenshot, an MCP result) follow the tool messages in a `user` message.
 */
function addCallOutput(
  messages: ChatMessage[],
  item: Item,
  param: string,
  images: Part[],
): Failure | undefined {
  if (typeof item.call_id !== "string") return invalidField(`${param}.call_id`, "a string");
  const output = item.output;
  let content = "";
  if (typeof output === "string") {
    content = output;
  } else if (Array.isArray(output)) {
    for (let i = 0; i < output.length; i++) {
      const part = toPart(output[i], `${param}.output[${i}]`);
      if (isFailure(part)) return part;
      if (part.type === "text") content += part.text as string;
      else images.push(part);
    }
  } else {
    return invalidField(`${param}.output`, "a string or an array of content parts");
  }
  messages.push({ role: "tool", tool_call_id: item.call_id, content });
  return undefined;
}

function flushImages(messages: ChatMessage[], images: Part[]): void {
  if (images.length === 0) return;
  messages.push({ role: "user", content: images.splice(0) });
}

function mergeLeadingSystem(messages: ChatMessage[]): ChatMessage[] {
  let count = 0;
  while (messages[count]?.role === "system" && typeof messages[count]!.content === "string") {
    count++;
  }
  if (count < 2) return messages;
  const text = messages.slice(0, count).map((m) => m.content).join("\n\n");
  return [{ role: "system", content: text }, ...messages.slice(count)];
}
