/**
 * The models a listing shows a request let in with a key (keys mode): those the key's `models`
 * globs allow, so a client offers no model that would then answer 403. The key rules
 * (src/api/access.ts) note the key's globs on the request; the listings (`/v1/models`,
 * `/api/tags`, `/api/ps`) read them. A request let in by the admin rules, or with a key without
 * globs, or with auth off, sees every model.
 * @module
 */

type ModelMatcher = (model: string) => boolean;

const SCOPES = new WeakMap<Request, ModelMatcher>();

/** The key that let `request` in may use only the models `allows` accepts. */
export function scopeModels(request: Request, allows: ModelMatcher): void {
  SCOPES.set(request, allows);
}

/**
 * `entries` as the request may see them: each entry's model name resolved as a request for it
 * would be (aliases, `:latest`), then checked against the key's globs.
 */
export function visibleModels<T>(
  request: Request,
  entries: T[],
  nameOf: (entry: T) => string,
  resolve: (model: string) => string,
): T[] {
  const allows = SCOPES.get(request);
  if (allows === undefined) return entries;
  return entries.filter((entry) => allows(resolve(nameOf(entry))));
}
