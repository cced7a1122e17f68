/** Request ids: echo a sane client id, otherwise make one. */

/** Letters, digits and `._:-`, up to 128 characters: safe in headers, logs and metrics. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(headers: Headers): string {
  const offered = headers.get("x-request-id");
  return offered !== null && SANE_REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
}
