// Whole-process measurement for bench/goals.ts: run a command (node on build/lib, a Go
// program) under /usr/bin/time and take its wall time, CPU time (user + system) and peak RSS;
// repeat it and keep the medians (and the largest peak RSS). Commands run one at a time;
// the commands of a comparison alternate (timeInterleaved).
//
// Why whole processes: a user waits for the process, start-up and exit included, and a
// child's peak RSS belongs to that case alone. Why CPU time next to wall time: on a shared,
// busy machine a process waits for a core; its CPU time says what it cost (for multi-threaded
// Go programs it also counts their parallel GC, so wall time stays the figure compared).
// Without /usr/bin/time the wall clock of the spawn is kept and CPU and RSS are NaN.
// Who may touch: the bench owner.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIME = '/usr/bin/time';
const HAVE_TIME = existsSync(TIME);

export interface ProcRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Seconds. */
  wall: number;
  cpu: number;
  rssMb: number;
}

export interface ProcOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A file given to the command as its standard input. */
  stdinFile?: string;
  /** Standard output thrown away (a command that prints a lot). */
  quiet?: boolean;
}

export function runProc(cmd: string, args: string[], opts: ProcOptions = {}): ProcRun {
  const dir = mkdtempSync(join(tmpdir(), 'gts-proc-'));
  const out = join(dir, 'time');
  const stdin = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
  try {
    const argv = HAVE_TIME ? ['-f', '%e %U %S %M', '-o', out, cmd, ...args] : args;
    const t0 = performance.now();
    const r = spawnSync(HAVE_TIME ? TIME : cmd, argv, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: [stdin, opts.quiet ? 'ignore' : 'pipe', 'pipe'],
    });
    const wall = (performance.now() - t0) / 1e3;
    const res: ProcRun = { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', wall, cpu: NaN, rssMb: NaN };
    if (HAVE_TIME && existsSync(out)) {
      // The last line: time writes "Command exited with non-zero status N" before it.
      const line = readFileSync(out, 'utf8').trim().split('\n').pop()!;
      const [e, u, s, m] = line.split(' ').map(Number);
      if (Number.isFinite(e)) Object.assign(res, { wall: e, cpu: u + s, rssMb: m / 1024 });
      const sig = /terminated by signal (\d+)/.exec(readFileSync(out, 'utf8'));
      if (sig) res.status = 128 + Number(sig[1]);
    }
    return res;
  } finally {
    if (typeof stdin === 'number') closeSync(stdin);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface Timed {
  /** Median seconds over the runs. */
  wall: number;
  cpu: number;
  /** Largest peak RSS over the runs (MB). */
  rssMb: number;
  runs: ProcRun[];
  walls: number[];
}

/**
 * The command `n` times; medians of wall and CPU, the largest peak RSS. `check` sees every
 * run and throws when the command did not do its job (a timing of a failure is no timing).
 */
export function timeProc(n: number, cmd: string, args: string[], opts: ProcOptions = {}, check?: (r: ProcRun) => void): Timed {
  const runs: ProcRun[] = [];
  for (let i = 0; i < n; i++) {
    const r = runProc(cmd, args, opts);
    check?.(r);
    runs.push(r);
  }
  return {
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    rssMb: Math.max(...runs.map((r) => r.rssMb)),
    runs,
    walls: runs.map((r) => r.wall),
  };
}

export interface ProcSpec {
  cmd: string;
  args: string[] | ((round: number) => string[]);
  opts?: ProcOptions;
  check?: (r: ProcRun) => void;
}

/**
 * Several commands `n` times each, interleaved (A B A B ...): on a shared machine the load
 * drifts, and interleaving lets a comparison see the same drift on both sides. Medians and
 * largest RSS per command, as timeProc.
 */
export function timeInterleaved(n: number, specs: ProcSpec[]): Timed[] {
  const runs: ProcRun[][] = specs.map(() => []);
  for (let i = 0; i < n; i++) {
    specs.forEach((s, k) => {
      const r = runProc(s.cmd, typeof s.args === 'function' ? s.args(i) : s.args, s.opts);
      s.check?.(r);
      runs[k].push(r);
    });
  }
  return runs.map((rs) => ({
    wall: median(rs.map((r) => r.wall)),
    cpu: median(rs.map((r) => r.cpu)),
    rssMb: Math.max(...rs.map((r) => r.rssMb)),
    runs: rs,
    walls: rs.map((r) => r.wall),
  }));
}

/** A check: exit status 0, else an Error with the command's first line of stderr. */
export function ok(what: string): (r: ProcRun) => void {
  return (r) => {
    if (r.status !== 0) throw new Error(`${what}: exit ${r.status}${r.signal ? ` (${r.signal})` : ''}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  };
}
