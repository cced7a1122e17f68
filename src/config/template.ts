/**
 * The commented `nexus.toml` that `nexus config init` writes. Every uncommented value equals
 * the schema default, so the file loads back to exactly the defaults (a test checks it).
 * Kept as string constants so the single binary carries no asset files.
 * @module
 */

export const FULL_TEMPLATE = `# Nexus configuration.
# Precedence: command-line flags > environment (NEXUS_*) > this file > built-in defaults.
# Every value below is the default; change what you need and delete the rest if you like.

[server]
host = "0.0.0.0"                  # NEXUS_HOST, --host
port = 8000                       # NEXUS_PORT, --port
# ollama_port = 11434             # also serve the Ollama API here (NEXUS_OLLAMA_PORT,
                                  # --ollama-port): clients set up for Ollama need no change
max_body_bytes = 10485760         # requests above this get 413 (10 MiB)
request_timeout_seconds = 300     # whole request, stream included
body_timeout_seconds = 30         # receiving the request body (a slower upload gets 408)
connect_timeout_seconds = 5       # TCP connect to a backend
first_byte_timeout_seconds = 300  # response headers / first token: covers a cold model load
idle_timeout_seconds = 60         # longest silence between stream chunks
sse_keepalive_seconds = 15        # ": keep-alive" comments while a stream waits (0 = off)
shutdown_timeout_seconds = 30     # how long SIGTERM waits for in-flight requests
max_response_bytes = 67108864     # largest whole answer read from a backend (64 MiB; probes
                                  # read at most 8 MiB); past it the backend counts as failed
max_models_per_backend = 10000    # a longer model list is cut, with a warning
max_inflight_body_bytes = 268435456  # request bodies held at once (256 MiB); past it 503
allowed_hosts = []                # host names admin changes may be sent to, besides IP
                                  # addresses, localhost and this machine's name
# admin_token = "change-me"       # required as "Authorization: Bearer ..." for POST/DELETE
                                  # /v1/backends from non-loopback clients; set it too when
                                  # a reverse proxy on this machine fronts Nexus
cors_origins = []                 # browser origins that may call the inference routes, e.g.
                                  # ["http://chat.lan:3000"], or "*" for any (empty = no CORS)
watch_config = true               # reload this file when it changes (SIGHUP, nexus reload too)
# state_file = "nexus.state.json" # backends added at run time (nexus backends add), kept across
                                  # restarts; default: beside this file

[discovery]
enabled = true                    # mDNS; NEXUS_DISCOVERY, --no-discovery
service_types = ["_ollama._tcp.local", "_llm._tcp.local"]
grace_period_seconds = 60         # a vanished server is removed after this long
# allowed_networks = ["192.168.1.0/24"]  # announced addresses accepted; default: the private
                                  # and loopback networks of this host (never link-local)

[health_check]
enabled = true                    # NEXUS_HEALTH_CHECK, --no-health-check
interval_seconds = 30
timeout_seconds = 5
failure_threshold = 3             # consecutive failures before a backend is unhealthy
recovery_threshold = 2            # consecutive successes before it is healthy again
breaker_failures = 5              # failed requests among a backend's last breaker_window ...
breaker_window = 10               # ... open its circuit breaker: no traffic for
breaker_cooldown_seconds = 30     # this long, then one trial request

[routing]
strategy = "smart"                # smart | round_robin | priority_only | random
max_retries = 2                   # extra backends tried when one fails before the first byte

[routing.weights]                 # smart strategy; must sum to 100
priority = 50
load = 30
latency = 20

[routing.aliases]                 # a name clients use = the model that serves it (max 3 hops)
# "gpt-4" = "llama3:70b"
# "gpt-4o-mini" = "llama3:8b"
# "claude-sonnet-*" = "qwen2.5-coder:32b"   # a trailing * matches every name with that prefix:
# "claude-opus-*" = "qwen2.5-coder:32b"     # Claude Code asks for claude-* models (the longest
# "claude-3-5-haiku-*" = "qwen2.5-coder:7b" # prefix wins; a name a backend serves always wins)

[routing.fallbacks]               # tried in order when a model has no usable backend
# "llama3:70b" = ["qwen2.5:32b", "mistral:7b"]

[queue]                           # requests wait here when every backend that could serve them is full
max_size = 100                    # more waiting requests get 429 with Retry-After
max_wait_seconds = 60             # a request waiting longer gets 503
spillover_after_ms = 2000         # a warm backend's expected wait beyond which a cold one may load the model

[ui]
enabled = true                    # the web dashboard at /ui (fleet, models, live requests); NEXUS_UI

[auth]
mode = "off"                      # "keys": every inference request needs an API key (nexus keys
                                  # create NAME). "off": anyone who can reach the port may use it
keys_file = "nexus-keys.json"     # key hashes, names and limits (mode 0600); beside this file
metrics = "open"                  # who may read /metrics, /v1/stats, /ui/events: open | key | admin
failures_per_minute = 10          # wrong keys per client address and minute, then 429

[state]                           # several Nexus instances behind one address share limits here
# redis_url = "redis://127.0.0.1:6379"  # keys, rate limits, usage; unset: this process only

[logging]
level = "info"                    # error | warn | info | debug | trace; NEXUS_LOG_LEVEL, --log-level
format = "pretty"                 # pretty | json; NEXUS_LOG_FORMAT

# Static backends. Servers announced over mDNS are found without being listed here.
# type: auto (the default: detected by the first probe) | ollama | vllm | llamacpp | lmstudio
#       | exo | openai | generic
#
# [[backends]]
# name = "gpu-box"                # optional; derived from the URL when absent
# url = "http://192.168.1.10:11434"  # base URL, without /v1
# type = "auto"                   # optional; "auto" detects Ollama, llama.cpp, vLLM, LM Studio
# priority = 10                   # lower is preferred (0-100, default 50)
# max_concurrent = 2              # requests it runs at once (default: what the server says, else no limit)
# wake = { mac = "aa:bb:cc:dd:ee:ff", broadcast = "192.168.1.255" }
#                                 # Wake-on-LAN: asleep when it stops answering; a request for its
#                                 # models wakes it (port = 9, timeout_seconds = 180 by default)
# prefer_wake = false             # wake it even when another backend could serve the model
#
# [[backends]]
# name = "vllm"
# url = "http://192.168.1.11:8000"
# type = "vllm"
# api_key_env = "VLLM_API_KEY"    # sent as a Bearer token; the key itself never goes in this file
# first_byte_timeout_seconds = 600
# anthropic = true                # serves Anthropic's /v1/messages itself (default: asked once)
`;

export const MINIMAL_TEMPLATE =
  `# Nexus configuration (minimal). Run \`nexus config init\` without --minimal for every option.

[server]
host = "0.0.0.0"
port = 8000

# [[backends]]
# url = "http://localhost:11434"  # the type is detected; or type = "ollama", "llamacpp", ...
`;
