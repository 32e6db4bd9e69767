// Sweeps, hardened: a folder belongs to one grid (sweep.json), per-run time and memory limits
// turn runaway runs into failed rows, --jobs is capped at the cores, and only a bounded number
// of runs is ever handed to the pool.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Tinypool } from 'tinypool';
import { sweep, SweepError, type SweepManifest } from '../bindings/app/sweep.ts';
import { gridHash } from '../bindings/app/sweep-dir.ts';
import { AHEAD_PER_JOB, QUEUED_PER_JOB, fmtMs } from '../bindings/app/sweep-pool.ts';
import { GridError, parseGrid } from '../bindings/app/sweep-grid.ts';
import type { RunStarted, SweepTask } from '../bindings/app/sweep-worker.ts';

const spin = [{ func: 'main.spin', file: '/app/main.go', line: 3 }];
const spinProg = [{ loop: [{ compute: spin, for: '1ms' }] }];
const base = (duration: string) => ({ duration, goroutines: [{ name: 'spin', count: 2, program: spinProg }] });
// 64 goroutines in 10us steps on 8 Ps: an hour of simulated time takes minutes of wall time.
const busy = { gomaxprocs: 8, goroutines: [{ name: 'spin', count: 64, program: [{ loop: [{ compute: spin, for: '10us' }] }] }] };
const SLOW = { base: busy, axes: { duration: ['1ms', '1h', '2ms'] }, seeds: [1] };
const GRID = { base: base('20ms'), axes: { go: ['1.17', '1.19'], gomaxprocs: [1, 2] }, seeds: [1] };
// Same axes and seeds (so the same run ids), another base scenario: other rows.
const OTHER = { ...GRID, base: base('30ms') };
const HOW = '--force starts fresh there (deleting its results), or sweep into another directory';
const VERSION = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')).version as string;

const tmp = () => mkdtempSync(join(tmpdir(), 'gts-sweep-h-'));
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, read(dir, f)]));
const manifestOf = (dir: string) => JSON.parse(read(dir, 'sweep.json')) as SweepManifest;
const rowsIn = (jsonl: string) =>
  jsonl
    .trim()
    .split('\n')
    .map((l) => {
      const r = JSON.parse(l);
      delete r.wall_ms;
      return r;
    });
const rowsOf = (dir: string) => rowsIn(read(dir, 'results.jsonl'));
const quiet = { progress: false, warn: () => {} };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a sweep folder belongs to one grid', () => {
  it('writes a manifest naming the grid and the version', async () => {
    const dir = tmp();
    await sweep(GRID, { outDir: dir, jobs: 2, file: 'a.json', ...quiet });
    const m = manifestOf(dir);
    expect(Object.keys(m)).toEqual(['gotracesim', 'grid', 'file', 'axes', 'seeds', 'trace', 'runs', 'created']);
    expect(m).toMatchObject({ gotracesim: VERSION, grid: gridHash(parseGrid(GRID)), file: 'a.json', axes: ['go', 'gomaxprocs'], seeds: 1, trace: false, runs: 4 });
    expect(m.grid).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Date(m.created).toISOString()).toBe(m.created);
    expect(readdirSync(dir).sort()).toEqual(['results.csv', 'results.jsonl', 'sweep.json']); // no temporary left
  }, 60_000);

  it('hashes the grid as parsed: key order aside, but axis order, seeds, trace and defaults count', () => {
    const h = (g: unknown) => gridHash(parseGrid(g));
    const reordered = { seeds: [1], axes: GRID.axes, base: { goroutines: GRID.base.goroutines, duration: '20ms' } };
    expect(h(reordered)).toBe(h(GRID));
    expect(h({ ...GRID, seeds: undefined })).toBe(h(GRID)); // seeds default to [1]
    expect(h({ ...GRID, trace: false })).toBe(h(GRID));
    expect(h({ ...GRID, axes: { gomaxprocs: [1, 2], go: ['1.17', '1.19'] } })).not.toBe(h(GRID)); // another run order
    expect(h({ ...GRID, seeds: [1, 2] })).not.toBe(h(GRID));
    expect(h({ ...GRID, trace: true })).not.toBe(h(GRID));
    expect(h(OTHER)).not.toBe(h(GRID));
  });

  it('refuses another grid, untouched; the same grid resumes; force starts fresh', async () => {
    const dir = tmp();
    await sweep(GRID, { outDir: dir, jobs: 2, file: 'a.json', ...quiet });
    const before = snapshot(dir);
    const m = manifestOf(dir);
    const err = await sweep(OTHER, { outDir: dir, jobs: 2, file: 'b.json', ...quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(SweepError);
    expect(err).toBeInstanceOf(GridError); // refused like a bad grid (CLI: exit 1)
    expect(err.message).toBe(`${dir}: holds the sweep of another grid (a.json: 4 runs, axes go, gomaxprocs, grid ${m.grid.slice(0, 19)}); ${HOW}`);
    expect(snapshot(dir)).toEqual(before);

    // The same grid resumes: nothing to run, nothing rewritten but the same rows.
    const again = await sweep(GRID, { outDir: dir, jobs: 2, ...quiet });
    expect([again.total, again.skipped, again.ran]).toEqual([4, 4, 0]);
    expect(snapshot(dir)).toEqual(before);

    // force: the other grid's rows, from scratch, under its own manifest.
    const fresh = tmp();
    await sweep(OTHER, { outDir: fresh, jobs: 1, ...quiet });
    const forced = await sweep(OTHER, { outDir: dir, jobs: 2, file: 'b.json', force: true, ...quiet });
    expect([forced.total, forced.skipped, forced.ran]).toEqual([4, 0, 4]);
    expect(rowsOf(dir)).toEqual(rowsOf(fresh));
    expect(rowsOf(dir)).not.toEqual(rowsIn(before['results.jsonl']));
    expect(manifestOf(dir)).toMatchObject({ grid: gridHash(parseGrid(OTHER)), file: 'b.json' });
    expect(manifestOf(dir).created >= m.created).toBe(true);
  }, 120_000);

  it('refuses results without a manifest (an older gotracesim), a broken manifest, or another version', async () => {
    const cases: [string, (dir: string) => void, (dir: string) => string][] = [
      ['no manifest', (d) => writeFileSync(join(d, 'results.jsonl'), '{"index":0}\n'), (d) => `${d}: holds results.jsonl but no sweep.json (written by an older gotracesim?), so which grid made them is unknown; ${HOW}`],
      ['broken manifest', (d) => writeFileSync(join(d, 'sweep.json'), '{"grid": 1}'), (d) => `${join(d, 'sweep.json')}: not a gotracesim sweep manifest (no "gotracesim" and "grid" fields); ${HOW}`],
      [
        'other version',
        (d) => writeFileSync(join(d, 'sweep.json'), JSON.stringify({ gotracesim: '0.0.1', grid: gridHash(parseGrid(GRID)) })),
        (d) => `${d}: holds a sweep made by gotracesim 0.0.1 (this is ${VERSION}), whose rows may differ; ${HOW}`,
      ],
    ];
    for (const [, make, message] of cases) {
      const dir = tmp();
      make(dir);
      writeFileSync(join(dir, 'notes.txt'), 'mine');
      const before = snapshot(dir);
      const err = await sweep(GRID, { outDir: dir, jobs: 2, ...quiet }).catch((e) => e);
      expect([err instanceof SweepError, err.message]).toEqual([true, message(dir)]);
      expect(snapshot(dir)).toEqual(before);
      // force clears only the sweep's own files
      const r = await sweep(GRID, { outDir: dir, jobs: 2, force: true, ...quiet });
      expect([r.skipped, r.ran, r.failed]).toEqual([0, 4, 0]);
      expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'results.csv', 'results.jsonl', 'sweep.json']);
      expect(read(dir, 'notes.txt')).toBe('mine');
    }
  }, 120_000);

  it('CLI: another grid exits 1 with the message, files untouched; --force starts fresh', () => {
    const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
    const dir = tmp();
    const out = join(dir, 'out');
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(GRID));
    writeFileSync(b, JSON.stringify(OTHER));
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'sweep', ...args, '-o', out, '--jobs', '2', '--no-progress'], { encoding: 'utf8' });
    expect(cli(a).status).toBe(0);
    const before = snapshot(out);
    const r = cli(b);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`gotracesim: ${out}: holds the sweep of another grid (${a}: 4 runs, axes go, gomaxprocs, grid ${manifestOf(out).grid.slice(0, 19)}); ${HOW}\n`);
    expect(snapshot(out)).toEqual(before);
    const f = cli(b, '--force');
    expect(f.status).toBe(0);
    expect(f.stdout).toMatch(/4 runs \(0 already done, 4 run now, 0 failed\)/);
    expect(manifestOf(out).file).toBe(b);
  }, 120_000);
});

describe('per-run limits', () => {
  it('a run past --run-timeout becomes a failed row; the pool goes on; a resume keeps it', async () => {
    const dir = tmp();
    const grid = SLOW;
    const r = await sweep(grid, { outDir: dir, jobs: 1, runTimeoutMs: 1000, ...quiet });
    expect([r.total, r.ran, r.failed]).toEqual([3, 3, 1]);
    const rows = rowsOf(dir);
    expect(rows.map((x) => [x.params.duration, x.status, x.error])).toEqual([
      ['1ms', 'ok', undefined],
      ['1h', 'failed', 'run exceeded --run-timeout 1s'],
      ['2ms', 'ok', undefined], // on the worker that replaced the stopped one
    ]);
    expect(rows[1]).toEqual({ index: 1, id: rows[1].id, params: { duration: '1h' }, seed: 1, status: 'failed', error: 'run exceeded --run-timeout 1s' });
    const again = await sweep(grid, { outDir: dir, jobs: 1, runTimeoutMs: 1000, ...quiet });
    expect([again.skipped, again.ran, again.failed]).toEqual([3, 0, 1]);
    expect(rowsOf(dir)).toEqual(rows);
  }, 60_000);

  it('a run past --run-memory becomes a failed row; the pool goes on; a resume keeps it', async () => {
    const dir = tmp();
    // A spawn bomb: a thousand goroutines a millisecond, each blocked for good, pass a 32 MB
    // heap within 200ms of simulated time (before the 100000-goroutine guard).
    const bomb = [{ loop: [{ spawn: 'leaf', count: 1000 }, { sleep: '1ms' }] }];
    const grid = {
      base: { duration: '200ms', goroutines: [{ name: 'main', count: 1, program: spinProg }, { name: 'leaf', count: 0, program: [{ block: '100s' }] }] },
      axes: { 'goroutines.0.program': [spinProg, bomb, spinProg] },
      seeds: [1, 2],
    };
    const r = await sweep(grid, { outDir: dir, jobs: 2, runMemoryMb: 32, ...quiet });
    expect([r.total, r.ran, r.failed]).toEqual([6, 6, 2]);
    const rows = rowsOf(dir);
    const oom = 'worker ran out of memory (--run-memory 32 MB)';
    expect(rows.map((x) => [x.status, x.error])).toEqual([['ok', undefined], ['ok', undefined], ['failed', oom], ['failed', oom], ['ok', undefined], ['ok', undefined]]);
    expect(rows[2]).toEqual({ index: 2, id: rows[2].id, params: { 'goroutines.0.program': bomb }, seed: 1, status: 'failed', error: oom });
    expect(read(dir, 'results.csv').split('\n')[3]).toMatch(new RegExp(`^2,${rows[2].id},".*",1,failed,${oom.replace(/[()]/g, '\\$&')},+\\d+$`));
    // The same rows whatever the jobs.
    const one = tmp();
    await sweep(grid, { outDir: one, jobs: 1, runMemoryMb: 32, ...quiet });
    expect(rowsOf(one)).toEqual(rows);
    const again = await sweep(grid, { outDir: dir, jobs: 2, runMemoryMb: 32, ...quiet });
    expect([again.skipped, again.ran, again.failed]).toEqual([6, 0, 2]);
    expect(rowsOf(dir)).toEqual(rows);
  }, 120_000);

  it('a worker that exits under a run makes a failed row with its exit code', async () => {
    const dir = tmp();
    const grid = SLOW;
    const run = Tinypool.prototype.run;
    // Kill the worker (terminate: exit code 1, no error) as soon as it announces run 1.
    vi.spyOn(Tinypool.prototype, 'run').mockImplementation(function (this: Tinypool, task: SweepTask, o) {
      if (task.index === 1) {
        const tap = new BroadcastChannel(task.started!);
        tap.onmessage = (ev) => {
          const { index, threadId } = (ev as { data: RunStarted }).data;
          if (index !== 1) return;
          tap.close();
          void this.threads.find((t) => t.threadId === threadId)!.terminate();
        };
      }
      return run.call(this, task, o);
    });
    const r = await sweep(grid, { outDir: dir, jobs: 1, ...quiet });
    expect(r.failed).toBe(1);
    expect(rowsOf(dir).map((x) => [x.status, x.error])).toEqual([['ok', undefined], ['failed', 'worker exited with code 1'], ['ok', undefined]]);
  }, 60_000);

  it('refuses bad limits and jobs before touching anything', async () => {
    const dir = join(tmp(), 'out');
    for (const [opts, message] of [
      [{ jobs: 0 }, '--jobs: must be a positive integer, got 0'],
      [{ jobs: 1.5 }, '--jobs: must be a positive integer, got 1.5'],
      [{ jobs: '4' as unknown as number }, '--jobs: must be a positive integer, got "4"'],
      [{ runTimeoutMs: 0 }, '--run-timeout: must be a positive number of milliseconds, got 0'],
      [{ runTimeoutMs: NaN }, '--run-timeout: must be a positive number of milliseconds, got NaN'],
      [{ runMemoryMb: 8 }, '--run-memory: must be a whole number of MB, at least 16, got 8'],
    ] as const) {
      const err = await sweep(GRID, { outDir: dir, ...opts, ...quiet }).catch((e) => e);
      expect([err instanceof SweepError, err.message]).toEqual([true, message]);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('names a timeout as it would be written', () => {
    expect([250, 1000, 1500, 30_000, 90_000, 120_000, 7_200_000].map(fmtMs)).toEqual(['250ms', '1s', '1.5s', '30s', '90s', '2m', '2h']);
  });
});

describe('jobs and the pool', () => {
  it('caps --jobs at the cores, with a warning, and reports the jobs used', async () => {
    const cores = availableParallelism();
    const warnings: string[] = [];
    let threads = 0;
    const run = Tinypool.prototype.run;
    vi.spyOn(Tinypool.prototype, 'run').mockImplementation(function (this: Tinypool, task, o) {
      threads = Math.max(threads, this.options.maxThreads);
      return run.call(this, task, o);
    });
    const grid = { ...GRID, seeds: Array.from({ length: cores + 4 }, (_, i) => i) }; // more runs than jobs
    const r = await sweep(grid, { outDir: tmp(), jobs: cores + 3, progress: false, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([`--jobs ${cores + 3} is more than this machine's ${cores} cores; using ${cores}`]);
    expect(r.jobs).toBe(cores);
    expect(threads).toBe(cores);
    warnings.length = 0;
    const d = await sweep(GRID, { outDir: tmp(), progress: false, warn: (m) => warnings.push(m) });
    expect([d.jobs, warnings]).toEqual([cores, []]);
  }, 120_000);

  it('the CLI warns on stderr when --jobs is above the cores', () => {
    const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
    const dir = tmp();
    writeFileSync(join(dir, 'g.json'), JSON.stringify(GRID));
    const r = spawnSync(process.execPath, [CLI, 'sweep', join(dir, 'g.json'), '-o', join(dir, 'out'), '--jobs', '500', '--no-progress'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const cores = availableParallelism();
    expect(r.stderr).toBe(`gotracesim: warning: --jobs 500 is more than this machine's ${cores} cores; using ${cores}\n`);
  }, 60_000);

  it('hands the pool at most 2×jobs runs at a time, and writes the same rows in run order', async () => {
    const grid = { base: base('1ms'), axes: { gomaxprocs: [1, 2, 3, 4, 5, 6, 7, 8] }, seeds: [1, 2, 3, 4, 5] };
    let pending = 0;
    let most = 0;
    let calls = 0;
    const run = Tinypool.prototype.run;
    vi.spyOn(Tinypool.prototype, 'run').mockImplementation(function (this: Tinypool, task, o) {
      calls++;
      most = Math.max(most, ++pending);
      const p = run.call(this, task, o);
      p.finally(() => pending--).catch(() => {});
      return p;
    });
    const jobs = Math.min(2, availableParallelism());
    const dir = tmp();
    const r = await sweep(grid, { outDir: dir, jobs, ...quiet });
    expect([r.total, r.failed, calls, pending]).toEqual([40, 0, 40, 0]);
    expect(most).toBe(QUEUED_PER_JOB * jobs);
    const rows = rowsOf(dir);
    expect(rows.map((x) => x.index)).toEqual([...Array(40).keys()]);
    vi.restoreAllMocks();
    const one = tmp();
    await sweep(grid, { outDir: one, jobs: 1, ...quiet });
    expect(rowsOf(one)).toEqual(rows);
  }, 120_000);
  it('keeps its workers for the whole sweep: each worker thread pays its start-up and JIT warm-up once', async () => {
    // A worker per run (tinypool's isolateWorkers) would start 20 threads here.
    const grid = { base: base('1ms'), axes: { gomaxprocs: [1, 2, 3, 4] }, seeds: [1, 2, 3, 4, 5] };
    const jobs = Math.min(2, availableParallelism());
    const threads: number[] = [];
    let tap: BroadcastChannel | undefined;
    let all!: () => void;
    const announced = new Promise<void>((resolve) => (all = resolve));
    const run = Tinypool.prototype.run;
    vi.spyOn(Tinypool.prototype, 'run').mockImplementation(function (this: Tinypool, task: SweepTask, o) {
      tap ??= Object.assign(new BroadcastChannel(task.started!), {
        onmessage: (ev: unknown) => {
          threads.push((ev as { data: RunStarted }).data.threadId);
          if (threads.length === 20) all();
        },
      });
      return run.call(this, task, o);
    });
    const r = await sweep(grid, { outDir: tmp(), jobs, ...quiet });
    await announced; // the announcements travel apart from the rows
    tap!.close();
    expect([r.total, r.failed, threads.length]).toEqual([20, 0, 20]);
    expect(new Set(threads).size).toBeLessThanOrEqual(jobs);
  }, 60_000);

  it('starts no run more than AHEAD_PER_JOB×jobs past the first unwritten row (one slow run holds back little)', async () => {
    const jobs = Math.min(2, availableParallelism());
    const ahead = AHEAD_PER_JOB * jobs;
    // A slow first run (stopped by the timeout) and more fast ones than the window.
    const grid = { ...SLOW, axes: { duration: ['1h', ...Array.from({ length: ahead + 8 }, (_, i) => `${i + 1}us`)] } };
    let written = 0;
    let furthest = -Infinity;
    const run = Tinypool.prototype.run;
    vi.spyOn(Tinypool.prototype, 'run').mockImplementation(function (this: Tinypool, task: SweepTask, o) {
      furthest = Math.max(furthest, task.index - written);
      return run.call(this, task, o);
    });
    const dir = tmp();
    const r = await sweep(grid, { outDir: dir, jobs, runTimeoutMs: 1000, ...quiet, onRow: () => void written++ });
    expect([r.total, r.failed]).toEqual([ahead + 9, 1]);
    expect(furthest).toBeLessThan(ahead);
    expect(rowsOf(dir).map((x) => x.index)).toEqual([...Array(ahead + 9).keys()]);
  }, 60_000);
});

describe('resume after a stop keeps the failed rows', () => {
  it('stopped after a timed-out row, resumed: the same rows as an uninterrupted sweep', async () => {
    const grid = { ...SLOW, axes: { duration: ['1ms', '1h', '2ms', '3ms'] } };
    const whole = tmp();
    await sweep(grid, { outDir: whole, jobs: 2, runTimeoutMs: 1000, ...quiet });
    const cut = tmp();
    let n = 0;
    await expect(
      sweep(grid, {
        outDir: cut,
        jobs: 2,
        runTimeoutMs: 1000,
        ...quiet,
        onRow: () => {
          if (++n === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow(/killed/);
    expect(rowsOf(cut).map((x) => x.status)).toEqual(['ok', 'failed']);
    const r = await sweep(grid, { outDir: cut, jobs: 2, runTimeoutMs: 1000, ...quiet });
    expect([r.skipped, r.ran, r.failed]).toEqual([2, 2, 1]);
    expect(rowsOf(cut)).toEqual(rowsOf(whole));
    mkdirSync(join(cut, 'sub')); // a folder of the user's is no obstacle to a resume
    expect((await sweep(grid, { outDir: cut, jobs: 2, runTimeoutMs: 1000, ...quiet })).skipped).toBe(4);
  }, 120_000);
});
