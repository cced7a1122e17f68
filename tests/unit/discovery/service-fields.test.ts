/** TXT parsing, backend URLs for every type and api_path, service types and backend names. */
import { describe, expect, test } from "bun:test";
import {
  backendTypeFor,
  buildBackendUrl,
  normaliseApiPath,
  parseServiceTxt,
  parseServiceType,
  readTxtStrings,
  sanitiseBackendName,
  uniqueName,
} from "../../../src/discovery/mod.ts";
import { isUsableAddress } from "../../../src/discovery/backend-url.ts";
import { instanceLabel, nameKey } from "../../../src/discovery/names.ts";
import { BACKEND_TYPES } from "../../../src/config/mod.ts";

const txt = (...strings: string[]) => strings.map((s) => new TextEncoder().encode(s));

describe("TXT records", () => {
  test("reads type, api_path and version", () => {
    expect(parseServiceTxt(txt("type=vllm", "api_path=/v1", "version=0.6.3"))).toEqual({
      type: "vllm",
      apiPath: "/v1",
      version: "0.6.3",
    });
  });

  test("keys are case-insensitive and the first occurrence wins (RFC 6763 §6.4)", () => {
    expect(parseServiceTxt(txt("TYPE=ollama", "type=vllm", "Api_Path=/x"))).toEqual({
      type: "ollama",
      apiPath: "/x",
    });
  });

  test("a key without = is a flag; empty keys and strings are skipped", () => {
    expect([...readTxtStrings(txt("gpu", "=v", "", "a=b=c"))]).toEqual([["gpu", ""], ["a", "b=c"]]);
  });

  test("spelling variants of a type are accepted; an unknown type is left out", () => {
    expect(parseServiceTxt(txt("type=llama.cpp")).type).toBe("llamacpp");
    expect(parseServiceTxt(txt("type=LM-Studio")).type).toBe("lmstudio");
    expect(parseServiceTxt(txt("type=Ollama")).type).toBe("ollama");
    expect(parseServiceTxt(txt("type=tgi"))).toEqual({});
  });

  test("a version is kept printable and short", () => {
    expect(parseServiceTxt(txt(`version=1.2\u0000\n${"9".repeat(100)}`)).version).toBe(
      `1.2${"9".repeat(61)}`,
    );
    expect(parseServiceTxt(txt("version= "))).toEqual({});
  });

  test("bytes that are not UTF-8 do not break parsing", () => {
    const bad = [Uint8Array.from([0x74, 0x79, 0x70, 0x65, 0x3d, 0xff, 0xfe]), ...txt("version=1")];
    expect(parseServiceTxt(bad)).toEqual({ version: "1" });
  });
});

describe("backend URLs", () => {
  test("api_path is a prefix without /v1: never /v1/v1", () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, ""],
      ["", ""],
      ["/", ""],
      ["/v1", ""],
      ["v1", ""],
      ["/v1/", ""],
      ["/V1", ""],
      ["/v1/v1", ""],
      ["/llm/v1", "/llm"],
      ["/llm/v1/", "/llm"],
      ["/openai", "/openai"],
      ["//proxy//v1", "/proxy"],
      ["/v1?x=1", ""],
      ["/a b", ""],
      ["/%2e%2e/v1", ""],
      ["/../v1", ""],
    ];
    for (const [raw, expected] of cases) {
      expect([raw, normaliseApiPath(raw, "vllm")]).toEqual([raw, expected]);
    }
  });

  test("Ollama's own /api prefix means the server root", () => {
    expect(normaliseApiPath("/api", "ollama")).toBe("");
    expect(normaliseApiPath("/api", "generic")).toBe("/api");
  });

  test("every type gets the same base URL shape; the proxy appends /v1/chat/completions", () => {
    for (const type of BACKEND_TYPES) {
      const url = buildBackendUrl("10.0.0.5", 8000, normaliseApiPath("/v1", type));
      expect(url).toBe("http://10.0.0.5:8000");
      expect(`${url}/v1/chat/completions`).not.toContain("/v1/v1");
    }
    expect(buildBackendUrl("10.0.0.5", 8080, normaliseApiPath("/llm/v1", "llamacpp"))).toBe(
      "http://10.0.0.5:8080/llm",
    );
  });

  test("IPv6 addresses go in brackets", () => {
    expect(buildBackendUrl("fd00::5", 11434, "")).toBe("http://[fd00::5]:11434");
    expect(new URL(buildBackendUrl("2001:db8::1", 1234, "/x")).host).toBe("[2001:db8::1]:1234");
  });

  test("the type comes from TXT, else from the service type", () => {
    expect(backendTypeFor(["_ollama", "_tcp", "local"], undefined)).toBe("ollama");
    expect(backendTypeFor(["_OLLAMA", "_tcp", "local"], undefined)).toBe("ollama");
    expect(backendTypeFor(["_llm", "_tcp", "local"], undefined)).toBe("generic");
    expect(backendTypeFor(["_llm", "_tcp", "local"], "lmstudio")).toBe("lmstudio");
    expect(backendTypeFor(["_ollama", "_tcp", "local"], "vllm")).toBe("vllm");
  });

  test("addresses a URL cannot use are skipped", () => {
    expect(
      ["10.0.0.5", "192.168.1.2", "127.0.0.1", "fd00::5", "2001:db8::1"].every(isUsableAddress),
    )
      .toBe(true);
    expect(["fe80::1", "FE80::1", "ff02::fb", "::", "0.0.0.0", "224.0.0.251", "255.255.255.255"]
      .some(isUsableAddress)).toBe(false);
  });
});

describe("service types and names", () => {
  test("a missing .local or a trailing dot means the same service type", () => {
    for (
      const text of ["_ollama._tcp", "_ollama._tcp.local", "_ollama._tcp.local.", " _ollama._tcp. "]
    ) {
      expect(parseServiceType(text)).toEqual(["_ollama", "_tcp", "local"]);
    }
  });

  test("an instance label is the first label of a name under the service type", () => {
    const service = parseServiceType("_llm._tcp");
    expect(instanceLabel(["a.b c", "_LLM", "_tcp", "LOCAL"], service)).toBe("a.b c");
    expect(instanceLabel(["_llm", "_tcp", "local"], service)).toBeUndefined();
    expect(instanceLabel(["x", "y", "_llm", "_tcp", "local"], service)).toBeUndefined();
    expect(nameKey(["a.b"])).not.toBe(nameKey(["a", "b"]));
  });

  test("backend names keep [\\w.:-] only", () => {
    expect(sanitiseBackendName("ollama-gpu1")).toBe("ollama-gpu1");
    expect(sanitiseBackendName("My GPU Box (Ollama)")).toBe("My-GPU-Box-Ollama");
    expect(sanitiseBackendName("Küche Mac mini")).toBe("Kuche-Mac-mini");
    expect(sanitiseBackendName("..")).toBe("mdns-backend");
    expect(sanitiseBackendName("  ")).toBe("mdns-backend");
    expect(sanitiseBackendName("a/b\\c@d")).toBe("a-b-c-d");
    expect(sanitiseBackendName("x".repeat(100))).toHaveLength(63);
    expect(sanitiseBackendName("rack:1.gpu_2")).toBe("rack:1.gpu_2");
  });

  test("a clash gets -2, -3 …", () => {
    const taken = new Set(["gpu", "gpu-2"]);
    expect(uniqueName("gpu", (n) => taken.has(n))).toBe("gpu-3");
    expect(uniqueName("cpu", (n) => taken.has(n))).toBe("cpu");
  });
});
