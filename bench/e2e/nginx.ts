/**
 * nginx (the Debian package, /usr/sbin/nginx) as a reverse proxy in front of the mocks: the C
 * floor of a proxy on this machine. Run as the current user with a generated config in a temp
 * folder: one process (`master_process off`, so its pid is the one doing the work and its CPU
 * time is measurable like any gateway's), keep-alive connections to every upstream,
 * `proxy_buffering off` so streamed events are relayed as they arrive, request bodies kept in
 * memory, and no access log (the bare pass-through does not log either; Nexus's own request log
 * is part of its figures).
 *
 * nginx cannot read a model from a JSON body, so each mock has a path prefix:
 * `/bench-fast/v1/chat/completions` goes to the mock serving `bench-fast` as `/v1/chat/completions`.
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { spawnProc } from "./procs.ts";
import { TMP } from "./paths.ts";

export const NGINX = "/usr/sbin/nginx";

export function nginxAvailable(): boolean {
  return existsSync(NGINX);
}

export interface NginxUpstream {
  /** The path prefix (without slashes) that selects this upstream. */
  readonly prefix: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
}

export function nginxConfig(dir: string, port: number, upstreams: readonly NginxUpstream[]) {
  const blocks = upstreams.map((u, i) => {
    const hostPort = u.url.replace(/^http:\/\//, "");
    return {
      upstream: `  upstream u${i} {\n    server ${hostPort};\n    keepalive 256;\n  }\n`,
      location: `    location /${u.prefix}/ {\n      proxy_pass http://u${i}/;\n    }\n`,
    };
  });
  return `# Written by bench/e2e/nginx.ts for one benchmark run.
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
  worker_connections 16384;
}
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 64m;
  client_body_buffer_size 8m;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_buffering off;
  proxy_read_timeout 300s;
${blocks.map((b) => b.upstream).join("")}  server {
    listen 127.0.0.1:${port} backlog=4096;
${blocks.map((b) => b.location).join("")}  }
}
`;
}

/** Starts nginx on `port` (a free one the caller picked); resolves once it accepts connections. */
export async function startNginx(
  port: number,
  upstreams: readonly NginxUpstream[],
  cpu: number,
) {
  const dir = `${TMP}nginx`;
  mkdirSync(dir, { recursive: true });
  const config = `${dir}/nginx.conf`;
  writeFileSync(config, nginxConfig(dir, port, upstreams));
  // -e: the compiled-in error log (/var/log/nginx) is not writable by this user.
  const proc = spawnProc("nginx", NGINX, ["-p", dir, "-e", `${dir}/error.log`, "-c", config], {
    cpu,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 10_000;
  for (;;) {
    const ok = await fetch(`${url}/`).then((r) => (r.body?.cancel(), true), () => false);
    if (ok) break;
    if (performance.now() > deadline) {
      throw new Error(`nginx did not start:\n${proc.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { proc, url };
}
