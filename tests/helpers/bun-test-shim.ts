/**
 * Deno-only stand-in for `bun:test` (mapped in deno.json), so the same test files run under
 * `deno test`. Covers describe/test/it/expect and the hooks; bun-only APIs (mock, spyOn,
 * snapshots) are not used in shared tests.
 */
import { after, afterEach, before, beforeEach, describe, it, test } from "node:test";
export { expect } from "expect";
export { afterEach, beforeEach, describe, it, test };
type Hook = () => unknown;
/** bun:test takes a hook's timeout (ms) as the second argument; node:test as `{ timeout }`. */
export const beforeAll = (fn: Hook, timeout?: number) =>
  before(fn, timeout === undefined ? undefined : { timeout });
export const afterAll = (fn: Hook, timeout?: number) =>
  after(fn, timeout === undefined ? undefined : { timeout });
