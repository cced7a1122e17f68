/**
 * Who may change Nexus (admin routes now, the UI's actions later): the rules that keep a web page
 * in a browser on this machine from doing it, and then who the caller is.
 *
 * 1. `Host` must name this machine: an IP literal, `localhost`, its host name, or an entry of
 *    `server.allowed_hosts`. A DNS-rebinding page reaches 127.0.0.1 under its own name: refused.
 * 2. An `Origin` header, when present, must be Nexus's own (`http://<the Host>`): a cross-site
 *    form or fetch from another page is refused.
 * 3. A change with a body must say `Content-Type: application/json`: a cross-site "simple"
 *    request (text/plain, a form) cannot, without a CORS preflight Nexus never grants.
 * 4. Then the caller: any loopback peer, or anyone with `Authorization: Bearer <admin_token>`
 *    (the scheme in any case, the token compared in constant time).
 * @module
 */
import type { Context } from "hono";
import { boundText } from "../lib/limits.ts";
import { isIpLiteral } from "../lib/networks.ts";
import { bearerToken, constantTimeEqual } from "../lib/secrets.ts";
import type { ConnInfo } from "../runtime/mod.ts";
import { errorResponse } from "./errors.ts";

export interface AdminGuardOptions {
  readonly adminToken: string | undefined;
  /** `server.allowed_hosts`, lower case. */
  readonly allowedHosts: readonly string[];
  /** This machine's host name, from the runtime. */
  readonly hostName?: string | undefined;
}

/** Undefined when the request may change Nexus; otherwise the refusal to send. */
export function checkAdminRequest(c: Context, options: AdminGuardOptions): Response | undefined {
  const request = c.req.raw;
  const host = request.headers.get("host");
  if (host !== null && !isAllowedHost(hostName(host), options)) {
    return errorResponse(
      "forbidden",
      `Admin changes must be addressed to this machine by IP address, localhost or its host name, not "${
        boundText(host, 100)
      }" (list the name in server.allowed_hosts if it is this Nexus)`,
    );
  }
  const origin = request.headers.get("origin");
  if (origin !== null && !isOwnOrigin(origin, host)) {
    return errorResponse(
      "forbidden",
      `Admin changes are not accepted from pages of another origin (Origin: ${
        boundText(origin, 100)
      })`,
    );
  }
  if (request.method === "POST" && !isJson(request.headers.get("content-type"))) {
    return errorResponse(
      "unsupported_media_type",
      "Admin changes need Content-Type: application/json",
    );
  }
  return checkCaller(c, options.adminToken);
}

/**
 * Only who the caller is — a loopback peer, or the admin token (Bearer in any case, compared in
 * constant time) — for reads that admins may see; changes go through `checkAdminRequest`.
 */
export function checkAdmin(c: Context, token: string | undefined): Response | undefined {
  return checkCaller(c, token);
}

function checkCaller(c: Context, token: string | undefined): Response | undefined {
  const peer = (c.env as ConnInfo | undefined)?.remoteAddress ?? "";
  if (isLoopback(peer)) return undefined;
  if (token === undefined) {
    return errorResponse(
      "forbidden",
      "Backend changes are accepted only from this machine; set server.admin_token to allow remote changes",
    );
  }
  const presented = bearerToken(c.req.header("authorization"));
  if (presented === undefined || !constantTimeEqual(presented, token)) {
    return errorResponse(
      "unauthorized",
      "Missing or wrong admin token (Authorization: Bearer <token>)",
    );
  }
  return undefined;
}

export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** The host name of a Host header value, without port, brackets or a trailing dot. */
function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    return end === -1 ? value.slice(1) : value.slice(1, end);
  }
  return value.replace(/:\d*$/, "").replace(/\.$/, "");
}

function isAllowedHost(name: string, options: AdminGuardOptions): boolean {
  if (isIpLiteral(name) || name === "localhost" || name.endsWith(".localhost")) return true;
  if (options.allowedHosts.includes(name)) return true;
  const machine = options.hostName?.toLowerCase().replace(/\.$/, "");
  if (!machine) return false;
  const short = machine.split(".")[0]!;
  return name === machine || name === short || name === `${short}.local`;
}

function isOwnOrigin(origin: string, host: string | null): boolean {
  if (host === null) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") &&
      url.host === new URL(`http://${host}`).host;
  } catch {
    return false; // "null" (a sandboxed page, a file) or garbage
  }
}

function isJson(contentType: string | null): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}
