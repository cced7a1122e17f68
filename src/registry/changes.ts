/**
 * Changing a backend in place (the registry's `update` and `reconfigure`): the same object stays
 * in the model index and keeps its counters, latency and breaker, so requests in flight still
 * settle on it. Only the registry calls these; everyone else goes through its methods.
 * @module
 */
import type { Backend, BackendFeatures, BackendSpec, BackendTypeSetting } from "./types.ts";

/** What may change about a backend while it stays the same backend (mDNS: a new address). */
export interface BackendChanges {
  readonly url?: string;
  readonly type?: BackendTypeSetting;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Everything a config file says about a backend, for a reload (`Registry.reconfigure`). */
export type BackendSettings = Omit<BackendSpec, "name" | "source">;

/** The spec fields a reload replaces (absent in the new settings: unset). */
const SETTING_KEYS = [
  "url",
  "type",
  "priority",
  "api_key_env",
  "forward_client_auth",
  "first_byte_timeout_seconds",
  "max_concurrent",
  "anthropic",
  "metadata",
  "wake",
  "prefer_wake",
  "ephemeral",
] as const satisfies ReadonlyArray<keyof BackendSettings>;

type Mutable = { -readonly [K in keyof BackendSpec]: BackendSpec[K] } & {
  features: BackendFeatures;
};

/** The previous url, type and metadata, for the `updated` event. */
export function snapshotChanges(backend: Backend): BackendChanges {
  return {
    url: backend.url,
    type: backend.type,
    ...(backend.metadata ? { metadata: backend.metadata } : {}),
  };
}

/** Applies url/type/metadata changes; true when something changed. */
export function applyChanges(backend: Backend, changes: BackendChanges): boolean {
  const mutable = backend as unknown as Mutable;
  const before = { url: backend.url, type: backend.type };
  let changed = false;
  if (changes.url !== undefined && changes.url !== backend.url) {
    mutable.url = changes.url;
    changed = true;
  }
  if (changes.type !== undefined && changes.type !== backend.type) {
    mutable.type = changes.type;
    changed = true;
  }
  if (
    changes.metadata !== undefined &&
    JSON.stringify(changes.metadata) !== JSON.stringify(backend.metadata)
  ) {
    mutable.metadata = changes.metadata;
    changed = true;
  }
  forgetFeatures(backend, before);
  return changed;
}

/** Replaces every configurable field with `settings`; returns the names of those that changed. */
export function applySettings(backend: Backend, settings: BackendSettings): string[] {
  const mutable = backend as unknown as Record<string, unknown>;
  const before = { url: backend.url, type: backend.type };
  const changed: string[] = [];
  for (const key of SETTING_KEYS) {
    const next = settings[key];
    if (JSON.stringify(next) === JSON.stringify(backend[key])) continue;
    changed.push(key);
    if (next === undefined) delete mutable[key];
    else mutable[key] = next;
  }
  forgetFeatures(backend, before);
  return changed;
}

/** Another server (or another kind of server) may answer now: what it serves is unknown again. */
function forgetFeatures(backend: Backend, before: { url: string; type: BackendTypeSetting }): void {
  if (backend.url !== before.url || backend.type !== before.type) {
    (backend as unknown as Mutable).features = {};
  }
}
