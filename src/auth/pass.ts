/**
 * What the exchange holds for a request under a key. `KeyUse` is told how the request ended
 * (the metrics observer knows its usage); a `KeyPass` is also a started request that holds
 * limit charges until `release`. The charges are settled once both have happened — the usage
 * reported and the request over — in whichever order they come.
 * @module
 */
import type { AdmitRequest, LimitStore } from "../state/mod.ts";

export interface UseOutcome {
  /** The model that served, else the one asked for. */
  readonly model: string | undefined;
  readonly promptTokens: number | undefined;
  readonly completionTokens: number | undefined;
  readonly failed: boolean;
}

export interface KeyUse {
  /** The key's name (logs, metrics, usage); never the key. */
  readonly name: string;
  /** How the request ended; once. */
  settle(outcome: UseOutcome): void;
}

export interface KeyPass extends KeyUse {
  /** `x-ratelimit-*` for every response of the request. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request is over (its last byte sent, or it failed): frees its concurrency slot. */
  release(): void;
}

export type RecordUse = (name: string, outcome: UseOutcome) => void;

/** A request that never started (refused by a limit, or a model the key may not use). */
export class RefusedUse implements KeyUse {
  #settled = false;
  constructor(readonly name: string, private readonly recordUse: RecordUse) {}

  settle(outcome: UseOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.recordUse(this.name, { ...outcome, failed: true });
  }
}

export class AdmittedPass implements KeyPass {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly #request: AdmitRequest;
  /** The store's lease slot (`Decision.held`), given back with the settlement. */
  readonly #held: number | undefined;
  readonly #limits: LimitStore;
  readonly #recordUse: RecordUse;
  #tokens: number | undefined;
  #settled = false;
  #released = false;

  constructor(
    request: AdmitRequest,
    held: number | undefined,
    headers: Readonly<Record<string, string>>,
    limits: LimitStore,
    recordUse: RecordUse,
  ) {
    this.name = request.name;
    this.headers = headers;
    this.#request = request;
    this.#held = held;
    this.#limits = limits;
    this.#recordUse = recordUse;
  }

  settle(outcome: UseOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    const { promptTokens, completionTokens } = outcome;
    this.#tokens = promptTokens === undefined && completionTokens === undefined
      ? undefined
      : (promptTokens ?? 0) + (completionTokens ?? 0);
    this.#recordUse(this.name, outcome);
    if (this.#released) this.#end();
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#settled) this.#end();
  }

  #end(): void {
    this.#limits.end({ request: this.#request, tokens: this.#tokens, held: this.#held });
  }
}
