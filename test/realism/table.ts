// The realism table: every program of programs.ts run for real and simulated, measured,
// compared (compare.ts), and printed as aligned text or as the README's markdown table. One
// function makes the whole table, so the test, `npm run realism` and the README's copy of it
// always come from the same code.
//
// Order: the real programs run first, one at a time and with nothing else of ours running (they
// measure the machine), then the simulations; a program with a row outside tolerance runs for
// real again, up to REAL_RUNS times, since a real program differs from run to run (its profile
// writer's start falls inside the trace or before it, a few GC cycles more or less): each row
// passes when the simulation is within tolerance of one of its real runs (compare.ts). The
// last row checks the NOT_MODELLED list itself.
// Who may touch: the realism test owner.

import { NOT_MODELLED, PROGRAMS, type RealismProgram } from './programs.ts';
import { buildRealism, measure, runReal, runSim, type Measured, type RunOutput } from './run.ts';
import { compareProgram, staleNotModelled, type Row } from './compare.ts';
import type { Toolchain } from '../oracle/go.ts';
import { join } from 'node:path';

/** Real runs of a program at most (each itself repeated while the machine is busy, run.ts). */
export const REAL_RUNS = 3;

export interface RealismResult {
  go: string;
  /** `reals`: the program's real runs, in order. */
  programs: { program: RealismProgram; reals: Measured[]; sim: Measured }[];
  rows: Row[];
  /** NOT_MODELLED types some simulated trace has (should be empty). */
  stale: string[];
}

/** Build, run and simulate every program; `log` hears about each step. */
export async function realismTable(tc: Toolchain, dir: string, log: (msg: string) => void = () => {}): Promise<RealismResult> {
  log(`building test/go/realism with ${tc.version}`);
  const bin = buildRealism(tc, dir);
  const firsts: RunOutput[] = [];
  for (const p of PROGRAMS) {
    log(`running ${p.name} (real)`);
    firsts.push(await runReal(bin, p, join(dir, 'run-1')));
  }
  const sims = PROGRAMS.map((p) => {
    log(`simulating ${p.name}`);
    return measure(p, runSim(p));
  });
  const programs: RealismResult['programs'] = [];
  for (const [i, p] of PROGRAMS.entries()) {
    const reals = [measure(p, firsts[i])];
    while (reals.length < REAL_RUNS && compareProgram(p, reals, sims[i]).some((r) => r.verdict === 'FAIL')) {
      log(`running ${p.name} (real) again: a row is outside its tolerance`);
      reals.push(measure(p, await runReal(bin, p, join(dir, `run-${reals.length + 1}`))));
    }
    programs.push({ program: p, reals, sim: sims[i] });
  }
  const rows = programs.flatMap(({ program, reals, sim }) => compareProgram(program, reals, sim));
  const stale = staleNotModelled(programs.map((p) => p.sim));
  rows.push({
    program: 'all',
    kind: 'types',
    measure: 'not-modelled types absent from every simulation',
    real: '—',
    sim: stale.length ? stale.join(', ') : 'none',
    tolerance: 'none present',
    verdict: stale.length ? 'FAIL' : 'pass',
    note: `not modelled: ${NOT_MODELLED.join(', ') || 'none'}`,
  });
  return { go: tc.version, programs, rows, stale };
}

const COLUMNS = ['program', 'measure', 'real', 'simulated', 'tolerance', 'verdict'] as const;

function cells(r: Row): string[] {
  return [r.program, r.measure, r.real, r.sim, r.tolerance, r.verdict + (r.note ? ` (${r.note})` : '')];
}

/** The rows as aligned text (a terminal). */
export function textTable(rows: readonly Row[]): string {
  const all = [COLUMNS.slice(), ...rows.map(cells)];
  const width = COLUMNS.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  return all.map((c) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(width[i]))).join('  ')).join('\n');
}

/** The rows as a markdown table (the README). */
export function markdownTable(rows: readonly Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const head = `| ${COLUMNS.join(' | ')} |\n|---|---|---:|---:|---|---|`;
  return [head, ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`)].join('\n');
}

/** One line per program: its real runs, and how much of the machine the most disturbed had. */
export function runNotes(res: RealismResult): string {
  return res.programs
    .map(({ program, reals }) => {
      const attempts = reals.reduce((a, r) => a + (r.attempts ?? 1), 0);
      const others = Math.max(...reals.map((r) => r.othersCores ?? 0));
      return `${program.name}: ${reals.length} real run(s) (${attempts} made), others used at most ${others.toFixed(2)} cores meanwhile`;
    })
    .join('; ');
}
