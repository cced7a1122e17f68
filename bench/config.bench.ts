/**
 * Config load cost: TOML parse + layering + zod validation of the full example file.
 * Run: `bun bench/config.bench.ts`. `npm test` runs every bench file once as a smoke check.
 */
import { bench, run } from "mitata";
import { parse } from "smol-toml";
import { validateConfig } from "../src/config/mod.ts";
import { FULL_TEMPLATE } from "../src/config/template.ts";

const withBackends = FULL_TEMPLATE + Array.from(
  { length: 50 },
  (_, i) => `\n[[backends]]\nname = "b${i}"\nurl = "http://10.0.0.${i}:11434"\ntype = "ollama"\n`,
).join("");

bench(
  "parse + validate nexus.example.toml",
  () => validateConfig(parse(FULL_TEMPLATE) as Record<string, unknown>),
);
bench(
  "parse + validate with 50 backends",
  () => validateConfig(parse(withBackends) as Record<string, unknown>),
);

await run({ colors: false });
