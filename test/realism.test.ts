// Realism: the programs of test/go/realism, built and run with Go 1.23, against the scenarios of
// examples/realism that mimic them (issue 12). One case per program and measure: every row of
// the realism table (test/realism/table.ts) of that measure is within the tolerance the README
// states (test/realism/programs.ts TOLERANCE), except the rows KNOWN_OUTSIDE lists with why; and
// the list of event types not modelled yet is
// current. `npm run realism` prints the same table and writes bench/results/realism.json.
// The real programs measure the machine: a run disturbed by other processes is repeated
// (test/realism/run.ts), and each failure message says how disturbed the kept run was.
// Who may touch: the realism test owner.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithGo, scratchDirFor } from './oracle/go.ts';
import { MEASURES, type MeasureKind } from './realism/compare.ts';
import { KNOWN_OUTSIDE, PROGRAMS } from './realism/programs.ts';
import { MAX_OTHERS_CORES } from './realism/run.ts';
import { realismTable, runNotes, textTable, type RealismResult } from './realism/table.ts';

/** Measures each program has rows of (the sleeper's and the GC's only where it has those goroutines). */
function kindsOf(p: (typeof PROGRAMS)[number]): MeasureKind[] {
  return MEASURES.filter((k) => (k === 'sleep' || k === 'wake' ? !!p.sleeper : k === 'gc' ? !!p.allocates : true));
}

describeWithGo('1.23', 'realism: simulated vs real programs', (tc) => {
  let res: RealismResult;

  beforeAll(async () => {
    res = await realismTable(tc, scratchDirFor('realism'));
  }, 180_000);

  afterAll(() => {
    if (res) console.log(`${textTable(res.rows)}\n${runNotes(res)}`);
  });

  for (const p of PROGRAMS) {
    for (const kind of kindsOf(p)) {
      it(`${p.name}: ${kind}`, () => {
        const rows = res.rows.filter((r) => r.program === p.name && r.kind === kind);
        expect(rows.length).toBeGreaterThan(0);
        const known = (r: (typeof rows)[number]) => KNOWN_OUTSIDE.some((k) => k.program === r.program && r.measure.startsWith(k.measure));
        const failed = rows.filter((r) => r.verdict === 'FAIL' && !known(r)).map((r) => `${r.measure}: real ${r.real}, simulated ${r.sim} (tolerance ${r.tolerance})${r.note ? ` ${r.note}` : ''}`);
        expect(failed.join('\n'), `outside tolerance (real runs: ${runNotes(res)})`).toBe('');
      });
    }
  }

  it('the real runs had the machine to themselves', () => {
    const busy = res.programs.filter(({ reals }) => reals.some((real) => real.othersCores! > MAX_OTHERS_CORES));
    expect(busy.map(({ program }) => program.name), `other processes took more than ${MAX_OTHERS_CORES} cores during the kept runs (${runNotes(res)}): the real numbers are the machine's, not Go's`).toEqual([]);
  });

  it('the event types listed as not modelled appear in no simulated trace', () => {
    expect(res.stale, 'these are modelled now: remove them from NOT_MODELLED (test/realism/programs.ts) and the README').toEqual([]);
  });
});
