// Helpers for tests that need `gotracesim serve`: start it as a child process (node --import
// tsx bindings/cli.ts serve ... --port 0) on a free loopback port, read the URL it prints,
// stop it by its PID with SIGINT; a small HTTP GET.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bindings', 'cli.ts');
export const serveNode = (args: string[]) => [process.execPath, ['--import', 'tsx', CLI, ...args]] as const;

/** Start `gotracesim serve ARGS`; resolves with the child and the URL it printed. */
export function startServe(args: string[]): Promise<{ child: ChildProcess; url: string; base: string; out: () => string }> {
  const [cmd, argv] = serveNode(['serve', ...args, '--port', '0']);
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (err += b));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print a URL: ${out} ${err}`)), 30_000);
    const check = () => {
      const m = /gotracesim serve: (http:\/\/127\.0\.0\.1:(\d+)\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], base: `http://127.0.0.1:${m[2]}`, out: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

/** Stop a server started above by its PID; resolves with its exit code. */
export function stopServe(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    process.kill(child.pid!, 'SIGINT');
  });
}

export function get(url: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

