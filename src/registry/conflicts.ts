/**
 * Backend names and URLs are unique in the registry: the checks `add`, `update` and
 * `reconfigure` run before changing anything, and the error a clash throws.
 * @module
 */
import { NexusError } from "../lib/errors.ts";
import type { Backend, BackendSpec } from "./types.ts";

export class RegistryConflictError extends NexusError {
  override name = "RegistryConflictError";
  constructor(message: string) {
    super("E_REGISTRY_CONFLICT", message);
  }
}

export function findByUrl(backends: Iterable<Backend>, url: string): Backend | undefined {
  for (const backend of backends) if (backend.url === url) return backend;
  return undefined;
}

/** Throws when a backend with `spec`'s name or URL exists already. */
export function checkNewBackend(backends: ReadonlyMap<string, Backend>, spec: BackendSpec): void {
  if (backends.has(spec.name)) {
    throw new RegistryConflictError(`A backend named "${spec.name}" already exists`);
  }
  const sameUrl = findByUrl(backends.values(), spec.url);
  if (sameUrl) {
    throw new RegistryConflictError(`Backend "${sameUrl.name}" already has URL ${spec.url}`);
  }
}

/** Throws when `backend` moving to `url` would share it with another backend. */
export function checkNewUrl(backends: Iterable<Backend>, backend: Backend, url: string): void {
  if (url === backend.url) return;
  const other = findByUrl(backends, url);
  if (other) throw new RegistryConflictError(`Backend "${other.name}" already has URL ${url}`);
}
