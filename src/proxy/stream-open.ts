/**
 * What a streamed attempt's answer is before its first chunk is read (src/proxy/attempt.ts): a
 * failure the forwarder may fail over from (a 5xx, a redirect, a page instead of events), a whole
 * answer (the backend's 4xx, read as it is), or a stream to read on.
 * @module
 */
import { InvalidResponse, isRedirect } from "./failures.ts";
import type { OpenedChunk } from "./relay.ts";
import { isPage } from "./whole-answer.ts";

/** A stream whose first chunk has been read: what the attempt commits. */
export interface StreamOpened {
  readonly kind: "stream";
  readonly upstream: Response;
  readonly chunk: OpenedChunk;
}

export type Opened =
  | StreamOpened
  | { readonly kind: "whole"; readonly upstream: Response }
  | { readonly kind: "failed"; readonly error: unknown; readonly upstream?: Response };

/** `upstream` (its headers in) as a failure or a whole answer; undefined: read its first chunk. */
export function beforeFirstChunk(upstream: Response): Opened | undefined {
  if (upstream.status >= 500 || isRedirect(upstream.status)) {
    return { kind: "failed", error: undefined, upstream };
  }
  if (!upstream.ok || !upstream.body) return { kind: "whole", upstream };
  const type = upstream.headers.get("content-type");
  if (!isPage(type)) return undefined;
  // A captive portal or a proxy's login page: not the event stream that was asked for.
  upstream.body.cancel().catch(() => {});
  const page = type!.split(";")[0]!.trim();
  return { kind: "failed", error: new InvalidResponse(`the answer is ${page}, not a stream`) };
}

/** The stream ended before its first chunk. */
export function emptyStream(): Opened {
  return {
    kind: "failed",
    error: new Error("the backend closed the stream before sending anything"),
  };
}
