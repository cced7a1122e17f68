/**
 * `nexus doctor`'s checks of one backend: what the running Nexus says about it (status and its
 * last error, turned into a fix), what the backend answers to this machine directly (its type,
 * its clock), what it lists (models, context lengths), and with `--chat` / `--tools` a tiny
 * completion, a stream and a tool call per model. Every network question is a probe: one
 * connection, closed after its answer, under a deadline.
 * @module
 */
import { detectBackendType, type FetchFn } from "../backends/mod.ts";
import { networkErrorReason } from "../lib/network.ts";
import { redactUrl, V1_HINT, withoutV1 } from "../lib/urls.ts";
import type { BackendRow } from "./backends.ts";
import { v1Finding } from "./doctor-config.ts";
import { type Finding, finding } from "./doctor-report.ts";
import { chatFindings, KEY_FIX } from "./doctor-chat.ts";

/**
 * Without a running Nexus, a config backend is checked from here alone: its URL, whether an LLM
 * server answers there, and whether it is the configured type.
 */
export async function offlineFindings(
  config: { name: string; url: string; type: string },
  options: Pick<BackendCheckOptions, "fetch" | "timeoutMs" | "apiKey">,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const v1 = v1Finding(config.name, config.url);
  if (v1) findings.push(v1);
  try {
    const response = await options.fetch(withoutV1(config.url) + "/", {
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: { connection: "close" },
    });
    await response.body?.cancel();
  } catch (error) {
    const reason = networkErrorReason(error);
    findings.push(
      finding(
        "reachable",
        config.name,
        "fail",
        `${redactUrl(config.url)}: ${reason}`,
        fixFor(reason, config.url),
      ),
    );
    return findings;
  }
  const backend = { name: config.name, url: config.url, type: config.type } as DoctorBackend;
  findings.push(
    await typeFinding(backend, { ...options, configuredType: config.type } as BackendCheckOptions),
  );
  return findings;
}

/** A backend as `GET /v1/backends` lists it, with the fields doctor reads. */
export interface DoctorBackend extends BackendRow {
  readonly wake?: { mac: string } | null;
}

/** What /v1/models says about one model (the fields doctor reads). */
export interface DoctorModel {
  readonly id: string;
  readonly backends: readonly string[];
  readonly context_length: number | null;
  readonly capabilities: { readonly embeddings: boolean | null; readonly tools: boolean | null };
  readonly alias_of?: string;
}

export interface BackendCheckOptions {
  readonly fetch: FetchFn;
  /** The type the config file gives it (static backends), when there is one. */
  readonly configuredType?: string;
  readonly models: readonly DoctorModel[];
  /** The API key its `api_key_env` names, when this machine has it. */
  readonly apiKey?: string;
  readonly chat: boolean;
  readonly tools: boolean;
  readonly timeoutMs: number;
  /** Wall-clock ms now (clock skew). */
  readonly now: () => number;
}

/** A clock this far off is worth a line (Ollama's expires_at, preload times, TLS). */
const SKEW_WARN_SECONDS = 30;

export async function backendFindings(
  backend: DoctorBackend,
  options: BackendCheckOptions,
): Promise<Finding[]> {
  const name = backend.name;
  const status = statusFinding(backend);
  const findings: Finding[] = [status];
  const v1 = v1Finding(name, backend.url);
  if (v1) findings.push(v1);
  if (backend.status === "asleep") return findings;
  const here = await reachFromHere(backend, options);
  // Nexus may know only that no server answered (type auto); the network's own words say why.
  if (status.verdict === "fail" && "reason" in here) {
    findings[0] = finding(
      "reachable",
      name,
      "fail",
      `unhealthy: ${redactUrl(backend.url)}: ${here.reason}`,
      fixFor(here.reason, backend.url),
    );
  }
  findings.push(await typeFinding(backend, options));
  if ("date" in here) {
    const clock = skewFinding("clock_skew", name, here.date, options.now());
    if (clock) findings.push(clock);
  }
  const routable = backend.status === "healthy" || backend.status === "busy";
  if (!routable) return findings;
  findings.push(modelsFinding(backend));
  const unknown = backend.models.filter((id) =>
    options.models.find((m) => m.id === id)?.context_length === null
  );
  if (unknown.length > 0) {
    findings.push(finding(
      "context",
      name,
      "warn",
      `context length unknown for ${
        list(unknown)
      }: long prompts are not matched to a model that fits`,
      "nothing to do for short prompts; a server that reports it (Ollama /api/show, llama.cpp /props, vLLM max_model_len) lets Nexus route long ones",
    ));
  } else if (backend.models.length > 0) {
    findings.push(finding("context", name, "ok", "context length known for every model"));
  }
  if (options.chat || options.tools) findings.push(...await chatFindings(backend, options));
  return findings;
}

/** What the running Nexus says: its status, and for a problem, what to do. */
function statusFinding(backend: DoctorBackend): Finding {
  const { name, status } = backend;
  switch (status) {
    case "healthy":
    case "busy":
      return finding(
        "reachable",
        name,
        "ok",
        `${status} (${backend.type}${backend.version ? ` ${backend.version}` : ""}, ${
          redactUrl(backend.url)
        })`,
      );
    case "asleep":
      return finding(
        "reachable",
        name,
        "warn",
        "asleep: a request for its models wakes it (Wake-on-LAN)",
        `nexus backends wake ${name} wakes it now`,
      );
    case "draining":
      return finding(
        "reachable",
        name,
        "warn",
        "draining: removed from the config, finishing its requests",
      );
    case "unknown":
      return finding(
        "reachable",
        name,
        "warn",
        "not checked yet (Nexus just started, or discovery lost it)",
        "run nexus doctor again in a few seconds",
      );
    default:
      return finding(
        "reachable",
        name,
        "fail",
        `unhealthy: ${backend.last_error ?? "its health checks fail"}`,
        fixFor(backend.last_error ?? "", backend.url),
      );
  }
}

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

/** Type detection from this machine, against what the config (or Nexus) says it is. */
async function typeFinding(backend: DoctorBackend, options: BackendCheckOptions): Promise<Finding> {
  const detected = await detectBackendType({
    baseUrl: withoutV1(backend.url),
    fetch: options.fetch,
    signal: AbortSignal.timeout(options.timeoutMs),
    // A server behind a key answers detection only with it (vLLM --api-key: 401 on /v1/models).
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  }).catch(() => undefined);
  const configured = options.configuredType ?? backend.type;
  if (detected === undefined) {
    return finding(
      "type",
      backend.name,
      "skip",
      options.apiKey === undefined
        ? "no LLM server answered this machine: type not checked (a server that wants a key answers only with the one its api_key_env names)"
        : "no LLM server answered this machine: type not checked",
    );
  }
  if (configured === "auto" || configured === detected) {
    return finding("type", backend.name, "ok", `answers as ${detected}`);
  }
  if (configured === "generic" || configured === "openai") {
    return finding("type", backend.name, "ok", `configured ${configured}; it is ${detected}`);
  }
  return finding(
    "type",
    backend.name,
    "fail",
    `configured as type "${configured}", but it answers as ${detected}`,
    `type = "${detected}" in its [[backends]] entry (or type = "auto" to detect it)`,
  );
}

function modelsFinding(backend: DoctorBackend): Finding {
  const count = backend.models.length;
  if (count > 0) {
    return finding(
      "models",
      backend.name,
      "ok",
      `${count} model${count === 1 ? "" : "s"}: ${list(backend.models)}`,
    );
  }
  const fix = backend.type === "ollama"
    ? "pull one: ollama pull llama3.2"
    : backend.type === "llamacpp"
    ? "start llama-server with a model: llama-server -m model.gguf"
    : "load a model on the server";
  return finding("models", backend.name, "warn", "lists no models", fix);
}

/**
 * One request from this machine to the backend's root: its `Date` header (clock skew), or why
 * nothing answered.
 */
async function reachFromHere(
  backend: DoctorBackend,
  options: BackendCheckOptions,
): Promise<{ readonly date: string | null } | { readonly reason: string }> {
  try {
    const response = await options.fetch(withoutV1(backend.url) + "/", {
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: { connection: "close" },
    });
    await response.body?.cancel();
    return { date: response.headers.get("date") };
  } catch (error) {
    return { reason: networkErrorReason(error) };
  }
}

/** A `Date` header compared with `now` (wall ms); undefined when there is none. */
export function skewFinding(
  check: string,
  subject: string,
  date: string | null,
  now: number,
): Finding | undefined {
  const at = date === null ? NaN : Date.parse(date);
  if (Number.isNaN(at)) return undefined;
  const seconds = Math.round((now - at) / 1000);
  // HTTP dates have one-second resolution: a second or two is no skew.
  if (Math.abs(seconds) <= SKEW_WARN_SECONDS) {
    return finding(check, subject, "ok", `clock within ${SKEW_WARN_SECONDS} s of this machine's`);
  }
  return finding(
    check,
    subject,
    "warn",
    `clock is ${Math.abs(seconds)} s ${seconds > 0 ? "behind" : "ahead of"} this machine's`,
    "turn on time sync on both machines (timedatectl set-ntp true)",
  );
}

function list(ids: readonly string[]): string {
  return ids.length <= 4
    ? ids.join(", ")
    : `${ids.slice(0, 4).join(", ")} and ${ids.length - 4} more`;
}

function safeUrl(url: string): { host: string } {
  try {
    return { host: new URL(url).host };
  } catch {
    return { host: url };
  }
}
