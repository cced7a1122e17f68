/**
 * The suite-wide secrets scan (scripts/secrets-scan.ts) and what feeds it: a transcript with a
 * test secret in it is caught, a clean one passes, and a recorded gateway writes its responses.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { scanTranscripts } from "../../../scripts/secrets-scan.ts";
import { recordingHandler, TEST_SECRETS } from "../../helpers/secrets.ts";

const dirs: string[] = [];
const saved = process.env.NEXUS_TEST_TRANSCRIPTS;
afterEach(() => {
  if (saved === undefined) delete process.env.NEXUS_TEST_TRANSCRIPTS;
  else process.env.NEXUS_TEST_TRANSCRIPTS = saved;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nexus-scan-"));
  dirs.push(dir);
  return dir;
}

describe("scanTranscripts", () => {
  test("finds a test secret, naming it and its section, never printing it", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.log"), `--- test gateway\n502 ... ${TEST_SECRETS.backendKey} ...\n`);
    writeFileSync(join(dir, "b.log"), "--- test gateway\nall clean\n");
    const result = scanTranscripts(dir);
    expect(result.files).toBe(2);
    expect(result.leaks).toEqual([{
      file: "a.log",
      secret: "backendKey",
      section: "test gateway",
    }]);
  });

  test("a clean run finds nothing", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.log"), "--- test gateway\nGET /health -> 200\n");
    expect(scanTranscripts(dir).leaks).toEqual([]);
  });
});

describe("recordingHandler", () => {
  test("writes each response (whole or streamed) to the transcript", async () => {
    const dir = tempDir();
    process.env.NEXUS_TEST_TRANSCRIPTS = dir;
    const handler = recordingHandler(
      "unit",
      (request: Request) =>
        new URL(request.url).pathname === "/stream"
          ? new Response(new Blob(["data: streamed-part\n\n"]).stream(), {
            headers: { "content-type": "text/event-stream" },
          })
          : Response.json({ answer: "whole-part" }),
    );
    const whole = await handler(new Request("http://x/whole"), undefined);
    expect(whole.headers.get("content-type")).toContain("application/json");
    expect(await whole.json()).toEqual({ answer: "whole-part" });
    expect(await (await handler(new Request("http://x/stream"), undefined)).text()).toContain(
      "streamed-part",
    );
    const written = scanTranscripts(dir);
    expect(written.files).toBe(1);
    const text = readFileSync(join(dir, readdirSync(dir)[0]!), "utf8");
    expect(text).toContain("whole-part");
    expect(text).toContain("streamed-part");
  });
});
