// Sweeps beyond one machine: `gotracesim sweep GRID --queue redis://…` and `gotracesim worker
// redis://…` processes on a real redis-server (test/redis.ts), whatever happens in between —
// a worker killed by SIGKILL mid-sweep, the sweep itself killed and restarted, Redis stopped
// and restarted (empty), workers stopped by SIGTERM — end with the rows of a local sweep of
// the same grid (wall times aside), each once.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { sweep } from '../bindings/app/sweep.ts';
import { gridHash } from '../bindings/app/sweep-dir.ts';
import { parseGrid } from '../bindings/app/sweep-grid.ts';
import { QUEUE_PREFIX, jobIdPrefix, queueName } from '../bindings/app/queue.ts';
import { RedisServer, describeWithRedis, freePort } from './redis.ts';

const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
const spin = [{ func: 'main.spin', file: '/app/main.go', line: 3 }];
const busy = [{ loop: [{ compute: spin, for: '10us' }] }];
const stuck = [{ loop: [{ labels: { a: 'b' } }] }]; // no progress in virtual time: fails by itself
// 12 runs of a few hundred ms each: long enough to kill things in the middle of one.
const GRID = { base: { duration: '2s', goroutines: [{ name: 'spin', count: 64, program: busy }] }, axes: { gomaxprocs: [4, 8], 'profile.hz': [100, 250] }, seeds: [1, 2, 3] };
const N = 12;
// Runs that fail: by themselves (stuck), and by the workers' --run-timeout (1h of busy).
const FAILING = { base: { gomaxprocs: 8, goroutines: [{ name: 'spin', count: 64, program: busy }] }, axes: { duration: ['10ms', '1h'], 'goroutines.0.program': [busy, stuck] }, seeds: [1] };

const tmp = () => mkdtempSync(join(tmpdir(), 'gts-queue-'));
const rowsOf = (dir: string) =>
  existsSync(join(dir, 'results.jsonl'))
    ? readFileSync(join(dir, 'results.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const r = JSON.parse(l);
          delete r.wall_ms;
          return r;
        })
    : [];
const gridFile = (g: unknown) => {
  const f = join(tmp(), 'grid.json');
  writeFileSync(f, JSON.stringify(g));
  return f;
};

/** A CLI process with its output collected. */
class Proc {
  out = '';
  err = '';
  readonly child: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.err += d));
    this.exit = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
    procs.add(this);
  }
  kill(signal: NodeJS.Signals): void {
    process.kill(this.child.pid!, signal);
  }
}
const procs = new Set<Proc>();

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Job ids a worker's --verbose log says it started / finished (ok or failed) / returned. */
const said = (log: string, what: RegExp) => [...log.matchAll(new RegExp(`^gotracesim: worker: run (\\S+) \\(.*?\\): ${what.source}`, 'gm'))].map((m) => m[1]);
const started = (log: string) => said(log, /started/);
const finished = (log: string) => said(log, /(ok|failed)/);
const inProgress = (log: string) => started(log).filter((id) => !finished(log).includes(id) && !said(log, /returned/).includes(id));

describeWithRedis('queued sweeps on a real Redis', () => {
  let redis: RedisServer;
  let local: unknown[];

  beforeAll(async () => {
    redis = await RedisServer.start();
    const dir = tmp();
    await sweep(GRID, { outDir: dir, jobs: 2, progress: false });
    local = rowsOf(dir);
    expect(local.length).toBe(N);
  }, 120_000);

  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
    await Promise.all([...procs].map((p) => p.exit));
    procs.clear();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  // One thread each. A short stall timeout where a worker is killed (its runs go to another
  // 2-6 s later); elsewhere a long one, so that a busy machine never makes a run look stalled.
  const worker = (url: string, ...more: string[]) => new Proc(['worker', url, '--jobs', '1', '--stall-timeout', '20s', '--verbose', ...more]);
  const ready = (w: Proc) => waitFor('the worker to start', () => w.err.includes('taking runs from'));
  /** The grid's jobs in Redis, by state. */
  async function jobCounts(url: string, grid: unknown) {
    const q = new Queue(queueName(), { connection: { host: '127.0.0.1', port: redis.port, db: Number(url.split('/').pop()) }, prefix: QUEUE_PREFIX });
    try {
      const prefix = jobIdPrefix(gridHash(parseGrid(grid)));
      const counts: Record<string, number> = {};
      for (const state of ['waiting', 'active', 'delayed', 'completed', 'failed'] as const) counts[state] = (await q.getJobs([state])).filter((j) => j.id!.startsWith(prefix)).length;
      return counts;
    } finally {
      await q.close();
    }
  }

  it('2 workers, one killed by SIGKILL mid-sweep: its runs go to the other, each row once, the rows of a local sweep', async () => {
    const url = redis.url(1);
    const out = join(tmp(), 'out');
    const a = worker(url, '--stall-timeout', '2s');
    const b = worker(url, '--stall-timeout', '2s');
    await Promise.all([ready(a), ready(b)]);
    const s = new Proc(['sweep', gridFile(GRID), '--queue', url, '-o', out, '--no-progress']);
    await waitFor('a row written and a run in progress on worker A', () => rowsOf(out).length >= 1 && inProgress(a.err).length > 0);
    a.kill('SIGKILL');
    expect((await a.exit).signal).toBe('SIGKILL');
    const lost = inProgress(a.err); // what A had taken and not finished when it died
    expect(lost.length).toBeGreaterThan(0);
    const r = await s.exit;
    expect([r.code, s.err]).toEqual([0, '']);
    expect(s.out).toMatch(new RegExp(`^gotracesim: sweep .*: ${N} runs \\(0 already done, ${N} run now, 0 failed\\) by 2 queue workers at ${url} → `));
    expect(rowsOf(out)).toEqual(local);
    // BullMQ handed A's stalled runs to B, which ran them.
    for (const id of lost) expect(finished(b.err)).toContain(id);
    expect(new Set([...finished(a.err), ...finished(b.err)]).size).toBe(N);
    // B, idle, stops at once on SIGTERM.
    b.kill('SIGTERM');
    expect((await b.exit).code).toBe(0);
    expect(b.err).toMatch(/SIGTERM: taking no more runs; finishing the 0 in progress .*\ngotracesim: worker: stopped\n$/);
  }, 180_000);

  it('the sweep killed and run again resumes from DIR and the queue: rows that completed meanwhile are collected, not run again', async () => {
    const url = redis.url(2);
    const dir = tmp();
    const f = gridFile(GRID);
    const out = join(dir, 'out');
    const w = worker(url);
    await ready(w);
    // The sweep kills itself (SIGKILL) right after its 3rd row.
    const s1 = new Proc(['sweep', f, '--queue', url, '-o', out, '--no-progress'], { GOTRACESIM_SWEEP_KILL_AFTER: '3' });
    expect((await s1.exit).signal).toBe('SIGKILL');
    expect(rowsOf(out).length).toBe(3);
    // The worker goes on with the queued runs while no sweep collects them.
    await waitFor('two more runs done with no sweep running', () => finished(w.err).length >= 5);
    const s2 = new Proc(['sweep', f, '--queue', url, '-o', out, '--no-progress']);
    const r = await s2.exit;
    expect([r.code, s2.err]).toEqual([0, '']);
    expect(s2.out).toMatch(new RegExp(`: ${N} runs \\(3 already done, ${N - 3} run now, 0 failed\\) by 1 queue worker at `));
    expect(rowsOf(out)).toEqual(local);
    // Each run ran once, and Redis keeps nothing of the grid once its rows are written.
    expect(started(w.err).length).toBe(N);
    expect(new Set(started(w.err)).size).toBe(N);
    expect(await jobCounts(url, GRID)).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    // Run once more: nothing to do, nothing enqueued.
    const s3 = new Proc(['sweep', f, '--queue', url, '-o', out, '--no-progress']);
    expect((await s3.exit).code).toBe(0);
    expect(s3.out).toMatch(new RegExp(`: ${N} runs \\(${N} already done, 0 run now, 0 failed\\)`));
    expect(await jobCounts(url, GRID)).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
  }, 180_000);

  it('Redis stopped mid-sweep and restarted empty: the sweep enqueues the lost runs again and completes; gone for good: a clear error, rows kept', async () => {
    const url = redis.url(3);
    const out = join(tmp(), 'out');
    const w = worker(url);
    await ready(w);
    const s = new Proc(['sweep', gridFile(GRID), '--queue', url, '-o', out, '--no-progress', '--redis-timeout', '2m']);
    await waitFor('2 rows', () => rowsOf(out).length >= 2);
    await redis.down('SIGKILL');
    await waitFor('the sweep to notice', () => s.err.includes('lost Redis'));
    await redis.up(); // same port, no data: every queued job is gone
    const r = await s.exit;
    expect(r.code).toBe(0);
    expect(s.err).toMatch(new RegExp(`^gotracesim: sweep: lost Redis at ${url} \\(.+\\); waiting up to 2m for it$`, 'm'));
    expect(s.err).toMatch(/queued runs? (was|were) missing from .* \(Redis restarted without its data\?\); enqueued again/);
    expect(s.err).toMatch(new RegExp(`^gotracesim: sweep: ${url} answers again$`, 'm'));
    expect(rowsOf(out)).toEqual(local);
    expect(w.err).toMatch(new RegExp(`lost Redis at ${url} \\(.+\\); reconnecting\\n`));

    // Gone for good: after --redis-timeout, one line naming the URL, exit 2, the rows kept.
    const out2 = join(tmp(), 'out');
    const s2 = new Proc(['sweep', gridFile(GRID), '--queue', url, '-o', out2, '--no-progress', '--redis-timeout', '2s']);
    await waitFor('a row', () => rowsOf(out2).length >= 1);
    await redis.down('SIGKILL');
    const r2 = await s2.exit;
    const kept = rowsOf(out2);
    expect(r2.code).toBe(2);
    expect(s2.err).toMatch(new RegExp(`\\ngotracesim: ${url}: lost Redis for more than 2s \\(.+\\); kept ${kept.length} rows in ${out2} \\(run the same command again to resume\\)\\n$`));
    expect(kept).toEqual(local.slice(0, kept.length));
    await redis.up();
  }, 240_000);

  it('runs that fail: by themselves at once, by a worker limit after the configured attempts; the rows of a local sweep', async () => {
    const url = redis.url(4);
    const out = join(tmp(), 'out');
    const w = worker(url, '--run-timeout', '1s');
    await ready(w);
    const s = new Proc(['sweep', gridFile(FAILING), '--queue', url, '-o', out, '--no-progress', '--attempts', '2']);
    const r = await s.exit;
    expect(r.code).toBe(1);
    expect(s.out).toMatch(/: 4 runs \(0 already done, 4 run now, 3 failed\)/);
    expect(s.err).toMatch(/: 3 of 4 runs failed; their rows in .* say why\n$/);
    const rows = rowsOf(out);
    expect(rows.map((x) => [x.params.duration, x.status])).toEqual([
      ['10ms', 'ok'],
      ['10ms', 'failed'],
      ['1h', 'failed'],
      ['1h', 'failed'],
    ]);
    expect(rows[1].error).toMatch(/makes no progress in virtual time/);
    expect(rows[2].error).toBe('run exceeded --run-timeout 1s');
    const dir = tmp();
    await sweep(FAILING, { outDir: dir, jobs: 1, runTimeoutMs: 1000, progress: false });
    expect(rows).toEqual(rowsOf(dir));
    // The timed-out run was tried twice (attempts 2), the runs that failed by themselves once.
    const tries = (index: number) => started(w.err).filter((id) => id.split('-')[1] === String(index)).length;
    expect([0, 1, 2, 3].map(tries)).toEqual([1, 1, 2, 1]);
    expect(w.err).toMatch(/: run exceeded --run-timeout 1s; will be tried again \(attempt 1 of 2\)\n/);
  }, 120_000);

  it('the same grid enqueued twice adds nothing; workers stopped by SIGTERM finish (or, twice, return) their runs; both sweeps get the rows', async () => {
    const url = redis.url(5);
    const f = gridFile(GRID);
    const out1 = join(tmp(), 'out');
    const out2 = join(tmp(), 'out');
    const s1 = new Proc(['sweep', f, '--queue', url, '-o', out1, '--no-progress']);
    await waitFor('the first sweep to enqueue', async () => (await jobCounts(url, GRID)).waiting === N);
    const s2 = new Proc(['sweep', f, '--queue', url, '-o', out2, '--no-progress']);
    await waitFor('the second sweep to enqueue', () => s2.err.includes('no worker is taking runs'));
    expect(s2.err).toBe(`gotracesim: sweep: no worker is taking runs from ${url} yet: start \`gotracesim worker ${url}\` (gotracesim ${queueName().slice(1)}) where the runs should run\n`);
    expect(await jobCounts(url, GRID)).toEqual({ waiting: N, active: 0, delayed: 0, completed: 0, failed: 0 });

    // SIGTERM: the runs in progress finish, then exit 0.
    const w1 = worker(url);
    await waitFor('a row and a run in progress on w1', () => rowsOf(out1).length >= 1 && inProgress(w1.err).length > 0);
    w1.kill('SIGTERM');
    expect((await w1.exit).code).toBe(0);
    expect(w1.err).toMatch(/SIGTERM: taking no more runs; finishing the \d+ in progress/);
    expect(w1.err).toMatch(/stopped\n$/);
    expect(inProgress(w1.err)).toEqual([]);
    // A second signal: the runs in progress go back to the queue at once. (SIGTERM then
    // SIGINT: two of the same signal sent at once may arrive as one.)
    const w2 = worker(url);
    await waitFor('a run in progress on w2', () => inProgress(w2.err).length > 0);
    w2.kill('SIGTERM');
    w2.kill('SIGINT');
    expect((await w2.exit).code).toBe(0);
    const returned = said(w2.err, /returned to the queue/);
    expect(returned.length).toBeGreaterThan(0);
    expect(w2.err).toMatch(/SIG(TERM|INT): taking no more runs; .*\ngotracesim: worker: SIG(TERM|INT): putting the runs in progress back in the queue\n/);
    expect(inProgress(w2.err)).toEqual([]);
    const w3 = worker(url);
    const [r1, r2] = await Promise.all([s1.exit, s2.exit]);
    expect([r1.code, r2.code, rowsOf(out1).filter((x) => x.status !== 'ok'), rowsOf(out2).filter((x) => x.status !== 'ok')]).toEqual([0, 0, [], []]);
    expect(rowsOf(out1)).toEqual(local);
    expect(rowsOf(out2)).toEqual(local);
    for (const id of returned) expect(finished(w3.err)).toContain(id);
    expect(new Set([...finished(w1.err), ...finished(w2.err), ...finished(w3.err)]).size).toBe(N);
  }, 180_000);

  it('unreachable Redis or a bad URL: one clear line, exit 2, nothing written', async () => {
    const port = await freePort(); // nobody listens there
    const url = `redis://127.0.0.1:${port}/0`;
    const out = join(tmp(), 'out');
    const run = (...args: string[]) => {
      const p = new Proc(args);
      return p.exit.then((r) => ({ ...r, out: p.out, err: p.err }));
    };
    const s = await run('sweep', gridFile(GRID), '--queue', `redis://127.0.0.1:${port}`, '-o', out);
    expect([s.code, s.out, s.err]).toEqual([2, '', `gotracesim: ${url}: cannot reach Redis: connect ECONNREFUSED 127.0.0.1:${port}\n`]);
    expect(existsSync(out)).toBe(false);
    const w = await run('worker', url);
    expect([w.code, w.err]).toEqual([2, `gotracesim: ${url}: cannot reach Redis: connect ECONNREFUSED 127.0.0.1:${port}\n`]);
    const db = await run('sweep', gridFile(GRID), '--queue', redis.url(99), '-o', out);
    expect([db.code, db.err]).toEqual([2, `gotracesim: ${redis.url(99)}: cannot reach Redis: ERR DB index is out of range\n`]);
    expect(existsSync(out)).toBe(false);
    for (const [args, message] of [
      [['sweep', 'g.json', '--queue', 'http://127.0.0.1:6379'], /--queue: "http:\/\/127.0.0.1:6379": not a Redis URL \(scheme "http"\)/],
      [['sweep', 'g.json', '--queue', url, '--jobs', '2'], /--jobs is the workers' with --queue/],
      [['sweep', 'g.json', '--attempts', '2'], /--attempts goes with --queue/],
      [['worker', 'redis://h:0'], /not a Redis URL \(port 0\)/],
      [['worker'], /takes one Redis URL/],
    ] as const) {
      const r = await run(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    }
    const help = await run('worker', '--help');
    expect([help.code, help.out.split('\n')[0]]).toEqual([0, 'usage: gotracesim worker redis://HOST:PORT[/DB] [--jobs N] [--run-timeout D]']);
  }, 60_000);
});
