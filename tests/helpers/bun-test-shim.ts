/**
 * Deno-only stand-in for `bun:test` (mapped in deno.json), so the same test files run under
 * `deno test`. Covers describe/test/it/expect and the hooks; bun-only APIs (mock, spyOn,
 * snapshots) are not used in shared tests.
 */
import { after, afterEach, before, beforeEach, describe, it, test } from "node:test";
export { expect } from "expect";
export { afterEach, beforeEach, describe, it, test };
export const beforeAll = before;
export const afterAll = after;
