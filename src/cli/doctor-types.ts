/**
 * What `nexus doctor` knows of a backend and a model (as the running Nexus lists them), and what
 * every per-backend check is given.
 * @module
 */
import type { FetchFn } from "../backends/mod.ts";
import type { BackendRow } from "./backends.ts";

/** A backend as `GET /v1/backends` lists it, with the fields doctor reads. */
export interface DoctorBackend extends BackendRow {
  readonly wake?: { mac: string } | null;
}

/** What /v1/models says about one model (the fields doctor reads). */
export interface DoctorModel {
  readonly id: string;
  readonly backends: readonly string[];
  readonly context_length: number | null;
  readonly capabilities: { readonly embeddings: boolean | null; readonly tools: boolean | null };
  readonly alias_of?: string;
}

/** What each check of one backend is given. */
export interface BackendCheckOptions {
  readonly fetch: FetchFn;
  /** The type the config file gives it (static backends), when there is one. */
  readonly configuredType?: string;
  readonly models: readonly DoctorModel[];
  /** The API key its `api_key_env` names, when this machine has it. */
  readonly apiKey?: string;
  readonly chat: boolean;
  readonly tools: boolean;
  readonly timeoutMs: number;
  /** Wall-clock ms now (clock skew). */
  readonly now: () => number;
}
