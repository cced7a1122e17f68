/**
 * The page's actions, through the same admin API a script would call: JSON bodies (the admin
 * guard requires `Content-Type: application/json`), and the admin token from this tab's session
 * storage when the page is not on this machine.
 */

const TOKEN_KEY = "nexus-admin-token";

export function savedToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveToken(token: string): void {
  try {
    if (token === "") sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the token lives only as long as the field holds it.
  }
}

export interface ActionResult {
  readonly ok: boolean;
  readonly message: string;
}

/** Sends one admin call; the answer's error message (OpenAI envelope) when it fails. */
export async function adminCall(
  method: "POST" | "DELETE",
  path: string,
  body: unknown,
  success: string,
): Promise<ActionResult> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = savedToken();
  if (token !== "") headers.authorization = `Bearer ${token}`;
  try {
    const response = await fetch(path, { method, headers, body: JSON.stringify(body) });
    if (response.ok) return { ok: true, message: success };
    const text = await response.text();
    let message = `HTTP ${response.status}`;
    try {
      message = JSON.parse(text).error?.message ?? message;
    } catch {
      // Not JSON: keep the status.
    }
    return { ok: false, message: `${message} (HTTP ${response.status})` };
  } catch (error) {
    return { ok: false, message: `Nexus did not answer: ${(error as Error).message}` };
  }
}

export function addBackend(url: string, name: string, type: string): Promise<ActionResult> {
  const body: Record<string, string> = { url };
  if (name !== "") body.name = name;
  if (type !== "") body.type = type;
  return adminCall("POST", "/v1/backends", body, `Added ${url}`);
}

export function removeBackend(name: string): Promise<ActionResult> {
  return adminCall("DELETE", `/v1/backends/${encodeURIComponent(name)}`, {}, `Removed ${name}`);
}

export function changeModel(
  model: string,
  action: "load" | "unload",
  backend: string,
): Promise<ActionResult> {
  const path = `/v1/models/${model.split("/").map(encodeURIComponent).join("/")}/${action}`;
  const done = action === "load" ? "Loaded" : "Unloaded";
  return adminCall("POST", path, { backend }, `${done} ${model} on ${backend}`);
}
