// The sweep folder and its identity. DIR/sweep.json (the manifest) names the grid whose rows
// DIR holds, by a hash of the normalized grid, and the gotracesim version that made them, so
// that a resume only ever continues the same grid with the same simulator: a different grid
// swept into DIR would otherwise reuse rows whose ids match and drop the rest.
//
//   { "gotracesim": "0.1.0", "grid": "sha256:…", "file": "grids/timers.json",
//     "axes": ["profile.timer", "gomaxprocs"], "seeds": 1, "trace": false, "runs": 12,
//     "created": "2025-01-01T00:00:00.000Z" }
//
// Only "gotracesim" and "grid" decide; the rest is for whoever reads the folder.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createTemp, makeDirs } from './files.ts';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GridError, type Grid } from './sweep-grid.ts';

export const MANIFEST = 'sweep.json';
export const JSONL = 'results.jsonl';
export const CSV = 'results.csv';

export interface SweepManifest {
  /** The gotracesim version that created the folder. */
  gotracesim: string;
  /** "sha256:" + hex of the normalized grid (gridHash). */
  grid: string;
  /** The grid file, as it was given. */
  file?: string;
  axes: string[];
  seeds: number;
  trace: boolean;
  runs: number;
  created: string;
}

/** The sweep folder cannot be used as asked (it holds another sweep), or a sweep option is
 *  bad: `path: problem`, one line. A GridError, so callers that refuse bad grids refuse it too. */
export class SweepError extends GridError {
  constructor(path: string, problem: string) {
    super(path, problem);
    this.name = 'SweepError';
  }
}

let version: string | undefined;
/** This package's version, from its package.json (next to bindings/ and build/). */
export function toolVersion(): string {
  if (version !== undefined) return version;
  for (const rel of ['../../package.json', '../../../package.json']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(p)) continue;
    const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'gotracesim' && typeof pkg.version === 'string') return (version = pkg.version);
  }
  throw new Error('gotracesim package.json not found');
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON with every object's keys sorted (fromEntries keeps a "__proto__" key as data). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (isPlain(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/**
 * The grid's identity. Key order inside the base scenario and axis values does not matter,
 * but the order of the axes does (it is the run order and the columns), so the axes are
 * hashed as a list of [path, values].
 */
export function gridHash(grid: Grid): string {
  const normal = { base: grid.base, axes: Object.entries(grid.axes), seeds: grid.seeds, trace: grid.trace };
  return 'sha256:' + createHash('sha256').update(canonical(normal)).digest('hex');
}

export function newManifest(grid: Grid, runs: number, file?: string): SweepManifest {
  return { gotracesim: toolVersion(), grid: gridHash(grid), ...(file !== undefined ? { file } : {}), axes: Object.keys(grid.axes), seeds: grid.seeds.length, trace: grid.trace, runs, created: new Date().toISOString() };
}

/** Write a file whole or not at all: a new temporary (exclusive, never through a symlink)
 *  renamed over it, so a kill mid-write leaves the old file (or none). */
export function writeAtomic(path: string, text: string): void {
  const { path: tmp, fd } = createTemp(dirname(path), basename(path));
  try {
    writeSync(fd, text);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* closed */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

function readManifest(path: string): SweepManifest | string {
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return (e as Error).message;
  }
  if (!isPlain(m) || typeof m.gotracesim !== 'string' || typeof m.grid !== 'string') return 'no "gotracesim" and "grid" fields';
  return m as unknown as SweepManifest;
}

/** "grids/a.json: 12 runs, axes go, gomaxprocs, grid sha256:0123456789ab" (what is known). */
function describeSweep(m: SweepManifest): string {
  const parts = [typeof m.runs === 'number' ? `${m.runs} runs` : '', Array.isArray(m.axes) ? (m.axes.length ? `axes ${m.axes.join(', ')}` : 'no axes') : '', `grid ${m.grid.slice(0, 19)}`];
  return `${typeof m.file === 'string' ? `${m.file}: ` : ''}${parts.filter(Boolean).join(', ')}`;
}

/**
 * Make DIR the folder of this sweep: 'resume' when it already is (same grid, same version),
 * 'fresh' when it held nothing of a sweep (the manifest is then written) or `force` cleared
 * it. A folder holding another sweep, or results without a manifest (an older gotracesim),
 * is refused untouched unless `force`. Only the sweep's own files are removed.
 */
export function claimDir(dir: string, want: SweepManifest, force: boolean): 'fresh' | 'resume' {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new SweepError(dir, 'not a directory');
  const manifestPath = join(dir, MANIFEST);
  const hasManifest = existsSync(manifestPath);
  const results = [JSONL, CSV].filter((f) => existsSync(join(dir, f)));
  if (hasManifest || results.length) {
    const how = '--force starts fresh there (deleting its results), or sweep into another directory';
    let conflict: SweepError | null = null;
    if (!hasManifest) conflict = new SweepError(dir, `holds ${results.join(' and ')} but no ${MANIFEST} (written by an older gotracesim?), so which grid made them is unknown; ${how}`);
    else {
      const have = readManifest(manifestPath);
      if (typeof have === 'string') conflict = new SweepError(manifestPath, `not a gotracesim sweep manifest (${have}); ${how}`);
      else if (have.grid !== want.grid) conflict = new SweepError(dir, `holds the sweep of another grid (${describeSweep(have)}); ${how}`);
      else if (have.gotracesim !== want.gotracesim) conflict = new SweepError(dir, `holds a sweep made by gotracesim ${have.gotracesim} (this is ${want.gotracesim}), whose rows may differ; ${how}`);
    }
    if (conflict === null && !force) return 'resume';
    if (conflict !== null && !force) throw conflict;
    for (const f of [JSONL, CSV, MANIFEST]) if (existsSync(join(dir, f))) unlinkSync(join(dir, f));
  }
  makeDirs(dir); // one level at a time: fails fast where a recursive mkdir spins (/proc)
  writeAtomic(manifestPath, JSON.stringify(want, null, 2) + '\n');
  return 'fresh';
}
