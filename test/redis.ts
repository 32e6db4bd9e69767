// A real Redis for the queued-sweep tests: Debian's redis-server (7.0; .ci/run installs it),
// started on a free loopback port with no persistence in a temporary directory, stopped by
// PID. Never a mock.
//
// describeWithRedis() skips its tests with a printed reason when redis-server is missing;
// GTS_REQUIRE_GO=1 (set by .ci/run, as for the Go toolchains) turns the skip into a failure.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';

export const REDIS_SERVER = process.env.GTS_REDIS_SERVER ?? '/usr/bin/redis-server';
const REQUIRE = process.env.GTS_REQUIRE_GO === '1';

/** describe() for tests that need redis-server: skipped with a printed reason when it is not
 *  installed, a failing test instead when GTS_REQUIRE_GO=1. */
export function describeWithRedis(name: string, body: () => void): void {
  if (existsSync(REDIS_SERVER)) {
    describe(name, body);
    return;
  }
  if (REQUIRE) {
    describe(name, () => {
      it('needs redis-server (GTS_REQUIRE_GO=1)', () => {
        throw new Error(`${REDIS_SERVER} is missing: install Debian's redis-server (see .ci/run)`);
      });
    });
    return;
  }
  console.warn(`[gotracesim] skipped, no ${REDIS_SERVER}: ${name}`);
  describe.skip(`${name} [no redis-server: skipped]`, body);
}

/** A port nobody listens on now: bound to 127.0.0.1:0, read, released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Whether a Redis answers PING on the port. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean) => {
      c.destroy();
      resolve(ok);
    };
    c.setTimeout(1000, () => done(false));
    c.once('error', () => done(false));
    c.once('connect', () => c.write('PING\r\n'));
    c.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export class RedisServer {
  private proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'gts-redis-')));
    await r.up();
    return r;
  }

  /** redis://127.0.0.1:PORT/DB */
  url(db = 0): string {
    return `redis://127.0.0.1:${this.port}/${db}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Start (again, on the same port, empty: nothing is persisted). */
  async up(): Promise<void> {
    if (this.proc) throw new Error('redis-server is running');
    const p = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'inherit'] });
    live.add(p);
    p.once('exit', () => live.delete(p));
    this.proc = p;
    for (let i = 0; i < 200; i++) {
      if (p.exitCode !== null) throw new Error(`redis-server exited with code ${p.exitCode}`);
      if (await pong(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on port ${this.port}`);
  }

  /** Stop it by its PID (SIGTERM: a clean stop; SIGKILL: a crash) and wait for the exit. */
  async down(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      process.kill(p.pid!, signal);
      await exited;
    }
  }

  async stop(): Promise<void> {
    await this.down('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
