/** Request ids: echo a sane client id, otherwise make one. */

/** Letters, digits and `._:-`, up to 128 characters: safe in headers, logs and metrics. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(headers: Headers): string {
  const offered = headers.get("x-request-id");
  return offered !== null && SANE_REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
}

/**
 * Stamps a response with the request's id unless its handler already did (the chat route sets
 * its own, the id it also logs and sends upstream). Only for responses Nexus built itself, whose
 * headers are mutable.
 */
export function stampRequestId(request: Request, response: Response): Response {
  if (!response.headers.has("x-request-id")) {
    response.headers.set("x-request-id", requestIdFor(request.headers));
  }
  return response;
}
