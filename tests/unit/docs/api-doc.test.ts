/** docs/api.md tells the truth: its failure table is the one Nexus answers with. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { failureTable } from "../../../scripts/failure-table.ts";

const API_DOC = readFileSync(new URL("../../../docs/api.md", import.meta.url).pathname, "utf8");

describe("docs/api.md", () => {
  test("has the failure table of src/lib/failures.ts (regenerate: bun scripts/failure-table.ts)", () => {
    expect(API_DOC).toContain(failureTable());
  });
});
