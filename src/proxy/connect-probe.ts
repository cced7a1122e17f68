/**
 * The connect deadline's probe (src/proxy/attempt.ts): fetch cannot tell "still connecting" from
 * "connected, model thinking", so when no headers have come by then, one raw TCP connection to
 * the backend's port tells them apart.
 * @module
 */
import type { TcpProbeResult } from "../runtime/mod.ts";

export type TcpProbe = (host: string, port: number, timeoutMs: number) => Promise<TcpProbeResult>;

/** Probes the host and port of `url` (its scheme's port when none is given) once. */
export function probeConnect(url: string, probe: TcpProbe, timeoutMs: number) {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
  return probe(parsed.hostname.replace(/^\[|\]$/g, ""), port, timeoutMs);
}
