/**
 * `nexus doctor`'s checks of this machine and the running Nexus: is Nexus there (and its clock),
 * can this machine open the mDNS socket, has discovery heard any announcement, and who holds
 * Ollama's port 11434 — Nexus (`[server] ollama_port`), Ollama itself, or nobody.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import { describeError } from "../lib/errors.ts";
import { networkErrorReason } from "../lib/network.ts";
import { redactUrl } from "../lib/urls.ts";
import { hasNexusShape, isNexusAnswer, notNexusReason } from "./client.ts";
import type { Runtime } from "../runtime/mod.ts";
import { skewFinding } from "./doctor-clock.ts";
import { type Finding, finding } from "./doctor-report.ts";
import type { DoctorBackend } from "./doctor-types.ts";
import { DETAILS_WITHHELD } from "./health.ts";

/** What `GET /health` says (the fields doctor reads). */
export interface NexusHealth {
  readonly status: string;
  readonly version: string;
  /** Absent when a keys-mode server keeps its details from this caller. */
  readonly backends?: { readonly total: number };
  readonly models?: number;
}

export const OLLAMA_PORT = 11434;

/** Nexus itself: reachable, its health summary, its clock. */
export async function nexusFindings(
  runtime: Pick<Runtime, "probeFetch">,
  base: string,
  now: () => number,
  /** NEXUS_ADMIN_TOKEN: in keys mode, /health shows its details to an admin. */
  token?: string,
): Promise<{ findings: Finding[]; health: NexusHealth | undefined }> {
  try {
    const response = await runtime.probeFetch(`${base}/health`, {
      signal: AbortSignal.timeout(5000),
      headers: {
        accept: "application/json",
        connection: "close",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch { /* not Nexus's, or a broken answer: below */ }
    if (!isNexusAnswer(response) && !hasNexusShape("/health", response.status, body)) {
      return {
        findings: [finding(
          "reachable",
          "nexus",
          "fail",
          notNexusReason(base, "/health", response.status),
          "point doctor at Nexus: --url http://host:port (or NEXUS_URL)",
        )],
        health: undefined,
      };
    }
    if (body === undefined) throw new Error(`/health answered HTTP ${response.status}, not JSON`);
    const health = body as NexusHealth;
    const findings = [finding(
      "reachable",
      "nexus",
      health.status === "unhealthy" ? "fail" : health.status === "degraded" ? "warn" : "ok",
      `Nexus ${health.version} at ${redactUrl(base)}: ${health.status}, ${
        health.backends === undefined
          ? DETAILS_WITHHELD
          : `${plural(health.backends.total, "backend")}, ${plural(health.models ?? 0, "model")}`
      }`,
      health.status === "unhealthy"
        ? "no backend can serve: see the backend lines below"
        : undefined,
    )];
    const skew = skewFinding("clock_skew", "nexus", response.headers.get("date"), now());
    if (skew && skew.verdict !== "ok") findings.push(skew);
    return { findings, health };
  } catch (error) {
    return {
      findings: [finding(
        "reachable",
        "nexus",
        "fail",
        `cannot reach Nexus at ${redactUrl(base)}: ${networkErrorReason(error)}`,
        "start it (nexus serve), or point doctor at it: --url http://host:port (or NEXUS_URL)",
      )],
      health: undefined,
    };
  }
}

/** Can this machine open the mDNS socket Nexus uses for discovery? */
export async function mdnsSocketFinding(runtime: Pick<Runtime, "openMulticast">): Promise<Finding> {
  try {
    const socket = await runtime.openMulticast();
    await socket.close();
    return finding(
      "mdns_socket",
      "host",
      "ok",
      "the mDNS socket opens (UDP 5353, group 224.0.0.251)",
    );
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? describeError(error);
    return finding(
      "mdns_socket",
      "host",
      "fail",
      `cannot open the mDNS socket: ${reason}`,
      "let another mDNS program share UDP 5353 (Avahi does), allow multicast (Docker: --network host), or set [discovery] enabled = false",
    );
  }
}

/** Has discovery found anything? (Only meaningful while it is enabled.) */
export function discoveryFinding(backends: readonly DoctorBackend[]): Finding {
  const found = backends.filter((backend) => backend.source === "mdns");
  if (found.length > 0) {
    return finding(
      "discovery",
      "host",
      "ok",
      `${found.length} backend${found.length === 1 ? "" : "s"} found by mDNS: ${
        found.map((b) => b.name).join(", ")
      }`,
    );
  }
  return finding(
    "discovery",
    "host",
    "warn",
    "no announcement heard: nothing on this network announces _ollama._tcp or _llm._tcp",
    'announce a server: avahi-publish -s "gpu-box" _ollama._tcp 11434 "type=ollama" (README, "Discovery"), or list it under [[backends]]',
  );
}

/**
 * Who answers on 127.0.0.1:11434. With `ollama_port` set it must be Nexus; without it, an
 * Ollama there that is not a backend is worth a line.
 */
export async function ollamaPortFinding(
  runtime: Pick<Runtime, "probeFetch">,
  config: NexusConfig | undefined,
  backends: readonly DoctorBackend[],
): Promise<Finding | undefined> {
  const port = config?.server.ollama_port ?? OLLAMA_PORT;
  const who = await whoAnswers(runtime, port);
  if (config?.server.ollama_port !== undefined) {
    if (who === "nexus") {
      return finding("ollama_port", "host", "ok", `Nexus serves the Ollama API on port ${port}`);
    }
    return finding(
      "ollama_port",
      "host",
      "fail",
      who === "ollama"
        ? `port ${port} is held by Ollama itself, not Nexus ([server] ollama_port = ${port})`
        : `nothing answers on port ${port} although [server] ollama_port = ${port}`,
      who === "ollama"
        ? `stop Ollama (systemctl stop ollama) or move it (OLLAMA_HOST=127.0.0.1:11435) and add it as a backend, then restart Nexus`
        : "restart Nexus and read its first lines: it says why it could not listen there",
    );
  }
  if (who !== "ollama") return undefined;
  const local = backends.some((b) => /\/\/(127\.0\.0\.1|localhost|\[::1\]):11434$/.test(b.url));
  if (local) return finding("ollama_port", "host", "ok", "the Ollama on port 11434 is a backend");
  return finding(
    "ollama_port",
    "host",
    "warn",
    "an Ollama runs on this machine (port 11434) but is not a backend",
    "nexus backends add http://127.0.0.1:11434 (or [server] ollama_port = 11434 to stand in for it)",
  );
}

async function whoAnswers(
  runtime: Pick<Runtime, "probeFetch">,
  port: number,
): Promise<"nexus" | "ollama" | "other" | "nobody"> {
  const get = async (path: string) => {
    const response = await runtime.probeFetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(3000),
      headers: { connection: "close", accept: "application/json" },
    });
    const text = await response.text();
    return { ok: response.ok, text };
  };
  try {
    // Nexus's own health summary; Ollama has no /health.
    const health = await get("/health");
    if (health.ok && /"uptime_seconds"/.test(health.text)) return "nexus";
    const version = await get("/api/version");
    return version.ok && /"version"/.test(version.text) ? "ollama" : "other";
  } catch {
    return "nobody";
  }
}

/** `1 backend`, `3 backends`. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
