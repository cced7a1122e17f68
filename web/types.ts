/**
 * The shapes the dashboard reads: the public JSON APIs (`/v1/backends`, `/v1/models`,
 * `/v1/route`) and the events stream (`/ui/events`, docs/api.md).
 */

export type AdminMode = "local" | "token" | "off";

export interface Backend {
  name: string;
  url: string;
  type: string;
  status: string;
  source: string;
  priority: number;
  pending: number;
  slots: number | null;
  slots_in_use: number;
  requests: number;
  errors: number;
  latency_ms: number | null;
  last_error: string | null;
  last_check: string | null;
  models: string[];
  /** Circuit breaker: closed, open (no traffic while it cools down), half_open (one trial). */
  breaker?: "closed" | "open" | "half_open";
  /** Wake-on-LAN settings, when it has them. */
  wake?: { mac: string; broadcast: string; port: number; timeout_seconds: number } | null;
  /** Wall ms of the last status change (events stream only). */
  status_since: number | null;
}

export interface Model {
  id: string;
  backends: string[];
  context_length: number | null;
  loaded_on: string[];
  capabilities: { vision: boolean; tools: boolean; json_mode: boolean; embeddings: boolean };
  alias_of?: string;
  /** Asleep backends that list it (a request wakes one when nothing else serves it). */
  asleep_on?: string[];
  /** Only asleep backends list it. */
  status?: "asleep";
}

export type Phase = "received" | "waking" | "queued" | "sent" | "streaming";

export interface Live {
  id: string;
  endpoint: string;
  model: string | null;
  served_model: string | null;
  backend: string | null;
  phase: Phase;
  stream: boolean;
  priority: string;
  elapsed_ms: number;
}

export interface Completed {
  seq: number;
  id: string;
  at: number;
  endpoint: string;
  stream: boolean;
  model: string | null;
  served_model: string | null;
  backend: string | null;
  status: number;
  error: string | null;
  message: string | null;
  route_reason: string | null;
  attempts: { backend: string; kind: string; message: string }[];
  queue_ms: number;
  sent_ms: number;
  ttft_ms: number | null;
  duration_ms: number;
  tokens_in: number | null;
  tokens_out: number | null;
  end: string | null;
}

export interface BackendPoint {
  ttft_p50: number | null;
  ttft_p95: number | null;
  tokens_out: number;
  requests: number;
}

export interface Point {
  t: number;
  seconds: number;
  ok: number;
  client_error: number;
  server_error: number;
  queue_max: number;
  backends: Record<string, BackendPoint>;
}

export interface Fleet {
  backends: Backend[];
  queue: { waiting: number; depth: Record<string, number> };
}

export interface RequestsDelta {
  now: number;
  in_flight_count: number;
  in_flight: Live[];
  completed: Completed[];
}

export interface Snapshot {
  version: string;
  started_at: number;
  now: number;
  admin: AdminMode;
  limits: { recent: number; minutes: number; in_flight: number };
  routing: { aliases: Record<string, string>; fallbacks: Record<string, string[]> };
  fleet: Fleet;
  models: Model[];
  requests: RequestsDelta;
  series: Point[];
}

/** GET /v1/route?model=M (the parts the dashboard shows). */
export interface RouteExplanation {
  requested: string;
  model: string;
  alias_path: string[];
  strategy: string;
  max_attempts: number;
  candidates: {
    backend: string;
    model: string;
    fallback: boolean;
    score: number;
    components: Record<string, number>;
    pending: number;
    latency_ms: number | null;
    status: string;
    loaded: boolean | null;
    load_cost: number;
  }[];
  excluded: { backend: string; model: string; reason: string }[];
  fallbacks: { name: string; model: string; outcome: string }[];
  decision: { ok: boolean; backend?: string; model?: string; message?: string; code?: string };
}
