// sweep: run every run of a grid on a worker pool (tinypool), one worker per core by
// default, streaming rows to results.jsonl and results.csv in run order.
//
// Rows are written in run order, whatever order the workers finish in, so the files are
// always a prefix of the full result: a sweep that was killed resumes by skipping the rows
// it already has, and ends with the same files a single uninterrupted run writes (wall
// times aside). DIR/sweep.json ties the folder to its grid (sweep-dir.ts), so only the same
// grid resumes there. A run that fails, exceeds --run-timeout or --run-memory, or kills its
// worker is recorded as a failed row and the others go on (sweep-pool.ts).

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { expandGrid, parseGrid } from './sweep-grid.ts';
import { SweepError } from './sweep-dir.ts';
import { runOrdered } from './sweep-pool.ts';
import { RowWriter } from './sweep-writer.ts';
import type { SweepRow } from './sweep-worker.ts';

export { SweepError, type SweepManifest } from './sweep-dir.ts';

/** Heap limit of each worker unless runMemoryMb says otherwise. */
export const DEFAULT_RUN_MEMORY_MB = 2048;
/** Below this a worker cannot even load the simulator (it needs about 8 MB). */
export const MIN_RUN_MEMORY_MB = 16;

export interface SweepOptions {
  outDir: string;
  /** Workers (default and at most: os.availableParallelism(); more is clamped, with a warning). */
  jobs?: number;
  /** Start afresh in an outDir that holds another sweep (or this one): its results and
   *  manifest are deleted. Without it such a folder is refused. */
  force?: boolean;
  /** Wall-clock limit of one run in ms, from when its worker starts it (default: none). */
  runTimeoutMs?: number;
  /** JS heap limit of each worker in MB (V8 old generation; default DEFAULT_RUN_MEMORY_MB).
   *  The wasm core's shared memory is not counted (it has its own fixed maximum). */
  runMemoryMb?: number;
  /** Show a progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  file?: string;
  /** Called after each row is written (tests use it to stop half-way). */
  onRow?: (row: SweepRow) => void;
  /** Where warnings go (default: stderr, as "gotracesim: warning: …"). */
  warn?: (message: string) => void;
}

export interface SweepResult {
  total: number;
  ran: number;
  skipped: number;
  failed: number;
  /** Workers used at most (jobs as asked, capped at the machine's cores). */
  jobs: number;
  rows: SweepRow[];
}

/** The compiled worker module (workers run JavaScript). */
export function workerFile(): string {
  for (const rel of ['./sweep-worker.js', '../../build/lib/app/sweep-worker.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('build/lib/app/sweep-worker.js not found: run `npm run build` first');
}

export { csvHeader, csvLine } from './sweep-writer.ts';

const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** The options checked, with their defaults: before any file is touched. */
export function limitsOf(opts: Pick<SweepOptions, 'jobs' | 'runTimeoutMs' | 'runMemoryMb'>): { jobs: number; asked: number; runTimeoutMs?: number; runMemoryMb: number } {
  const cores = availableParallelism();
  const asked = opts.jobs ?? cores;
  if (!Number.isSafeInteger(asked) || asked < 1) throw new SweepError('--jobs', `must be a positive integer, got ${shown(asked)}`);
  const t = opts.runTimeoutMs;
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > 0)) throw new SweepError('--run-timeout', `must be a positive number of milliseconds, got ${shown(t)}`);
  const mb = opts.runMemoryMb ?? DEFAULT_RUN_MEMORY_MB;
  if (!Number.isSafeInteger(mb) || mb < MIN_RUN_MEMORY_MB) throw new SweepError('--run-memory', `must be a whole number of MB, at least ${MIN_RUN_MEMORY_MB}, got ${shown(mb)}`);
  return { jobs: Math.min(asked, cores), asked, runTimeoutMs: t, runMemoryMb: mb };
}

export async function sweep(gridInput: unknown, opts: SweepOptions): Promise<SweepResult> {
  const grid = parseGrid(gridInput, opts.file);
  const runs = expandGrid(grid, opts.file); // every run validated before any file is touched
  const limits = limitsOf(opts);
  const filename = workerFile();
  const writer = new RowWriter(grid, runs, opts);
  if (limits.asked > limits.jobs) (opts.warn ?? ((m) => process.stderr.write(`gotracesim: warning: ${m}\n`)))(`--jobs ${limits.asked} is more than this machine's ${limits.jobs} cores; using ${limits.jobs}`);
  const skipped = writer.prefix.length;
  try {
    await runOrdered(runs, skipped, grid.trace, limits, filename, (row) => writer.write(row));
  } finally {
    writer.close();
  }
  return { total: runs.length, ran: runs.length - skipped, skipped, failed: writer.failed, jobs: limits.jobs, rows: writer.rows };
}
