import { describe, expect, test } from "bun:test";
import { buildConfigSchema, ConfigError, loadConfig } from "../../../src/config/mod.ts";
import { RuntimeFileError } from "../../../src/runtime/mod.ts";
import { createFakeRuntime } from "../../helpers/fake-runtime.ts";

async function load(files: Record<string, string>, env: Record<string, string> = {}, flags = {}) {
  const runtime = createFakeRuntime({ files, env });
  return await loadConfig({ runtime, env, flags });
}

async function loadError(
  files: Record<string, string>,
  env: Record<string, string> = {},
  flags = {},
) {
  try {
    await load(files, env, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected loadConfig to fail");
}

describe("loadConfig()", () => {
  test("runs on exactly the schema defaults when ./nexus.toml is absent", async () => {
    const loaded = await load({});
    expect(loaded.path).toBeUndefined();
    expect(loaded.config).toEqual(buildConfigSchema().parse({}));
    expect(loaded.config.server.port).toBe(8000);
    expect(loaded.warnings).toEqual([]);
  });

  test("reads ./nexus.toml when it exists", async () => {
    const loaded = await load({ "nexus.toml": "[server]\nport = 9100\n" });
    expect(loaded.path).toBe("nexus.toml");
    expect(loaded.config.server.port).toBe(9100);
  });

  test("applies flags over env over file over defaults", async () => {
    const files = {
      "n.toml":
        '[server]\nport = 1111\nhost = "10.0.0.1"\n[logging]\nlevel = "warn"\nformat = "json"\n',
    };
    const env = { NEXUS_PORT: "2222", NEXUS_LOG_LEVEL: "debug" };
    const { config } = await load(files, env, { config: "n.toml", port: "3333" });
    expect(config.server.port).toBe(3333);
    expect(config.logging.level).toBe("debug");
    expect(config.server.host).toBe("10.0.0.1");
    expect(config.logging.format).toBe("json");
    expect(config.server.max_body_bytes).toBe(10 * 1024 * 1024);
  });

  test("finds the file named by NEXUS_CONFIG, and -c overrides it", async () => {
    const files = { "a.toml": "[server]\nport = 1\n", "b.toml": "[server]\nport = 2\n" };
    expect((await load(files, { NEXUS_CONFIG: "a.toml" })).config.server.port).toBe(1);
    expect((await load(files, { NEXUS_CONFIG: "a.toml" }, { config: "b.toml" })).config.server.port)
      .toBe(2);
  });

  test("fails when a file named with -c does not exist", async () => {
    const error = await loadError({}, {}, { config: "missing.toml" });
    expect(error.code).toBe("E_CONFIG_NOT_FOUND");
    expect(error.message).toBe('Cannot load config "missing.toml": file not found');
  });

  test("fails when the file named by NEXUS_CONFIG does not exist", async () => {
    const error = await loadError({}, { NEXUS_CONFIG: "/etc/nexus/nope.toml" });
    expect(error.message).toBe('Cannot load config "/etc/nexus/nope.toml": file not found');
  });

  test("reports TOML syntax errors with the file, line and column", async () => {
    const error = await loadError({ "nexus.toml": "[server]\nport = = 1\n" });
    expect(error.code).toBe("E_CONFIG_PARSE");
    expect(error.message).toMatch(/^Cannot parse config "nexus\.toml": line 2, column \d+: /);
  });

  test("warns about unknown keys, naming them, and still loads", async () => {
    const loaded = await load({
      "nexus.toml": "[server]\nprot = 1\nport = 9000\n[nonsense]\nx = 1\n",
    });
    expect(loaded.config.server.port).toBe(9000);
    expect(loaded.warnings).toEqual([
      'unknown key "server.prot" ignored (from nexus.toml)',
      'unknown key "nonsense" ignored (from nexus.toml)',
    ]);
  });

  test("an invalid config also names its unknown keys: a misspelt key is often the cause", async () => {
    const error = await loadError({ "nexus.toml": '[[backends]]\nulr = "http://gpu:11434"\n' });
    expect(error.code).toBe("E_CONFIG_INVALID");
    expect(error.message).toBe(
      "Invalid configuration:\n" +
        "  backends[0].url: is required (from nexus.toml)\n" +
        '  unknown key "backends[0].ulr" ignored (from nexus.toml)',
    );
  });

  test("warns about a backend url ending in /v1, naming key, value and source", async () => {
    const loaded = await load({
      "nexus.toml":
        '[[backends]]\nurl = "http://ok:11434"\n[[backends]]\nurl = "http://vllm:8000/v1/"\n',
    });
    expect(loaded.config.backends[1]!.url).toBe("http://vllm:8000/v1");
    expect(loaded.warnings).toEqual([
      'backends[1].url "http://vllm:8000/v1" ends in /v1: drop /v1: Nexus adds it (from nexus.toml)',
    ]);
  });

  test("takes durations up to the longest a timer can wait (2^31 - 1 ms), 0 where it turns one off", async () => {
    const { config } = await load({
      "nexus.toml": "[server]\nrequest_timeout_seconds = 2147483\nsse_keepalive_seconds = 0\n" +
        "[queue]\nspillover_after_ms = 2147483647\n",
    });
    expect(config.server.request_timeout_seconds).toBe(2147483);
    expect(config.server.sse_keepalive_seconds).toBe(0);
    expect(config.queue.spillover_after_ms).toBe(2147483647);
  });

  test("freezes the result", async () => {
    const { config } = await load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  test("derives backend names from URLs and trims trailing slashes", async () => {
    const { config } = await load({
      "nexus.toml":
        '[[backends]]\nurl = "http://gpu-box:11434/"\ntype = "ollama"\n[[backends]]\nname = "b"\nurl = "https://api.example"\n',
    });
    expect(config.backends.map((b) => [b.name, b.url, b.type, b.priority])).toEqual([
      ["gpu-box-11434", "http://gpu-box:11434", "ollama", 50],
      ["b", "https://api.example", "auto", 50],
    ]);
  });
});

describe("config validation errors", () => {
  const cases: Array<
    [string, Record<string, string>, Record<string, string>, Record<string, string>, string]
  > = [
    [
      "an unknown strategy",
      { "nexus.toml": '[routing]\nstrategy = "fastest"\n' },
      {},
      {},
      'routing.strategy: expected one of smart|round_robin|priority_only|random, got "fastest" (from nexus.toml)',
    ],
    [
      "a non-numeric port from env",
      {},
      { NEXUS_PORT: "http" },
      {},
      'server.port: expected a number, got "http" (from env NEXUS_PORT)',
    ],
    [
      "a port out of range from a flag",
      {},
      {},
      { port: "70000" },
      "server.port: must be <= 65535, got 70000 (from flag --port)",
    ],
    [
      "a fractional port",
      { "nexus.toml": "[server]\nport = 80.5\n" },
      {},
      {},
      "server.port: expected an integer, got 80.5 (from nexus.toml)",
    ],
    [
      "a bad boolean in env",
      {},
      { NEXUS_HEALTH_CHECK: "yes please" },
      {},
      'health_check.enabled: expected true or false, got "yes please" (from env NEXUS_HEALTH_CHECK)',
    ],
    [
      "an unknown log level",
      {},
      {},
      { "log-level": "loud" },
      'logging.level: expected one of error|warn|info|debug|trace, got "loud" (from flag --log-level)',
    ],
    [
      "an unknown log format",
      {},
      { NEXUS_LOG_FORMAT: "xml" },
      {},
      'logging.format: expected one of pretty|json, got "xml" (from env NEXUS_LOG_FORMAT)',
    ],
    [
      "an empty host",
      {},
      {},
      { host: "" },
      'server.host: must not be empty, got "" (from flag --host)',
    ],
    [
      "weights that do not sum to 100",
      { "nexus.toml": "[routing.weights]\npriority = 60\n" },
      {},
      {},
      "routing.weights: must sum to 100, got 60+30+20=110 (from nexus.toml)",
    ],
    [
      "a negative weight",
      { "nexus.toml": "[routing.weights]\nload = -10\npriority = 90\n" },
      {},
      {},
      "routing.weights.load: must be >= 0, got -10 (from nexus.toml)",
    ],
    [
      "an alias cycle",
      { "nexus.toml": '[routing.aliases]\na = "b"\nb = "c"\nc = "a"\n' },
      {},
      {},
      "routing.aliases: alias cycle: a -> b -> c -> a (from nexus.toml)",
    ],
    [
      "a self alias",
      { "nexus.toml": '[routing.aliases]\n"gpt-4" = "gpt-4"\n' },
      {},
      {},
      "routing.aliases: alias cycle: gpt-4 -> gpt-4 (from nexus.toml)",
    ],
    [
      "an alias chain over 3 hops",
      { "nexus.toml": '[routing.aliases]\na = "b"\nb = "c"\nc = "d"\nd = "e"\n' },
      {},
      {},
      "routing.aliases: alias chain longer than 3 hops: a -> b -> c -> d -> e (from nexus.toml)",
    ],
    [
      "a wildcard inside an alias name",
      { "nexus.toml": '[routing.aliases]\n"claude-*-sonnet" = "qwen"\n' },
      {},
      {},
      'routing.aliases: alias "claude-*-sonnet": a "*" may only end the name, as in "claude-sonnet-*" (from nexus.toml)',
    ],
    [
      "a wildcard alias target",
      { "nexus.toml": '[routing.aliases]\n"claude-*" = "qwen*"\n' },
      {},
      {},
      'routing.aliases: alias "claude-*" = "qwen*": the target must be one model name, without "*" (from nexus.toml)',
    ],
    [
      "a fallback that is not a list",
      { "nexus.toml": '[routing.fallbacks]\na = "b"\n' },
      {},
      {},
      'routing.fallbacks.a: expected an array, got "b" (from nexus.toml)',
    ],
    [
      "a backend without url",
      { "nexus.toml": '[[backends]]\nname = "x"\n' },
      {},
      {},
      "backends[0].url: is required (from nexus.toml)",
    ],
    [
      "a backend with a non-http url",
      { "nexus.toml": '[[backends]]\nurl = "ftp://x"\n' },
      {},
      {},
      'backends[0].url: must be an http:// or https:// URL, got "ftp://x" (from nexus.toml)',
    ],
    [
      "an unknown backend type",
      { "nexus.toml": '[[backends]]\nurl = "http://x"\ntype = "tgi"\n' },
      {},
      {},
      'backends[0].type: expected one of auto|ollama|vllm|llamacpp|lmstudio|exo|openai|generic, got "tgi" (from nexus.toml)',
    ],
    [
      "a priority above 100",
      { "nexus.toml": '[[backends]]\nurl = "http://x"\npriority = 101\n' },
      {},
      {},
      "backends[0].priority: must be <= 100, got 101 (from nexus.toml)",
    ],
    [
      "duplicate backend names",
      {
        "nexus.toml":
          '[[backends]]\nname = "a"\nurl = "http://x"\n[[backends]]\nname = "a"\nurl = "http://y"\n',
      },
      {},
      {},
      'backends[1].name: duplicate backend name "a" (also backends[0]) (from nexus.toml)',
    ],
    [
      "duplicate backend URLs",
      {
        "nexus.toml":
          '[[backends]]\nname = "a"\nurl = "http://x/"\n[[backends]]\nname = "b"\nurl = "http://x"\n',
      },
      {},
      {},
      'backends[1].url: duplicate backend URL "http://x" (also backends[0]) (from nexus.toml)',
    ],
    [
      "a zero timeout",
      { "nexus.toml": "[server]\nconnect_timeout_seconds = 0\n" },
      {},
      {},
      "server.connect_timeout_seconds: must be > 0, got 0 (from nexus.toml)",
    ],
    [
      // Bun's and Deno's setTimeout fire a longer timer at once: every request got 504 in 1 ms.
      "a timeout longer than a timer can wait (30 days)",
      { "nexus.toml": "[server]\nrequest_timeout_seconds = 2592000\n" },
      {},
      {},
      "server.request_timeout_seconds: must be at most 2147483 seconds (24.8 days, the longest a timer can wait), got 2592000 (from nexus.toml)",
    ],
    [
      "a keep-alive interval longer than a timer can wait",
      { "nexus.toml": "[server]\nsse_keepalive_seconds = 1e10\n" },
      {},
      {},
      "server.sse_keepalive_seconds: must be at most 2147483 seconds (24.8 days, the longest a timer can wait), got 10000000000 (from nexus.toml)",
    ],
    [
      "a backend's own first-byte timeout longer than a timer can wait",
      { "nexus.toml": '[[backends]]\nurl = "http://x"\nfirst_byte_timeout_seconds = 3e6\n' },
      {},
      {},
      "backends[0].first_byte_timeout_seconds: must be at most 2147483 seconds (24.8 days, the longest a timer can wait), got 3000000 (from nexus.toml)",
    ],
    [
      "a spillover wait longer than a timer can wait",
      { "nexus.toml": "[queue]\nspillover_after_ms = 2147483648\n" },
      {},
      {},
      "queue.spillover_after_ms: must be at most 2147483647 ms (24.8 days, the longest a timer can wait), got 2147483648 (from nexus.toml)",
    ],
    [
      "a zero failure threshold",
      { "nexus.toml": "[health_check]\nfailure_threshold = 0\n" },
      {},
      {},
      "health_check.failure_threshold: must be >= 1, got 0 (from nexus.toml)",
    ],
    [
      "a discovery service type that is not one",
      { "nexus.toml": '[discovery]\nservice_types = ["_ollama._tcp", "ollama"]\n' },
      {},
      {},
      'discovery.service_types[1]: must look like "_ollama._tcp.local" (mDNS browses .local only), got "ollama" (from nexus.toml)',
    ],
    [
      "cors_origins given as one string",
      { "nexus.toml": '[server]\ncors_origins = "http://webui.lan:8080"\n' },
      {},
      {},
      'server.cors_origins: must be "*" or a list of origins, e.g. ["http://chat.lan:3000"], got "http://webui.lan:8080" (from nexus.toml)',
    ],
    [
      "a section that is not a table",
      { "nexus.toml": 'server = "x"\n' },
      {},
      {},
      'server: expected a table, got "x" (from nexus.toml)',
    ],
  ];

  for (const [what, files, env, flags, line] of cases) {
    test(`names the key, value and source for ${what}`, async () => {
      const error = await loadError(files, env, flags);
      expect(error.code).toBe("E_CONFIG_INVALID");
      expect(error.issues).toContain(line);
      expect(error.message).toContain(line);
    });
  }
});

describe("ConfigError.file: the file a failed load is about (a rejected reload names it)", () => {
  test("a file named and not found", async () => {
    expect((await loadError({}, {}, { config: "missing.toml" })).file).toBe("missing.toml");
  });

  test("a file that does not parse", async () => {
    expect((await loadError({ "n.toml": "port = = 1\n" }, {}, { config: "n.toml" })).file)
      .toBe("n.toml");
  });

  test("a file that cannot be read", async () => {
    const runtime = createFakeRuntime({});
    runtime.readTextFile = (path) => Promise.reject(new RuntimeFileError("denied", path));
    const error = await loadConfig({ runtime, env: {}, flags: { config: "/etc/n.toml" } })
      .then(() => undefined, (error: unknown) => error);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("E_CONFIG_READ");
    expect((error as ConfigError).file).toBe("/etc/n.toml");
  });

  test("a file that is not UTF-8: refused naming it, not loaded with U+FFFD", async () => {
    const runtime = createFakeRuntime({});
    runtime.readTextFile = (path) => Promise.reject(new RuntimeFileError("not_utf8", path));
    const error = await loadConfig({ runtime, env: {}, flags: { config: "/etc/n.toml" } })
      .then(() => undefined, (error: unknown) => error);
    expect((error as ConfigError).code).toBe("E_CONFIG_READ");
    expect((error as ConfigError).message).toBe(
      'Cannot load config "/etc/n.toml": not valid UTF-8 text',
    );
  });

  test("a file whose values are invalid", async () => {
    expect((await loadError({ "nexus.toml": '[server]\nport = "x"\n' })).file)
      .toBe("nexus.toml");
  });

  test("none when no file was read: the environment is at fault", async () => {
    expect((await loadError({}, { NEXUS_PORT: "x" })).file).toBeUndefined();
  });
});

describe("config errors never show a secret", () => {
  // The lines reach the terminal, the service log and a reload's HTTP answer.
  const cases: Array<[string, string, string]> = [
    [
      "an admin_token of the wrong type",
      "[server]\nadmin_token = 987654321\n",
      "server.admin_token: expected a string, got a number (a secret: not shown) (from nexus.toml)",
    ],
    [
      "an admin_token given as a list",
      '[server]\nadmin_token = ["s3cret-token"]\n',
      "server.admin_token: expected a string, got an array (a secret: not shown) (from nexus.toml)",
    ],
    [
      "a redis_url with a password and the wrong scheme",
      '[state]\nredis_url = "http://:s3cret-pw@cache:6379"\n',
      'state.redis_url: must be a "redis://host:port" URL, got "http://***@cache:6379" (from nexus.toml)',
    ],
    [
      "a backend url with a password and the wrong scheme",
      '[[backends]]\nurl = "ftp://me:s3cret-pw@gpu:11434"\n',
      'backends[0].url: must be an http:// or https:// URL, got "ftp://***@gpu:11434" (from nexus.toml)',
    ],
    // A password with a character that must be percent-encoded is why such a URL is wrong.
    [
      "a backend url whose password holds an unescaped /",
      '[[backends]]\nurl = "http://me:s3cret/pw@gpu:11434"\n',
      'backends[0].url: must be an http:// or https:// URL, got "http://***@gpu:11434" (from nexus.toml)',
    ],
    [
      "a redis_url whose password holds a space",
      '[state]\nredis_url = "redis://:s3cret pw@cache:6379"\n',
      'state.redis_url: must be a "redis://host:port" URL, got "redis://***@cache:6379" (from nexus.toml)',
    ],
    [
      "a backend url with a password and no scheme",
      '[[backends]]\nurl = "me:s3cret#pw@gpu:11434"\n',
      'backends[0].url: must be an http:// or https:// URL, got "***@gpu:11434" (from nexus.toml)',
    ],
  ];
  for (const [what, toml, line] of cases) {
    test(what, async () => {
      const error = await loadError({ "nexus.toml": toml });
      expect(error.issues).toEqual([line]);
      expect(error.message).not.toContain("s3cret");
      expect(error.message).not.toContain("987654321");
    });
  }
});
