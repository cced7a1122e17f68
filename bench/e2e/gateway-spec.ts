/**
 * The `--gateway` values the one-off benches share (bench/gc-log.ts, bench/stream-heap-serve.ts):
 * `bare` (bench/e2e/bare-proxy.ts), `NAME=DIR` (Nexus's sources at DIR) or
 * `NAME=script:PATH:FLAGS` (a pass-through script run with BARE_FLAGS=FLAGS, `+` for `,`).
 * @module
 */
import { ROOT } from "./paths.ts";

export interface GatewaySpec {
  readonly name: string;
  /** A pass-through script to run, or undefined for Nexus's sources at `root`. */
  readonly passThrough?: string;
  /** BARE_FLAGS for the pass-through script, commas already in place. */
  readonly flags: string;
  /** The checkout whose `src/main.ts serve` runs, when not a pass-through. */
  readonly root?: string;
}

export function parseGatewaySpec(spec: string): GatewaySpec {
  if (spec === "bare") {
    return { name: "bare", passThrough: `${ROOT}bench/e2e/bare-proxy.ts`, flags: "" };
  }
  const [name, where] = spec.split("=") as [string, string];
  if (!where.startsWith("script:")) return { name, root: where, flags: "" };
  const [passThrough, flags] = where.slice("script:".length).split(":") as [
    string,
    string | undefined,
  ];
  return { name, passThrough, flags: (flags ?? "").replaceAll("+", ",") };
}
