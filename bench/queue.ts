// Queued sweeps (`gotracesim sweep GRID --queue redis://…` + `gotracesim worker redis://…`):
// runs per second with 1, 2 and 4 worker processes on this machine, against the local pool.
//
//   npx tsx bench/queue.ts                      # magnitude.json × 5 seeds, then trace-cpu-loss.json
//   npx tsx bench/queue.ts --grid my-grid.json --seeds 0 --workers 1,2,4 --rounds 2 [--warm]
//
// Each case sweeps the whole grid into a fresh directory, in this process as bench/sweep.ts
// does (the time includes starting and stopping the pool, or enqueueing and collecting), best
// of `rounds`; the workers are CLI processes (build/lib/cli.js: npm run build first):
// - local: sweep() with jobs = the machine's cores, the tinypool pool;
// - queue: queueSweep() on URL, with N `gotracesim worker URL --jobs 1`
//   processes already running (started before the clock, fresh for each round so that their
//   threads are as cold as the local pool's; --warm keeps them across rounds, as long-running
//   workers are), on a redis-server of our own (Debian's, loopback, no persistence).
// runs_per_s = runs / wall s; sim_s_per_wall_s = simulated seconds per wall second.
// queueBench() returns the rows ([] with a message if redis-server is missing).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expandGrid, parseGrid } from '../bindings/app/sweep-grid.ts';
import { sweep } from '../bindings/app/sweep.ts';
import { queueSweep } from '../bindings/app/queue-sweep.ts';
import { parseDuration } from '../bindings/scenario/resolve.ts';
import { DEFAULT_GRID, TRACE_GRID } from './sweep.ts';

const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
const REDIS_SERVER = '/usr/bin/redis-server';

export interface QueueBenchRow {
  name: string;
  grid: string;
  mode: 'local' | 'queue';
  /** Worker processes (queue), 1 for the local sweep. */
  processes: number;
  /** Worker threads in all. */
  threads: number;
  runs: number;
  wall_ms: number;
  runs_per_s: number;
  sim_s_per_wall_s: number;
}

export interface QueueBenchOptions {
  grid?: string;
  /** Replace the grid's seeds with 1..seeds (default 5; 0 keeps the grid's own). */
  seeds?: number;
  workers?: number[];
  rounds?: number;
  /** Keep the workers across rounds (warm threads, as a long-running worker has). */
  warm?: boolean;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gts-bench-redis-'));
  const p = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], { stdio: 'ignore' });
  const exited = new Promise((r) => p.once('exit', r));
  for (let i = 0; ; i++) {
    const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (r.stdout?.trim() === 'PONG') break;
    if (i > 200 || p.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop: async () => {
      process.kill(p.pid!, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wall time of `f` in ms. */
async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function startWorkers(url: string, n: number): Promise<ChildProcess[]> {
  const ws = Array.from({ length: n }, () => spawn(process.execPath, [CLI, 'worker', url, '--jobs', '1'], { stdio: ['ignore', 'ignore', 'pipe'] }));
  await Promise.all(
    ws.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          let err = '';
          w.stderr!.on('data', (d) => {
            err += d;
            if (err.includes('taking runs from')) resolve();
          });
          w.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
        }),
    ),
  );
  return ws;
}

async function stopWorkers(ws: ChildProcess[]): Promise<void> {
  await Promise.all(
    ws.map((w) => {
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      return exited;
    }),
  );
}

export async function queueBench(opts: QueueBenchOptions = {}): Promise<QueueBenchRow[]> {
  if (!existsSync(REDIS_SERVER)) {
    console.warn(`[bench] queue: skipped, no ${REDIS_SERVER} (apt-get install redis-server)`);
    return [];
  }
  const gridFile = opts.grid ?? DEFAULT_GRID;
  const grid = JSON.parse(readFileSync(gridFile, 'utf8'));
  const seeds = opts.seeds ?? 5;
  if (seeds > 0) grid.seeds = Array.from({ length: seeds }, (_, i) => i + 1);
  const runs = expandGrid(parseGrid(grid, gridFile), gridFile);
  const simNs = runs.reduce((a, r) => a + (parseDuration((r.scenario as { duration?: string }).duration ?? '1s') ?? 1e9), 0);
  const name = gridFile.split('/').pop()!.replace(/\.json$/, '');
  const work = mkdtempSync(join(tmpdir(), 'gts-bench-queue-'));
  const file = gridFile;
  const rounds = opts.rounds ?? 2;
  const rows: QueueBenchRow[] = [];
  const row = (mode: 'local' | 'queue', processes: number, threads: number, best: number, label: string): QueueBenchRow => ({
    name: `${name} (${runs.length} runs), ${label}`,
    grid: name,
    mode,
    processes,
    threads,
    runs: runs.length,
    wall_ms: Math.round(best),
    runs_per_s: Math.round((runs.length / (best / 1e3)) * 100) / 100,
    sim_s_per_wall_s: Math.round((simNs / 1e9 / (best / 1e3)) * 10) / 10,
  });
  let k = 0;
  const out = () => join(work, `out-${k++}`);
  const cores = availableParallelism();
  const redis = await startRedis();
  try {
    let best = Infinity;
    for (let i = 0; i < rounds; i++) best = Math.min(best, await timed(() => sweep(grid, { outDir: out(), jobs: cores, progress: false, file })));
    rows.push(row('local', 1, cores, best, `local pool, ${cores} thread${cores === 1 ? '' : 's'}`));
    for (const n of opts.workers ?? [1, 2, 4]) {
      // Fresh workers each round, started before the clock: their threads are as cold as
      // the local pool's (a long-running worker's get faster: opts.warm keeps them).
      best = Infinity;
      let ws: ChildProcess[] = [];
      for (let i = 0; i < rounds; i++) {
        if (i === 0 || !opts.warm) ws = await startWorkers(redis.url, n);
        try {
          best = Math.min(best, await timed(() => queueSweep(grid, { queue: redis.url, outDir: out(), progress: false, file, warn: () => {} })));
        } finally {
          if (i === rounds - 1 || !opts.warm) await stopWorkers(ws);
        }
      }
      rows.push(row('queue', n, n, best, `queue, ${n} ${opts.warm ? 'warm ' : ''}worker process${n === 1 ? '' : 'es'} × 1 thread`));
    }
  } finally {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const args = process.argv.slice(2);
  const opt = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const common = { workers: opt('--workers')?.split(',').map(Number), rounds: opt('--rounds') ? Number(opt('--rounds')) : undefined, warm: args.includes('--warm') };
  const rows = opt('--grid')
    ? await queueBench({ ...common, grid: opt('--grid'), seeds: opt('--seeds') !== undefined ? Number(opt('--seeds')) : undefined })
    : [...(await queueBench(common)), ...(await queueBench({ ...common, grid: TRACE_GRID, seeds: 0 }))];
  console.log('| benchmark | processes | threads | runs | wall ms | runs/s | simulated s per wall s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${r.processes} | ${r.threads} | ${r.runs} | ${r.wall_ms} | ${r.runs_per_s} | ${r.sim_s_per_wall_s} |`);
}
