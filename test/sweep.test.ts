// Sweeps on the worker pool: completion, resume, failures recorded, determinism, bad grids.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweep } from '../bindings/app/sweep.ts';
import { expandGrid, parseGrid, GridError } from '../bindings/app/sweep-grid.ts';

const spin = [{ func: 'main.spin', file: '/app/main.go', line: 3 }];
const GRID = {
  base: { duration: '100ms', goroutines: [{ name: 'spin', count: 2, program: [{ loop: [{ compute: spin, for: '1ms' }] }] }] },
  axes: { go: ['1.17', '1.19'], gomaxprocs: [1, 2], 'profile.hz': [100, 500] },
  seeds: [1, 2],
};
const tmp = () => mkdtempSync(join(tmpdir(), 'gts-sweep-'));
const rowsOf = (dir: string) =>
  readFileSync(join(dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const r = JSON.parse(l);
      delete r.wall_ms;
      return r;
    });

describe('sweep grids', () => {
  it('expand to the cartesian product in a fixed order with stable ids', () => {
    const runs = expandGrid(parseGrid(GRID));
    expect(runs.length).toBe(16);
    expect(runs.slice(0, 3).map((r) => [r.params, r.seed])).toEqual([
      [{ go: '1.17', gomaxprocs: 1, 'profile.hz': 100 }, 1],
      [{ go: '1.17', gomaxprocs: 1, 'profile.hz': 100 }, 2],
      [{ go: '1.17', gomaxprocs: 1, 'profile.hz': 500 }, 1],
    ]);
    expect((runs[2].scenario.profile as { hz: number }).hz).toBe(500);
    expect(new Set(runs.map((r) => r.id)).size).toBe(16);
    expect(expandGrid(parseGrid(GRID)).map((r) => r.id)).toEqual(runs.map((r) => r.id));
  });

  it('refuse a malformed grid or an unknown axis, naming it', () => {
    expect(() => parseGrid([])).toThrow(GridError);
    expect(() => parseGrid({ ...GRID, axez: {} })).toThrow(/axez: unknown field/);
    expect(() => parseGrid({ ...GRID, axes: { gomaxprocz: [1] } })).toThrow(/axes\.gomaxprocz: unknown axis/);
    expect(() => parseGrid({ ...GRID, axes: { gomaxprocs: [] } })).toThrow(/axes\.gomaxprocs: must be a non-empty array/);
    expect(() => parseGrid({ ...GRID, seeds: [-1] })).toThrow(/seeds:/);
    expect(() => expandGrid(parseGrid({ ...GRID, axes: { gomaxprocs: [0] } }))).toThrow(/run 0 \(gomaxprocs=0 seed=1\): .*gomaxprocs: must be between 1 and 1024/);
    expect(() => expandGrid(parseGrid({ ...GRID, axes: { 'profile.hzz': [1] } }))).toThrow(/profile\.hzz: unknown field/);
  });
});

describe('sweep on the pool', () => {
  it('runs a small grid to completion, in run order, the same rows every time', async () => {
    const a = tmp();
    const r = await sweep(GRID, { outDir: a, jobs: 2, progress: false });
    expect([r.total, r.ran, r.skipped, r.failed]).toEqual([16, 16, 0, 0]);
    const rows = rowsOf(a);
    expect(rows.map((x) => x.index)).toEqual([...Array(16).keys()]);
    expect(rows.every((x) => x.status === 'ok' && x.metrics.delivered === x.metrics.inProfile + x.metrics.lostToOverflow)).toBe(true);
    // setitimer (1.17) and per-thread (1.19) rows both present, with their own ratios
    expect(rows.filter((x) => x.params.go === '1.17').every((x) => x.metrics.droppedByValidSIGPROF === 0)).toBe(true);
    const csv = readFileSync(join(a, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(17);
    expect(csv[0]).toMatch(/^index,id,go,gomaxprocs,profile\.hz,seed,status,error,signals,/);
    const b = tmp();
    await sweep(GRID, { outDir: b, jobs: 1, progress: false });
    expect(rowsOf(b)).toEqual(rows);
  }, 120_000);

  it('resumes where it stopped and ends with the rows of an uninterrupted run', async () => {
    const whole = tmp();
    await sweep(GRID, { outDir: whole, jobs: 2, progress: false });
    const cut = tmp();
    let n = 0;
    await expect(
      sweep(GRID, {
        outDir: cut,
        jobs: 2,
        progress: false,
        onRow: () => {
          if (++n === 5) throw new Error('killed');
        },
      }),
    ).rejects.toThrow(/killed/);
    expect(rowsOf(cut).length).toBeGreaterThanOrEqual(5);
    expect(rowsOf(cut).length).toBeLessThan(16);
    const r = await sweep(GRID, { outDir: cut, jobs: 2, progress: false });
    expect(r.skipped).toBeGreaterThanOrEqual(5);
    expect(r.ran).toBe(16 - r.skipped);
    expect(rowsOf(cut)).toEqual(rowsOf(whole));
    expect(readFileSync(join(cut, 'results.csv'), 'utf8').split('\n').length).toBe(readFileSync(join(whole, 'results.csv'), 'utf8').split('\n').length);
  }, 120_000);

  it('records a failing run with its error and completes the others', async () => {
    const dir = tmp();
    const grid = {
      base: GRID.base,
      axes: { 'goroutines.0.program': [[{ loop: [{ compute: spin, for: '1ms' }] }], [{ loop: [{ labels: { a: 'b' } }] }]] },
      seeds: [1, 2],
    };
    const r = await sweep(grid, { outDir: dir, jobs: 2, progress: false });
    expect([r.total, r.failed]).toEqual([4, 2]);
    const rows = rowsOf(dir);
    expect(rows.map((x) => x.status)).toEqual(['ok', 'ok', 'failed', 'failed']);
    expect(rows[2].error).toMatch(/makes no progress in virtual time/);
  }, 60_000);

  it('writes no result file for a bad grid', async () => {
    const dir = join(tmp(), 'out');
    await expect(sweep({ ...GRID, axes: { nope: [1] } }, { outDir: dir, progress: false })).rejects.toThrow(/axes\.nope: unknown axis/);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});

describe('gotracesim sweep (CLI)', async () => {
  const { spawn, spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
  const grid = (dir: string, g: unknown) => {
    const f = join(dir, 'grid.json');
    writeFileSync(f, typeof g === 'string' ? g : JSON.stringify(g));
    return f;
  };

  it('refuses an unknown axis and malformed JSON: exit 1, named, no result file', () => {
    for (const [g, msg] of [
      [{ ...GRID, axes: { gomaxprocz: [1] } }, /grid\.json: axes\.gomaxprocz: unknown axis/],
      ['{"base": ', /grid\.json: grid: malformed JSON/],
    ] as const) {
      const dir = tmp();
      const out = join(dir, 'out');
      const r = spawnSync(process.execPath, [CLI, 'sweep', grid(dir, g), '-o', out], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    }
    expect(spawnSync(process.execPath, [CLI, 'sweep'], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync(process.execPath, [CLI, 'sweep', 'g.json', '--jobs', '0'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('killed half-way and run again, ends with the rows of an uninterrupted sweep', async () => {
    const slow = { ...GRID, base: { ...GRID.base, duration: '300ms' } };
    const whole = tmp();
    expect(spawnSync(process.execPath, [CLI, 'sweep', grid(whole, slow), '-o', join(whole, 'out'), '--jobs', '2'], { encoding: 'utf8' }).status).toBe(0);
    const cut = tmp();
    const f = grid(cut, slow);
    const out = join(cut, 'out');
    // The process kills itself (SIGKILL) right after its 6th row: a hard stop at a known point.
    const child = spawn(process.execPath, [CLI, 'sweep', f, '-o', out, '--jobs', '2'], { stdio: 'ignore', env: { ...process.env, GOTRACESIM_SWEEP_KILL_AFTER: '6' } });
    const [, signal] = (await new Promise((r) => child.once('exit', (...a) => r(a)))) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    const lines = () => readFileSync(join(out, 'results.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    const before = lines();
    expect(before).toBe(6);
    const r = spawnSync(process.execPath, [CLI, 'sweep', f, '-o', out, '--jobs', '2'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`16 runs \\(${before} already done, ${16 - before} run now, 0 failed\\)`));
    expect(rowsOf(out)).toEqual(rowsOf(join(whole, 'out')));
  }, 180_000);
});
