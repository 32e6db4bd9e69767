// sweep: run every run of a grid on a worker pool (tinypool), one worker per core by
// default, streaming rows to results.jsonl and results.csv in run order.
//
// Rows are written in run order, whatever order the workers finish in, so the files are
// always a prefix of the full result: a sweep that was killed resumes by skipping the rows
// it already has, and ends with the same files a single uninterrupted run writes (wall
// times aside). A run that fails is recorded as a failed row and the others go on.

import { existsSync, mkdirSync, readFileSync, appendFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tinypool } from 'tinypool';
import { SingleBar, Presets } from 'cli-progress';
import { expandGrid, parseGrid, type Run } from './sweep-grid.ts';
import type { SweepRow, SweepTask } from './sweep-worker.ts';

export interface SweepOptions {
  outDir: string;
  jobs?: number;
  /** Show a progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  file?: string;
  /** Called after each row is written (tests use it to stop half-way). */
  onRow?: (row: SweepRow) => void;
}

export interface SweepResult {
  total: number;
  ran: number;
  skipped: number;
  failed: number;
  rows: SweepRow[];
}

/** The compiled worker module (workers run JavaScript). */
function workerFile(): string {
  for (const rel of ['./sweep-worker.js', '../../build/lib/runtime/sweep-worker.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('build/lib/runtime/sweep-worker.js not found: run `npm run build` first');
}

const METRIC_COLUMNS = ['signals', 'droppedByValidSIGPROF', 'delivered', 'inProfile', 'lostToOverflow', 'osCpuNs', 'profiledCpuNs', 'ratio', 'traceEvents', 'traceBytes', 'traceCpuTaken', 'traceCpuInTrace', 'traceCpuOverflowed', 'traceCpuLostAtStop', 'traceCpuMisplaced'];

function csvCell(v: unknown): string {
  const s = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(axes: string[]): string {
  return ['index', 'id', ...axes, 'seed', 'status', 'error', ...METRIC_COLUMNS, 'wall_ms'].map(csvCell).join(',') + '\n';
}

export function csvLine(row: SweepRow, axes: string[]): string {
  return [row.index, row.id, ...axes.map((a) => row.params[a]), row.seed, row.status, row.error ?? '', ...METRIC_COLUMNS.map((m) => row.metrics?.[m]), row.wall_ms].map(csvCell).join(',') + '\n';
}

export async function sweep(gridInput: unknown, opts: SweepOptions): Promise<SweepResult> {
  const grid = parseGrid(gridInput, opts.file);
  const runs = expandGrid(grid, opts.file); // every run validated before any file is touched
  const axes = Object.keys(grid.axes);
  mkdirSync(opts.outDir, { recursive: true });
  const jsonl = join(opts.outDir, 'results.jsonl');
  const csv = join(opts.outDir, 'results.csv');

  // Resume: the rows already there are a prefix of the run order.
  const done: SweepRow[] = existsSync(jsonl)
    ? readFileSync(jsonl, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as SweepRow];
          } catch {
            return []; // a line cut by a kill: it is run again
          }
        })
    : [];
  let k = 0;
  while (k < done.length && k < runs.length && done[k].id === runs[k].id) k++;
  const prefix = done.slice(0, k);
  writeFileSync(jsonl, prefix.map((r) => JSON.stringify(r) + '\n').join(''));
  writeFileSync(csv, csvHeader(axes) + prefix.map((r) => csvLine(r, axes)).join(''));
  const todo = runs.slice(k);

  const showBar = opts.progress ?? process.stderr.isTTY === true;
  const bar = showBar ? new SingleBar({ format: 'sweep |{bar}| {value}/{total} runs | ETA {eta_formatted} | failures {failures}', stream: process.stderr }, Presets.shades_classic) : null;
  bar?.start(runs.length, prefix.length, { failures: prefix.filter((r) => r.status === 'failed').length });

  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  const pool = new Tinypool({ filename: workerFile(), minThreads: Math.min(jobs, todo.length) || 1, maxThreads: jobs });
  const rows = [...prefix];
  const pending = new Map<number, SweepRow>();
  let next = prefix.length;
  let failed = prefix.filter((r) => r.status === 'failed').length;
  const flush = () => {
    while (pending.has(next)) {
      const row = pending.get(next)!;
      pending.delete(next);
      appendFileSync(jsonl, JSON.stringify(row) + '\n');
      appendFileSync(csv, csvLine(row, axes));
      rows.push(row);
      if (row.status === 'failed') failed++;
      bar?.update(rows.length, { failures: failed });
      opts.onRow?.(row);
      next++;
    }
  };
  try {
    await Promise.all(
      todo.map(async (run: Run) => {
        const task: SweepTask = { index: run.index, id: run.id, params: run.params, seed: run.seed, scenario: run.scenario, trace: grid.trace };
        const row = (await pool.run(task)) as SweepRow;
        pending.set(run.index, row);
        flush();
      }),
    );
  } finally {
    bar?.stop();
    await pool.destroy();
  }
  return { total: runs.length, ran: todo.length, skipped: prefix.length, failed, rows };
}
