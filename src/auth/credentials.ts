/**
 * Where clients put their key: `Authorization: Bearer <key>` (OpenAI and Ollama clients, the
 * Anthropic SDK's `authToken`, Claude Code's ANTHROPIC_AUTH_TOKEN) or `x-api-key: <key>`
 * (Anthropic clients, Claude Code's ANTHROPIC_API_KEY). Both are tried: some clients send a
 * placeholder in one and the key in the other.
 * @module
 */

/** The tokens a request presents, at most one per header, in the order they are tried. */
export function presentedTokens(headers: Headers): string[] {
  const tokens: string[] = [];
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) tokens.push(match[1]!);
  }
  const apiKey = headers.get("x-api-key")?.trim();
  if (apiKey) tokens.push(apiKey);
  return tokens;
}
