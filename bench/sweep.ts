// Sweep throughput (`gotracesim sweep`): runs per second on the worker pool, at 1 and 2 workers.
//
//   npx tsx bench/sweep.ts                          # examples/grids/magnitude.json × 5 seeds, 1 and 2 workers
//   npx tsx bench/sweep.ts --grid my-grid.json --seeds 1 --jobs 1,2,4 --rounds 3
//
// The default grid is the magnitude grid (profile.timer × GOMAXPROCS 1–64, 2 s simulated each)
// with seeds 1–5 instead of 1: 60 runs, so that starting the pool does not dominate.
// Each case sweeps the whole grid into a fresh temporary directory (nothing to resume), with
// no progress bar, and takes the best of `rounds` by wall clock; the time includes starting
// and stopping the pool (what a user waits for). runs_per_s = runs / wall s; sim_s_per_wall_s
// = simulated seconds (sum over runs) per wall second. Needs build/lib (npm run build): the
// pool's workers run the compiled JavaScript.
// sweepBench() returns the rows; run standalone it prints a table.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sweep } from '../bindings/app/sweep.ts';
import { expandGrid, parseGrid } from '../bindings/app/sweep-grid.ts';
import { parseDuration } from '../bindings/scenario/resolve.ts';

export const DEFAULT_GRID = fileURLToPath(new URL('../examples/grids/magnitude.json', import.meta.url));
/** A heavier grid (trace on, ~1 s simulated per run with four kinds of goroutine): here the
 *  runs, not the pool's start, take the time, so the second worker shows. */
export const TRACE_GRID = fileURLToPath(new URL('../examples/grids/trace-cpu-loss.json', import.meta.url));

export interface SweepBenchRow {
  name: string;
  grid: string;
  jobs: number;
  runs: number;
  failed: number;
  wall_ms: number;
  runs_per_s: number;
  sim_s_per_wall_s: number;
}

export interface SweepBenchOptions {
  grid?: string;
  /** Replace the grid's seeds with 1..seeds (default 5; 0 keeps the grid's own). */
  seeds?: number;
  jobs?: number[];
  rounds?: number;
}

export async function sweepBench(opts: SweepBenchOptions = {}): Promise<SweepBenchRow[]> {
  const gridFile = opts.grid ?? DEFAULT_GRID;
  const grid = JSON.parse(readFileSync(gridFile, 'utf8'));
  const seeds = opts.seeds ?? 5;
  if (seeds > 0) grid.seeds = Array.from({ length: seeds }, (_, i) => i + 1);
  const runs = expandGrid(parseGrid(grid, gridFile), gridFile);
  const simNs = runs.reduce((a, r) => a + (parseDuration((r.scenario as { duration?: string }).duration ?? '1s') ?? 1e9), 0);
  const name = gridFile.split('/').pop()!.replace(/\.json$/, '');
  const rows: SweepBenchRow[] = [];
  for (const jobs of opts.jobs ?? [1, 2]) {
    let best = Infinity;
    let failed = 0;
    for (let i = 0; i < (opts.rounds ?? 2); i++) {
      const dir = mkdtempSync(join(tmpdir(), 'gts-bench-sweep-'));
      try {
        const t0 = performance.now();
        const r = await sweep(grid, { outDir: dir, jobs, progress: false, file: gridFile });
        best = Math.min(best, performance.now() - t0);
        failed = r.failed;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    rows.push({
      name: `sweep ${name} (${runs.length} runs), ${jobs} worker${jobs === 1 ? '' : 's'}`,
      grid: name,
      jobs,
      runs: runs.length,
      failed,
      wall_ms: Math.round(best),
      runs_per_s: Math.round((runs.length / (best / 1e3)) * 100) / 100,
      sim_s_per_wall_s: Math.round((simNs / 1e9 / (best / 1e3)) * 10) / 10,
    });
  }
  return rows;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const args = process.argv.slice(2);
  const opt = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const common = { jobs: opt('--jobs')?.split(',').map(Number), rounds: opt('--rounds') ? Number(opt('--rounds')) : undefined };
  const rows = opt('--grid')
    ? await sweepBench({ ...common, grid: opt('--grid'), seeds: opt('--seeds') !== undefined ? Number(opt('--seeds')) : undefined })
    : [...(await sweepBench(common)), ...(await sweepBench({ ...common, grid: TRACE_GRID, seeds: 0 }))];
  console.log('| benchmark | workers | runs | wall ms | runs/s | simulated s per wall s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${r.jobs} | ${r.runs} | ${r.wall_ms} | ${r.runs_per_s} | ${r.sim_s_per_wall_s} |`);
}
