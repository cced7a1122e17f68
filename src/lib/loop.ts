/**
 * Loop detection. Every Nexus has an instance id. Each request it sends upstream (inference or
 * probe) carries `X-Nexus-Via: <ids of the gateways it passed>, <own id>`, and each response it
 * sends carries `X-Nexus-Instance: <own id>`. So a request that comes back to the Nexus that sent
 * it is refused at once (508 `loop_detected`), and an answer that comes from this very Nexus
 * tells the sender that the "backend" is itself: one extra request, never ten thousand.
 * @module
 */
import { type Failure, failure } from "./failures.ts";

/** Request header: the instance ids of the gateways a request has passed, oldest first. */
export const VIA_HEADER = "x-nexus-via";
/** Response header on everything Nexus answers: its own instance id. */
export const INSTANCE_HEADER = "x-nexus-instance";
/** More gateways than any real chain has (a client → a Nexus → another Nexus → a backend). */
export const MAX_HOPS = 8;
/** The words every refusal of this Nexus's own address uses (logs, errors, tests). */
export const THIS_NEXUS = "that is this Nexus";

/** A fresh id: random, so two processes (or two restarts) never share one. */
export function newInstanceId(): string {
  return crypto.randomUUID();
}

/** The ids in a Via value; at most MAX_HOPS + 1 are read (more already means "too many"). */
export function viaChain(value: string | null): string[] {
  if (value === null || value === "") return [];
  const ids: string[] = [];
  for (const part of value.split(",", MAX_HOPS + 2)) {
    const id = part.trim();
    if (id !== "") ids.push(id);
  }
  return ids;
}

/** Why `headers` must not be forwarded by `instanceId`, or undefined when it may. */
export function loopFailure(headers: Headers, instanceId: string): Failure | undefined {
  const chain = viaChain(headers.get(VIA_HEADER));
  if (chain.includes(instanceId)) {
    return failure(
      "loop_detected",
      `This request has already passed this Nexus (${VIA_HEADER}): a backend points back at it`,
    );
  }
  if (chain.length > MAX_HOPS) {
    return failure(
      "loop_detected",
      `This request has passed more than ${MAX_HOPS} gateways (${VIA_HEADER}): refusing to forward it again`,
    );
  }
  return undefined;
}

/** The Via value to send upstream: the chain the request came with, then this Nexus. */
export function forwardedVia(incoming: Headers | undefined, instanceId: string): string {
  const given = incoming?.get(VIA_HEADER) ?? null;
  // Nearly every request comes straight from a client: no chain to copy.
  if (given === null || given === "") return instanceId;
  const chain = viaChain(given).slice(0, MAX_HOPS);
  chain.push(instanceId);
  return chain.join(", ");
}

/** A backend answered with this Nexus's own instance id: it is this Nexus. */
export class SelfLoopError extends Error {
  override readonly name = "SelfLoopError";
  constructor(readonly origin: string) {
    super(`${origin} answers as this Nexus (${THIS_NEXUS}): it cannot be its own backend`);
  }
}
