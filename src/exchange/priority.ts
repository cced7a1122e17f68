/**
 * `X-Nexus-Priority: high|normal|low`: a request's place in the admission queue when every
 * backend that could serve it is full. Absent means normal; anything else is a client error,
 * named, rather than a silent guess.
 * @module
 */
import { PRIORITIES, type Priority } from "../admission/mod.ts";
import { type Failure, failure } from "../lib/failures.ts";

export function priorityOf(headers: Headers): Priority | Failure {
  const raw = headers.get("x-nexus-priority");
  if (raw === null) return "normal";
  const value = raw.trim().toLowerCase();
  if ((PRIORITIES as readonly string[]).includes(value)) return value as Priority;
  return failure(
    "invalid_request",
    `Invalid X-Nexus-Priority header ${
      JSON.stringify(raw.slice(0, 40))
    }: expected high, normal or low`,
    { param: "X-Nexus-Priority" },
  );
}
