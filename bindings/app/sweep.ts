// sweep: run every run of a grid on a worker pool (tinypool), one worker per core by
// default, streaming rows to results.jsonl and results.csv in run order.
//
// Rows are written in run order, whatever order the workers finish in, so the files are
// always a prefix of the full result: a sweep that was killed resumes by skipping the rows
// it already has, and ends with the same files a single uninterrupted run writes (wall
// times aside). DIR/sweep.json ties the folder to its grid (sweep-dir.ts), so only the same
// grid resumes there. A run that fails, exceeds --run-timeout or --run-memory, or kills its
// worker is recorded as a failed row and the others go on (sweep-pool.ts).

import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SingleBar, Presets } from 'cli-progress';
import { expandGrid, parseGrid } from './sweep-grid.ts';
import { CSV, JSONL, SweepError, claimDir, newManifest, writeAtomic } from './sweep-dir.ts';
import { runOrdered } from './sweep-pool.ts';
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
function workerFile(): string {
  for (const rel of ['./sweep-worker.js', '../../build/lib/app/sweep-worker.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('build/lib/app/sweep-worker.js not found: run `npm run build` first');
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

const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** The options checked, with their defaults: before any file is touched. */
function limitsOf(opts: SweepOptions): { jobs: number; asked: number; runTimeoutMs?: number; runMemoryMb: number } {
  const cores = availableParallelism();
  const asked = opts.jobs ?? cores;
  if (!Number.isSafeInteger(asked) || asked < 1) throw new SweepError('--jobs', `must be a positive integer, got ${shown(asked)}`);
  const t = opts.runTimeoutMs;
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > 0)) throw new SweepError('--run-timeout', `must be a positive number of milliseconds, got ${shown(t)}`);
  const mb = opts.runMemoryMb ?? DEFAULT_RUN_MEMORY_MB;
  if (!Number.isSafeInteger(mb) || mb < MIN_RUN_MEMORY_MB) throw new SweepError('--run-memory', `must be a whole number of MB, at least ${MIN_RUN_MEMORY_MB}, got ${shown(mb)}`);
  return { jobs: Math.min(asked, cores), asked, runTimeoutMs: t, runMemoryMb: mb };
}

/** Complete rows of an existing results.jsonl (a line cut by a kill is dropped: it runs again). */
function readRows(path: string): SweepRow[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as SweepRow];
      } catch {
        return [];
      }
    });
}

export async function sweep(gridInput: unknown, opts: SweepOptions): Promise<SweepResult> {
  const grid = parseGrid(gridInput, opts.file);
  const runs = expandGrid(grid, opts.file); // every run validated before any file is touched
  const limits = limitsOf(opts);
  const filename = workerFile();
  const axes = Object.keys(grid.axes);
  const jsonl = join(opts.outDir, JSONL);
  const csv = join(opts.outDir, CSV);
  const mode = claimDir(opts.outDir, newManifest(grid, runs.length, opts.file), opts.force === true);
  if (limits.asked > limits.jobs) (opts.warn ?? ((m) => process.stderr.write(`gotracesim: warning: ${m}\n`)))(`--jobs ${limits.asked} is more than this machine's ${limits.jobs} cores; using ${limits.jobs}`);

  // Resume: the rows already there (same grid, see claimDir) are a prefix of the run order.
  const done = mode === 'resume' ? readRows(jsonl) : [];
  let k = 0;
  while (k < done.length && k < runs.length && done[k].id === runs[k].id) k++;
  const prefix = done.slice(0, k);
  writeAtomic(jsonl, prefix.map((r) => JSON.stringify(r) + '\n').join(''));
  writeAtomic(csv, csvHeader(axes) + prefix.map((r) => csvLine(r, axes)).join(''));

  const showBar = opts.progress ?? process.stderr.isTTY === true;
  const bar = showBar ? new SingleBar({ format: 'sweep |{bar}| {value}/{total} runs | ETA {eta_formatted} | failures {failures}', stream: process.stderr }, Presets.shades_classic) : null;
  let failed = prefix.filter((r) => r.status === 'failed').length;
  bar?.start(runs.length, prefix.length, { failures: failed });

  const rows = [...prefix];
  // Appended through descriptors opened on the files just written, never through a symlink
  // planted meanwhile.
  const jsonlFd = openSync(jsonl, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0));
  const csvFd = openSync(csv, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0));
  try {
    await runOrdered(runs, prefix.length, grid.trace, limits, filename, (row) => {
      writeSync(jsonlFd, JSON.stringify(row) + '\n');
      writeSync(csvFd, csvLine(row, axes));
      rows.push(row);
      if (row.status === 'failed') failed++;
      bar?.update(rows.length, { failures: failed });
      opts.onRow?.(row);
    });
  } finally {
    bar?.stop();
    closeSync(jsonlFd);
    closeSync(csvFd);
  }
  return { total: runs.length, ran: runs.length - prefix.length, skipped: prefix.length, failed, jobs: limits.jobs, rows };
}
