// nginx as a real third-party server inside a lab namespace: its own config, pid, logs and temp
// paths in a temp dir, listening on the lab's target address only. Started in the foreground
// (`daemon off`) so the test owns the process and kills it in teardown.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../../src/lab/index.js';

export interface Nginx {
  port: number;
  dir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function nginxConfig(dir: string, addr: string, port: number): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen ${addr}:${port};
    location / { default_type text/plain; return 200 "tcpfsm remote-mode test page\\n"; }
  }
}
`;
}

/** Start nginx in the lab's namespace; resolves once it accepts connections on addr:port. */
export async function startNginx(lab: Lab, port = 8080): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpfsm-nginx-'));
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, lab.target.ipv4, port));
  const child = spawn(
    'ip',
    ['netns', 'exec', lab.namespace, 'nginx', '-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr.trim()}`);
    const listening = (await lab.sockets({ localPort: port })).some((s) => s.state === 'LISTEN');
    if (listening) break;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${lab.target.ipv4}:${port} within 10 s: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dir,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // the master stops its workers (fast shutdown)
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
