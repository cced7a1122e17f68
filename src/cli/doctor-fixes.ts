/**
 * The fix `nexus doctor` prints under an unreachable or failing backend, read from the words of
 * its probe error (refused, not resolved, timed out, a key, a wrong path).
 * @module
 */
import { redactUrl, V1_HINT, withoutV1 } from "../lib/urls.ts";
import { KEY_FIX } from "./doctor-chat.ts";

/** A fix from the words of a probe error. */
export function fixFor(error: string, url: string): string {
  const { host } = safeUrl(url);
  if (/connection refused/i.test(error)) {
    return `nothing listens at ${host}: start the server, or correct the port (Ollama 11434, vLLM 8000, llama.cpp 8080, LM Studio 1234); Ollama listens on 127.0.0.1 only unless OLLAMA_HOST=0.0.0.0`;
  }
  if (/host not found|resolve/i.test(error)) {
    return `the name in ${
      redactUrl(url)
    } does not resolve: use the machine's IP address, or fix DNS / mDNS (.local)`;
  }
  if (/timed out|unreachable/i.test(error)) {
    return `${host} does not answer: is the machine on, and port open in its firewall? (A machine that sleeps: add wake = { mac = "…" } to its [[backends]].)`;
  }
  // The hint's own words: "HTTP 401 from /v1/models" is about a key, not the URL.
  if (error.includes(V1_HINT)) return `url = "${redactUrl(withoutV1(url))}"`;
  if (/HTTP 401|HTTP 403/.test(error)) return KEY_FIX;
  if (/HTTP 404/.test(error)) {
    return 'the server does not answer the paths of its type: check type = (or set type = "auto")';
  }
  return "see the server's own logs; nexus backends list shows the latest error";
}

function safeUrl(url: string): { host: string } {
  try {
    return { host: new URL(url).host };
  } catch {
    return { host: url };
  }
}
