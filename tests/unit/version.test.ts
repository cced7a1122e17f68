import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { VERSION } from "../../src/version.ts";

test("VERSION matches package.json", () => {
  const pkg = JSON.parse(
    readFileSync(new URL("../../package.json", import.meta.url).pathname, "utf8"),
  );
  expect(VERSION).toBe(pkg.version);
});
