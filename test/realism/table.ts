// The realism table: every program of programs.ts run for real and simulated, measured,
// compared (compare.ts), and printed as aligned text or as the README's markdown table. One
// function makes the whole table, so the test, `npm run realism` and the README's copy of it
// always come from the same code.
//
// Order: the real programs run first, one at a time and with nothing else of ours running (they
// measure the machine), then the simulations. The last row checks the NOT_MODELLED list itself.
// Who may touch: the realism test owner.

import { NOT_MODELLED, PROGRAMS, type RealismProgram } from './programs.ts';
import { buildRealism, measure, runReal, runSim, type Measured, type RunOutput } from './run.ts';
import { compareProgram, staleNotModelled, type Row } from './compare.ts';
import type { Toolchain } from '../oracle/go.ts';

export interface RealismResult {
  go: string;
  programs: { program: RealismProgram; real: Measured; sim: Measured }[];
  rows: Row[];
  /** NOT_MODELLED types some simulated trace has (should be empty). */
  stale: string[];
}

/** Build, run and simulate every program; `log` hears about each step. */
export async function realismTable(tc: Toolchain, dir: string, log: (msg: string) => void = () => {}): Promise<RealismResult> {
  log(`building test/go/realism with ${tc.version}`);
  const bin = buildRealism(tc, dir);
  const reals: RunOutput[] = [];
  for (const p of PROGRAMS) {
    log(`running ${p.name} (real)`);
    reals.push(await runReal(bin, p, dir));
  }
  const programs = PROGRAMS.map((p, i) => {
    log(`simulating ${p.name}`);
    return { program: p, real: measure(p, reals[i]), sim: measure(p, runSim(p)) };
  });
  const rows = programs.flatMap(({ program, real, sim }) => compareProgram(program, real, sim));
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

/** One line per real run: how much of the machine it had. */
export function runNotes(res: RealismResult): string {
  return res.programs
    .map(({ program, real }) => `${program.name}: ${real.attempts} run(s), others used ${real.othersCores!.toFixed(2)} cores meanwhile`)
    .join('; ');
}
