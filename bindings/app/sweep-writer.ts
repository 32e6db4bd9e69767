// The rows of a sweep, written in run order: DIR claimed for the grid (sweep-dir.ts), the rows
// already there kept as a prefix (a resume), then each new row appended to results.jsonl and
// results.csv as it comes, with the progress bar. The local sweep (sweep.ts) and the queued one
// (queue-sweep.ts) both write through it, so their files and resume rules are the same.

import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Grid, Run } from './sweep-grid.ts';
import { CSV, JSONL, claimDir, newManifest, writeAtomic } from './sweep-dir.ts';
import type { SweepRow } from './sweep-worker.ts';

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

/** Complete rows of an existing results.jsonl (a line cut by a kill is dropped: it runs again). */
export function readRows(path: string): SweepRow[] {
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

export interface RowWriterOptions {
  outDir: string;
  force?: boolean;
  file?: string;
  /** Show a progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Called after each row is written. */
  onRow?: (row: SweepRow) => void;
  /** More of the bar after its failures ("| workers {workers}"), with the fields' first values. */
  barMore?: { format: string; fields: Record<string, unknown> };
}

/**
 * DIR claimed for the grid and ready for rows: `prefix` holds the rows a previous sweep of the
 * same grid wrote there (the first runs, in order), and write() appends the next one. Rows
 * must come in run order, from runs[prefix.length] on.
 */
export class RowWriter {
  readonly prefix: SweepRow[];
  readonly rows: SweepRow[];
  failed: number;
  private readonly axes: string[];
  private readonly jsonlFd: number;
  private readonly csvFd: number;
  private readonly bar: SingleBar | null;
  private readonly onRow?: (row: SweepRow) => void;
  private closed = false;

  constructor(grid: Grid, runs: readonly Run[], opts: RowWriterOptions) {
    this.axes = Object.keys(grid.axes);
    const jsonl = join(opts.outDir, JSONL);
    const csv = join(opts.outDir, CSV);
    const mode = claimDir(opts.outDir, newManifest(grid, runs.length, opts.file), opts.force === true);

    // Resume: the rows already there (same grid, see claimDir) are a prefix of the run order.
    const done = mode === 'resume' ? readRows(jsonl) : [];
    let k = 0;
    while (k < done.length && k < runs.length && done[k].id === runs[k].id) k++;
    this.prefix = done.slice(0, k);
    writeAtomic(jsonl, this.prefix.map((r) => JSON.stringify(r) + '\n').join(''));
    writeAtomic(csv, csvHeader(this.axes) + this.prefix.map((r) => csvLine(r, this.axes)).join(''));

    this.failed = this.prefix.filter((r) => r.status === 'failed').length;
    this.rows = [...this.prefix];
    this.onRow = opts.onRow;
    // Appended through descriptors opened on the files just written, never through a symlink
    // planted meanwhile.
    this.jsonlFd = openSync(jsonl, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0));
    this.csvFd = openSync(csv, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0));
    const showBar = opts.progress ?? process.stderr.isTTY === true;
    this.bar = showBar ? new SingleBar({ format: `sweep |{bar}| {value}/{total} runs | ETA {eta_formatted} | failures {failures}${opts.barMore?.format ?? ''}`, stream: process.stderr }, Presets.shades_classic) : null;
    this.bar?.start(runs.length, this.prefix.length, { failures: this.failed, ...opts.barMore?.fields });
  }

  /** Append the next row (whole, by synchronous writes: a signal handler sees a clean prefix). */
  write(row: SweepRow): void {
    writeSync(this.jsonlFd, JSON.stringify(row) + '\n');
    writeSync(this.csvFd, csvLine(row, this.axes));
    this.rows.push(row);
    if (row.status === 'failed') this.failed++;
    this.bar?.update(this.rows.length, { failures: this.failed });
    this.onRow?.(row);
  }

  /** Change the bar's extra fields (barMore). */
  show(fields: Record<string, unknown>): void {
    this.bar?.update(fields);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bar?.stop();
    closeSync(this.jsonlFd);
    closeSync(this.csvFd);
  }
}
