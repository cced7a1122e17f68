/**
 * The one gate every upstream request passes (inference and probes alike):
 * - redirects are never followed (`redirect: "manual"`): a backend's 3xx is its answer, so a
 *   hostile backend cannot point Nexus at an internal URL or at Nexus's own admin API;
 * - the request carries `X-Nexus-Via` with this Nexus's instance id (src/lib/loop.ts);
 * - an answer carrying this Nexus's own id (`X-Nexus-Instance`) is refused with
 *   `SelfLoopError`, and that origin is remembered: nothing is sent there again;
 * - the first request to an origin never seen goes alone; requests to the same origin that
 *   come meanwhile (a probe asks three paths at once) wait for its answer, so an origin that
 *   turns out to be this Nexus costs exactly one request.
 * One guard wraps every fetch of a gateway (`guarded(fetch)`: the proxy's, the probes'), so
 * what one learns about an origin holds for all; a cap on response bodies can be added for
 * callers that read them whole (probes).
 * @module
 */
import { INSTANCE_HEADER, SelfLoopError, VIA_HEADER } from "./loop.ts";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface UpstreamGuardOptions {
  readonly instanceId: string;
  /** Called once for each origin that answers as this Nexus. */
  readonly onSelf?: (origin: string) => void;
}

/** A response body went past its cap; the upstream request has been cancelled. */
export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
  constructor(readonly limit: number) {
    super(`the answer is larger than the limit of ${limit} bytes (server.max_response_bytes)`);
  }
}

/** Origins remembered at most (an mDNS flood must not grow these sets without bound). */
const MAX_ORIGINS = 4096;

export class UpstreamGuard {
  readonly #options: UpstreamGuardOptions;
  /** Origins that answered as something other than this Nexus. */
  readonly #verified = new Set<string>();
  /** Origins that answered as this Nexus. */
  readonly #self = new Set<string>();
  /** The first request to an unverified origin, while it is in flight. */
  readonly #first = new Map<string, Promise<void>>();
  /**
   * The origin of each URL fetched: the proxy fetches the same few (a backend's URL and a path)
   * on every request, and a map lookup costs a fraction of parsing the URL again.
   */
  readonly #origins = new Map<string, string>();

  constructor(options: UpstreamGuardOptions) {
    this.#options = options;
  }

  /** Whether `url` is known to be this Nexus (an answer from it carried our instance id). */
  isSelf(url: string): boolean {
    return this.#self.has(originOf(url));
  }

  /**
   * `fetch` behind the guard; with `maxBytes` (a number, or a getter a config reload changes),
   * every response body errors past it.
   */
  guarded(fetch: FetchLike, maxBytes?: number | (() => number)): FetchLike {
    if (maxBytes === undefined) return (input, init) => this.#fetch(fetch, input, init);
    const cap = typeof maxBytes === "number" ? () => maxBytes : maxBytes;
    return async (input, init) => capBody(await this.#fetch(fetch, input, init), cap());
  }

  async #fetch(fetch: FetchLike, input: string, init: RequestInit): Promise<Response> {
    const origin = this.#originOf(input);
    if (this.#self.has(origin)) throw new SelfLoopError(origin);
    const request = this.#guardedInit(init);
    if (this.#verified.has(origin)) return this.#check(origin, await fetch(input, request));
    const first = this.#first.get(origin);
    if (first) {
      await untilAborted(first, init.signal);
      if (this.#self.has(origin)) throw new SelfLoopError(origin);
      return this.#check(origin, await fetch(input, request));
    }
    let release!: () => void;
    this.#first.set(origin, new Promise<void>((resolve) => (release = resolve)));
    try {
      return this.#check(origin, await fetch(input, request));
    } finally {
      this.#first.delete(origin);
      release();
    }
  }

  /**
   * `init` with `redirect: "manual"` and `X-Nexus-Via`. An init that has both already (the
   * proxy's, built fresh for each attempt) goes as it is: copying it cost ~2 % of a proxied
   * request's CPU.
   */
  #guardedInit(init: RequestInit): RequestInit {
    const headers = init.headers;
    if (
      init.redirect === "manual" && isRecord(headers) && typeof headers[VIA_HEADER] === "string"
    ) return init;
    return { ...init, headers: withVia(headers, this.#options.instanceId), redirect: "manual" };
  }

  #originOf(url: string): string {
    let origin = this.#origins.get(url);
    if (origin === undefined) {
      origin = originOf(url);
      if (this.#origins.size >= MAX_ORIGINS) this.#origins.clear();
      this.#origins.set(url, origin);
    }
    return origin;
  }

  #check(origin: string, response: Response): Response {
    if (response.headers.get(INSTANCE_HEADER) === this.#options.instanceId) {
      response.body?.cancel().catch(() => {});
      if (!this.#self.has(origin)) {
        remember(this.#self, origin);
        this.#options.onSelf?.(origin);
      }
      throw new SelfLoopError(origin);
    }
    remember(this.#verified, origin);
    return response;
  }
}

/** `http://host:port` of a URL (the unit a server answers for). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * The request's headers with `X-Nexus-Via`. A Headers object (every caller builds a fresh one
 * per request) is completed in place rather than copied: on Deno 2.9 a copied Headers object
 * made a later abort of the streamed body intermittently fail to reach the pending read.
 * A plain record (the proxy's, src/proxy/upstream.ts, which carries the header already) stays a
 * record: fetch builds its headers from it natively, where a `Headers` built from it here cost
 * ~2 % of a proxied request's CPU.
 */
function withVia(given: HeadersInit | undefined, instanceId: string): HeadersInit {
  if (isRecord(given)) {
    for (const name in given) if (name.toLowerCase() === VIA_HEADER) return given;
    return { ...given, [VIA_HEADER]: instanceId };
  }
  const headers = given instanceof Headers ? given : new Headers(given);
  if (!headers.has(VIA_HEADER)) headers.set(VIA_HEADER, instanceId);
  return headers;
}

/** A plain header record (not a `Headers`, not a list of pairs). */
function isRecord(headers: HeadersInit | undefined): headers is Record<string, string> {
  return headers !== undefined && !(headers instanceof Headers) && !Array.isArray(headers);
}

function remember(set: Set<string>, origin: string): void {
  if (set.size >= MAX_ORIGINS) set.clear();
  set.add(origin);
}

/** The response with a body that errors (and cancels the upstream) past `maxBytes`. */
function capBody(response: Response, maxBytes: number): Response {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    response.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(maxBytes);
  }
  if (!response.body) return response;
  let seen = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      // Erroring the transform cancels the source, which closes the upstream connection.
      if (seen > maxBytes) controller.error(new ResponseTooLargeError(maxBytes));
      else controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(counter), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function untilAborted(promise: Promise<void>, signal: AbortSignal | null | undefined) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
